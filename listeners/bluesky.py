"""Bluesky: post search for the profile's terms, signed in with an app password.

Follows the Bluesky HTTP API reference (https://docs.bsky.app/docs/category/http-reference):
POST /xrpc/com.atproto.server.createSession with {identifier, password} → accessJwt
(https://docs.bsky.app/docs/api/com-atproto-server-create-session), sent as a Bearer
token to GET /xrpc/app.bsky.feed.searchPosts (q, sort=latest, since, limit ≤ 100,
cursor → {cursor, posts: [postView]}; https://docs.bsky.app/docs/api/app-bsky-feed-search-posts;
a term of several words goes as a quoted phrase, in the Lucene syntax that page recommends).
Sessions are rate-limited per account (30 per 5 minutes, 300 a day;
https://docs.bsky.app/docs/advanced-guides/rate-limits), so the session is kept between runs
and refreshed with com.atproto.server.refreshSession (listeners/bluesky_session.py) when
the access token has expired or expires within REFRESH_AHEAD; a 429
says whether it was that login limit and when it lifts (RateLimit-Reset, else Retry-After
in seconds or as an HTTP date). After login, calls go to the account's own PDS, the
`#atproto_pds` service of the session's didDoc, as the atproto SDK does.

Cursor: per term, a Watermark (listeners/watermark.py): the newest post time indexed and
the posts indexed at exactly that instant. `since` is inclusive, so the next run asks
`since=` that time and drops just those posts: no repeat, and no same-instant newcomer
lost. A post's time is the earlier of createdAt (written by the poster's app, so it can
be wrong) and indexedAt (the service's clock): a post dated in the future must not push
the cursor past posts still to come. (`since` itself filters on the service's `sortAt`.)
A post indexed late sorts behind the watermark, so `since` goes back by the overlap window
and what was heard there before is skipped (listeners/overlap.py).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Literal

from pydantic import Field, HttpUrl

from earshot.core.connections import MissingCredentials, credentials
from earshot.core.fetch import FetchError, post_json
from earshot.core.model import Mention
from earshot.core.profile import ApiSource
from listeners.api import (
    Malformed,
    Reset,
    error_json,
    json_object,
    phrase,
    required,
    time_at,
)
from listeners.base import Cursor, Listener, Page, Stream
from listeners.bluesky_session import Session, SessionFile
from listeners.watermark import Watermark, posted

PAGE_SIZE = 100
REFRESH_AHEAD = timedelta(minutes=15)  # the atproto SDK's margin (listeners/bluesky_session.py)
WEB = "https://bsky.app"


class BlueskySource(ApiSource):
    """Bluesky post search; the connection holds the account handle and an app password."""

    kind: Literal["bluesky"]
    connection: str
    service: HttpUrl = HttpUrl("https://bsky.social")
    terms: list[str] = Field(min_length=1)


class BlueskyListener(Listener[BlueskySource]):
    platform = "Bluesky"
    reset = Reset("ratelimit-reset")  # the entryway's, in Unix seconds

    def open(self, secrets: set[str]) -> None:
        self.secrets = secrets
        self.entryway = str(self.source.service).rstrip("/") + "/xrpc/"
        self.account = credentials(self.source.connection)
        if not (self.account.login and self.account.password):
            raise MissingCredentials(
                f"connection {self.source.connection!r} needs the account handle as login "
                "and an app password as password"
            )
        secrets.add(self.account.password)
        self.kept = SessionFile.of(
            self.source.name, self.entryway, self.account.login, self.account.password
        )
        kept = self.kept.load()
        self._use(kept or self._sign_in())
        if kept and (expires := kept.expires()) and expires - REFRESH_AHEAD <= self.now:
            self._renew()  # no call spent on a token about to lapse

    def explain(self, error: FetchError) -> str | None:
        """A 429 says which limit, and when it lifts (`reset`, else Retry-After)."""
        if error.status != 429:
            return None
        login = "createSession" in str(error)
        what = "the account's login limit (createSession)" if login else "Bluesky's rate limit"
        return f"{error}; {what} is spent{self.try_again_after(error)}"

    def streams(self, cursor: Cursor) -> list[Stream[dict]]:
        streams = []
        for term in self.source.terms:
            mark = Watermark.parse(cursor.get(key := f"term:{term}"))
            pager = self._pager(term, mark)
            streams.append(Stream(key, pager, mark, _stamp, self._to_mention, posted(_stamp)))
        return streams

    def _sign_in(self) -> Session:
        """createSession, which the entryway limits per account: only with no kept session,
        or when its refresh token is refused (revoked, expired, the app password gone)."""
        answer = post_json(
            self.entryway + "com.atproto.server.createSession",
            data={"identifier": self.account.login, "password": self.account.password},
            timeout=self.source.timeout_seconds,
        )
        return self._keep(json_object(answer), self.entryway)

    def _renew(self) -> None:
        """The access token expired or is about to: refreshSession with the refresh token,
        as the atproto SDK does; a refused refresh signs in again, once."""
        try:
            answer = post_json(
                self.xrpc + "com.atproto.server.refreshSession",
                data=None,
                headers={"Authorization": f"Bearer {self.session.refresh}"},
                timeout=self.source.timeout_seconds,
            )
        except FetchError as e:
            if e.status not in (400, 401):
                raise
            self.kept.forget()
            self._use(self._sign_in())
            return
        self._use(self._keep(json_object(answer), self.xrpc))

    def _keep(self, answer: dict, xrpc: str) -> Session:
        """A new or refreshed session, saved at once: the old refresh token is spent.
        From here on, calls go to the account's own PDS (as the atproto SDK does)."""
        pds = _own_pds(answer.get("didDoc"))
        session = Session(
            access=answer["accessJwt"],
            refresh=answer["refreshJwt"],
            xrpc=pds.rstrip("/") + "/xrpc/" if pds else xrpc,
        )
        self.kept.save(session)
        return session

    def _use(self, session: Session) -> None:
        self.secrets |= {session.access, session.refresh}
        self.session = session
        self.xrpc = session.xrpc
        self.headers = {"Authorization": f"Bearer {session.access}"}

    def _call(self, method: str, query: dict) -> object:
        """A signed-in GET; an expired access token is renewed and the call asked once more.
        Every answer says what is left of the rate limit (docs.bsky.app/docs/advanced-guides/
        rate-limits): none left, the run stops asking till its reset."""
        try:
            body, headers = self.get(self.xrpc + method, query, self.headers)
        except FetchError as e:
            if not _token_refused(e):
                raise
            self._renew()
            body, headers = self.get(self.xrpc + method, query, self.headers)
        self.watch_rate_limit(headers, "RateLimit-Remaining", "Bluesky rate limit spent")
        return body

    def _pager(self, term: str, mark: Watermark) -> Page:
        # Back through the overlap window: posts indexed late sort behind the watermark.
        since = (mark.time - self.overlap).isoformat().replace("+00:00", "Z") if mark.time else None

        def page(token: str | None) -> tuple[list[dict], str | None]:
            query = {"q": phrase(term), "sort": "latest", "limit": PAGE_SIZE}
            query |= {"since": since} if since else {}
            query |= {"cursor": token} if token else {}
            body = json_object(self._call("app.bsky.feed.searchPosts", query))
            posts = body["posts"]
            if not isinstance(posts, list):
                raise TypeError(f"posts is {type(posts).__name__}, not a list of posts")
            return posts, body.get("cursor")

        return page

    def _to_mention(self, post: dict) -> Mention:
        handle = required(post, "author.handle")
        # An unverifiable handle shows as handle.invalid; the DID always resolves.
        profile = required(post, "author.did") if handle == "handle.invalid" else handle
        uri = required(post, "uri")
        return self.mention(
            uri,
            url=f"{WEB}/profile/{profile}/post/{_rkey(uri)}",
            text=required(post, "record.text"),
            author="@" + handle,
            published=_posted(post),
        )


def _token_refused(error: FetchError) -> bool:
    """The access token is no longer taken: `ExpiredToken` (400 from the PDS, 401 from some
    services) or `InvalidToken` (com.atproto.server lexicons, XRPC error names)."""
    refused = error_json(error).get("error") in {"ExpiredToken", "InvalidToken"}
    return error.status in (400, 401) and refused


def _own_pds(did_doc: object) -> str | None:
    """The `#atproto_pds` service endpoint of the session's didDoc, if it gave one."""
    services = did_doc.get("service") if isinstance(did_doc, dict) else None
    for service in services if isinstance(services, list) else []:
        if isinstance(service, dict) and service.get("id", "").endswith("#atproto_pds"):
            endpoint = service.get("serviceEndpoint")
            return endpoint if isinstance(endpoint, str) else None
    return None


def _rkey(uri: str) -> str:
    """at://<did>/app.bsky.feed.post/<rkey> → <rkey>, the last part of the web URL."""
    parts = uri.removeprefix("at://").split("/")
    if not uri.startswith("at://") or len(parts) != 3 or parts[1] != "app.bsky.feed.post":
        raise Malformed(f"uri is not a post URI: {uri[:200]!r}")
    return parts[2]


def _stamp(post: dict) -> tuple[datetime, str]:
    """Where the post sits in time for the cursor."""
    return _posted(post), required(post, "uri")


def _posted(post: dict) -> datetime:
    """When the post was made, never later than Bluesky indexed it: `createdAt` is the
    poster's app's clock, and the AT Protocol allows any time in it, year 0 included
    (atproto-interop-tests, syntax/datetime_syntax_valid.txt); `indexedAt` is the
    service's. A `createdAt` no calendar here holds is read as `indexedAt`, so one odd post
    does not fail the whole source."""
    indexed = time_at(post, "indexedAt")
    try:
        return min(time_at(post, "record.createdAt"), indexed)
    except Malformed:
        return indexed
