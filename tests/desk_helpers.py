"""For the desk's tests, over HTTP and in the browser: the real desk on loopback, real users
of the node's file realm (one per role), and mentions as the pipeline indexes them."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

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
