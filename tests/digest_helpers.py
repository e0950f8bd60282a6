"""For the digest tests: a real SMTP server on loopback, and mentions built field by field."""

from __future__ import annotations

import asyncio
import email
import email.policy
import socket
from collections.abc import Callable
from datetime import UTC, datetime
from email.message import EmailMessage
from pathlib import Path
from urllib.parse import quote

import pytest
import yaml
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from earshot.core.model import Mention, Place, Response, Sentiment, mention_id
from earshot.core.paths import DEFAULT_PROFILE

SENDER = "earshot@lincs.police.example"
USER = "earshot-digest"
PASSWORD = "loopback-only-secret"


class Mailbox:
    """aiosmtpd on 127.0.0.1 with a login (a wrong password gets 535), keeping every message
    it accepts and whether its sender had logged in.
    `busy_for` answers that many DATA commands with 451 (try again later) first;
    `answers_after` keeps each message at once but answers its end that many seconds later,
    as a slow relay does; `hangs_up` keeps the next message and drops the connection before
    answering its end; `meanwhile` is called once, as the next message is kept (for something
    else to fail just then); `refusing` answers RCPT TO for an address with the reply given
    (change it between runs, as a greylist lifts)."""

    def __init__(
        self,
        *,
        busy_for: int = 0,
        answers_after: float = 0.0,
        refusing: dict[str, str] | None = None,
    ):
        self.busy_for = busy_for
        self.refusing = dict(refusing or {})
        self.answers_after = answers_after
        self.hangs_up = False
        self.meanwhile: Callable[[], object] | None = None
        self.received: list[tuple[str, list[str], bytes]] = []
        self.logged_in: list[bool] = []
        self.refused_data = 0
        self._controller: Controller | None = None
        self.port = 0

    def __enter__(self) -> Mailbox:
        self.port = _free_port()
        self._controller = Controller(
            self,
            hostname="127.0.0.1",
            port=self.port,
            authenticator=_authenticate,
            auth_require_tls=False,  # loopback only; production uses STARTTLS
        )
        self._controller.start()
        return self

    def __exit__(self, *exc) -> None:
        assert self._controller is not None
        self._controller.stop()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options) -> str:
        if address in self.refusing:
            return self.refusing[address]
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server, session, envelope) -> str:
        if self.busy_for > 0:
            self.busy_for -= 1
            self.refused_data += 1
            return "451 4.3.0 Busy, try again later"
        self.received.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.content))
        self.logged_in.append(bool(session.authenticated))
        if self.meanwhile:
            self.meanwhile, meanwhile = None, self.meanwhile
            meanwhile()
        if self.hangs_up:
            self.hangs_up = False
            server.transport.close()
        await asyncio.sleep(self.answers_after)
        return "250 2.0.0 OK"

    def connection_uri(self, *, password: str = PASSWORD, timeout: int = 10) -> str:
        """An Airflow connection URI for AIRFLOW_CONN_SMTP_DEFAULT; `timeout` (seconds) is
        how long each command's answer is waited for."""
        return (
            f"smtp://{USER}:{quote(password, safe='')}@127.0.0.1:{self.port}"
            f"?from_email={quote(SENDER)}&disable_ssl=true&disable_tls=true&timeout={timeout}"
        )

    def messages(self) -> list[EmailMessage]:
        return [
            email.message_from_bytes(raw, policy=email.policy.default)
            for _, _, raw in self.received
        ]


def _authenticate(server, session, envelope, mechanism, auth_data) -> AuthResult:
    ok = (
        isinstance(auth_data, LoginPassword)
        and auth_data.login == USER.encode()
        and auth_data.password == PASSWORD.encode()
    )
    return AuthResult(success=ok, handled=False)  # handled=False: aiosmtpd answers 535


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def mention(
    key: str,
    at: datetime,
    *,
    toward: float = 0.0,
    topics: tuple[str, ...] = (),
    places: tuple[str, ...] = (),
    in_area: bool = False,
    flags: tuple[str, ...] = (),
    action: str = "no-action",
    priority: int = 0,
    reason: str | None = None,
    source: str = "lincs-news",
    title: str | None = None,
    text: str | None = None,
    author: str | None = "a reporter",
    url: str | None = None,
    status: str = "new",
) -> Mention:
    """One mention with exactly the enrichment given (enrichment itself is tested elsewhere)."""
    label = "positive" if toward >= 0.05 else "negative" if toward <= -0.05 else "neutral"
    return Mention(
        id=mention_id(source, key),
        source=source,
        source_kind="rss",
        url=url if url is not None else f"https://news.example/{key}",
        title=title if title is not None else f"Lincolnshire Police story {key}",
        text=text if text is not None else f"What was said in {key}, about Lincolnshire Police.",
        author=author,
        published=at.astimezone(UTC),
        fetched=at.astimezone(UTC),
        force_terms=("Lincolnshire Police",),
        tone=Sentiment(score=toward, label=label),
        toward_force=Sentiment(score=toward, label=label),
        topics=topics,
        risk_flags=flags,
        places=tuple(Place(name=p, lat=53.2, lon=-0.5) for p in places),
        in_area=in_area,
        language="en",
        response=Response(
            action=action, priority=priority, reasons=(reason or f"the reason for {action}",)
        ),
        status=status,
    )


def write_profile(path: Path, *, recipients: list[str]) -> Path:
    """The demo profile with digest recipients (tests select it with EARSHOT_PROFILE)."""
    profile = yaml.safe_load(DEFAULT_PROFILE.read_text())
    profile["recipients"] = {"digest": recipients, "alerts": []}
    path.write_text(yaml.safe_dump(profile))
    return path


@pytest.fixture
def mailbox(monkeypatch):
    """A real SMTP server on loopback, named by the smtp_default connection."""
    with Mailbox() as box:
        monkeypatch.setenv("AIRFLOW_CONN_SMTP_DEFAULT", box.connection_uri())
        yield box
