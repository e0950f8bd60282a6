"""For the desk's tests, over HTTP and in the browser: the real desk on loopback, real users
of the node's file realm (one per role), and mentions as the pipeline indexes them."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest
import uvicorn
from elasticsearch import Elasticsearch

from earshot.desk.app import create_app
from earshot.governance.security import ANALYST_ROLE, RESPONDER_ROLE
from earshot.store.indices import mentions_index
from earshot.store.local_node import LocalNode
from tests.file_realm import realm_users

RESPONDER = "rosa.responder"
ANALYST = "alan.analyst"
PUBLISHED = datetime(2026, 11, 21, 7, 0, tzinfo=UTC)
REFRESH_SECONDS = 1  # an open queue asks for new rows this often


@pytest.fixture(scope="module")
def desk_passwords(es_node: LocalNode) -> Iterator[dict[str, str]]:
    """A responder and an analyst in the node's file realm; their passwords by name."""
    with realm_users(es_node, {RESPONDER_ROLE: RESPONDER, ANALYST_ROLE: ANALYST}) as passwords:
        yield passwords


@pytest.fixture(scope="module")
def desk(es_node: LocalNode) -> Iterator[str]:
    """The desk served by uvicorn on a free loopback port; its base URL."""
    with serve_desk() as url:
        yield url


@contextmanager
def serve_desk() -> Iterator[str]:
    """A desk on the Elasticsearch that EARSHOT_ELASTICSEARCH_URL names, until the block ends."""
    server = uvicorn.Server(
        uvicorn.Config(
            create_app(
                "test-secret-" + "x" * 32, secure_cookie=False, refresh_seconds=REFRESH_SECONDS
            ),
            host="127.0.0.1",
            port=0,
            log_level="warning",
            access_log=False,
        )
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    port = server.servers[0].sockets[0].getsockname()[1]
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(10)


class _Interleaving(BaseHTTPRequestHandler):
    """Passes every request on to the real node as it came, but first runs the server's
    `meanwhile` before the first request whose path holds the server's `before`."""

    protocol_version = "HTTP/1.1"

    def _pass_on(self) -> None:
        body = self.rfile.read(int(self.headers.get("content-length", 0)))
        if self.server.before in self.path and self.server.meanwhile:
            self.server.meanwhile.pop()()
        skipped = {"host", "content-length", "connection", "transfer-encoding", "content-encoding"}
        answer = httpx.request(
            self.command,
            self.server.node + self.path,
            content=body,
            headers={k: v for k, v in self.headers.items() if k.lower() not in skipped},
        )
        self.send_response(answer.status_code)
        for name, value in answer.headers.items():
            if name.lower() not in skipped:
                self.send_header(name, value)
        self.send_header("content-length", str(len(answer.content)))
        self.end_headers()
        self.wfile.write(answer.content)

    do_GET = do_HEAD = do_POST = do_PUT = do_DELETE = _pass_on

    def log_message(self, *args) -> None:
        pass


@contextmanager
def interleaving(
    node: str, meanwhile: Callable[[], None], *, before: str = "if_seq_no="
) -> Iterator[str]:
    """A way to the node at `node` on which `meanwhile` runs once, just before the next
    request whose path holds `before`: by default a conditional write, so another person's
    change lands between a read and a write, every time; its URL."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Interleaving)
    server.node, server.meanwhile, server.before = node, [meanwhile], before
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def index_mention(
    es: Elasticsearch,
    id: str,
    text: str,
    *,
    priority: int = 50,
    cluster: str | None = None,
    risk_flags: tuple[str, ...] = (),
    url: str = "https://example.org/post",
    topics: tuple[str, ...] = ("response times",),
    place: str = "Leeds",
    published: datetime = PUBLISHED,
    title: str | None = None,
) -> None:
    """A mention as enrichment leaves it: new, ranked, with a recommended reply."""
    es.index(
        index=mentions_index(published),
        id=id,
        refresh=True,
        document={
            "@timestamp": published.isoformat(),
            "message": text,
            "url": {"full": url},
            "event": {"provider": "news", "dataset": "earshot.rss"},
            "earshot": {
                "title": text[:80] if title is None else title,
                "status": "new",
                "risk_flags": list(risk_flags),
                "topics": list(topics),
                "places": [place],
                "cluster": cluster or id,
                "response": {
                    "action": "reply",
                    "priority": priority,
                    "reasons": ["asks the force"],
                },
            },
        },
    )
