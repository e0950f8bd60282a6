"""Where a Bluesky source keeps its session between runs, so a run signs in only when it must.

The bsky.social entryway limits createSession per account (30 per 5 minutes, 300 a day in
its docs; about 100 a day in practice), and a source runs 96 times a day plus retries. The
atproto SDK's answer is ours: keep the session (`export_session_string`, saved on every
create and refresh event) and refresh it with its refreshJwt.

The session is a file, `<EARSHOT_HOME>/bluesky-sessions/<source>.json`, readable by the
worker's own account only (0600), written the moment a session is made or refreshed: a
refresh replaces the refresh token, so saving it only with a successful run's cursor would
leave the next run holding a spent one. Not the cursor index: that is readable by the
maintenance key too, and a session can post as the force's account.

The file records a fingerprint of the account and app password it was made with: a changed
password in the connection makes it stale at once, and a password revoked on Bluesky makes
the refresh fail, which signs in again once.

A kept session is refreshed ahead of its access token's expiry (`Session.expires`), as the
atproto SDK does 15 minutes before the access JWT's `exp`
(MarshalX/atproto at 568529bbf35f9956ebb7760e1bc997040171c903,
packages/atproto_client/client/methods_mixin/session.py `_should_refresh_session`, reading
the claims with packages/atproto_server/auth/jwt.py `get_jwt_payload`).
"""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote

from earshot.core.secret_file import write_secret
from earshot.store.local_node import earshot_home


@dataclass(frozen=True)
class Session:
    access: str  # accessJwt: sent with each call
    refresh: str  # refreshJwt: sent only to refreshSession
    xrpc: str  # the account's own PDS, where every call after sign-in goes

    def expires(self) -> datetime | None:
        """When the PDS stops taking the access token: the `exp` claim of its JWT.

        Read without checking the signature: the PDS signs with a key the client does not
        hold (and checks every call itself), so the claim can only time a refresh. None when
        the token is not a JWT with an `exp`: it is then used until the PDS answers
        ExpiredToken.
        """
        try:
            claims = self.access.split(".")[1]
            padded = claims + "=" * (-len(claims) % 4)
            return datetime.fromtimestamp(json.loads(base64.urlsafe_b64decode(padded))["exp"], UTC)
        except (IndexError, ValueError, KeyError, TypeError, OverflowError, OSError):
            return None


@dataclass(frozen=True)
class SessionFile:
    path: Path
    account: str  # fingerprint of the service, handle and app password the session came from

    @classmethod
    def of(cls, source: str, service: str, login: str, password: str) -> SessionFile:
        folder = earshot_home() / "bluesky-sessions"
        signed_in = "\0".join((service, login, password)).encode()
        return cls(folder / f"{quote(source, safe='')}.json", hashlib.sha256(signed_in).hexdigest())

    def load(self) -> Session | None:
        """The kept session, unless there is none, it is unreadable, or the account changed."""
        try:
            kept = json.loads(self.path.read_text())
            if kept["account"] == self.account:
                return Session(kept["access"], kept["refresh"], kept["xrpc"])
        except (OSError, ValueError, KeyError, TypeError):
            pass
        return None

    def save(self, session: Session) -> None:
        self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        kept = {"account": self.account} | asdict(session)
        write_secret(self.path, json.dumps(kept))

    def forget(self) -> None:
        self.path.unlink(missing_ok=True)
