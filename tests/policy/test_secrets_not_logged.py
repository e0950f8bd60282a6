"""Secrets never reach a log or an error message: the collect DAG runs with known secrets
in every place Earshot takes them from, against platforms that refuse the requests and echo
back everything they were sent, and nothing written anywhere holds a secret in any form."""

from __future__ import annotations

import base64
import json
import logging
import os
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import quote, quote_plus

import pytest

pytestmark = pytest.mark.elasticsearch

MASTODON_TOKEN = "mastodon-token-Q7z+/=&x"
REDDIT_ID, REDDIT_SECRET = "reddit-app-id", "reddit-secret-K2v+/=&y"
REDDIT_TOKEN = "reddit-bearer-P9w+/=z"
BLUESKY_HANDLE, BLUESKY_PASSWORD = "lincs.example", "bsky-app-pw-4k2j-9xq1"
BLUESKY_JWT = "eyJhbGciOiJIUzI1NiJ9.bsky-session-jwt.S1gn+/="
X_BEARER = "AAAAx-bearer-M4n+/=%20q"
FACEBOOK_TOKEN = "EAAGfacebook-page-token+/=r"
YOUTUBE_KEY = "AIzaYouTube-key_+/=s"
LOGGERS = ("earshot", "listeners", "httpx", "httpcore", "elasticsearch", "elastic_transport")


class EchoingPlatforms(BaseHTTPRequestHandler):
    """Hands out tokens, then refuses every search with 401/403/500 and a JSON error that
    echoes the request line, its headers and its body: the worst a platform can do."""

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        if self.path.startswith("/reddit/refused-token"):
            self.answer(401, {"error": self.echo(body)})
        elif self.path.startswith("/reddit/token"):
            self.answer(200, {"access_token": REDDIT_TOKEN, "token_type": "bearer"})
        elif self.path.startswith("/xrpc/com.atproto.server.createSession"):
            self.answer(
                200, {"accessJwt": BLUESKY_JWT, "refreshJwt": BLUESKY_JWT, "did": "did:plc:x"}
            )
        else:
            self.answer(500, {"error": self.echo(body)})

    def do_GET(self) -> None:
        echo = self.echo(b"")
        if self.path.startswith("/api/v1/timelines"):  # Mastodon
            self.answer(401, {"error": echo})
        elif self.path.startswith("/reddit/api"):
            self.answer(401, {"message": echo, "error": 401})
        elif self.path.startswith("/xrpc/"):  # Bluesky
            self.answer(500, {"error": "InternalServerError", "message": echo})
        elif self.path.startswith("/2/tweets"):  # X
            self.answer(401, {"title": "Unauthorized", "detail": echo})
        elif self.path.startswith("/graph/"):  # Facebook
            self.answer(400, {"error": {"message": echo, "type": "OAuthException", "code": 190}})
        else:  # YouTube
            self.answer(403, {"error": {"message": echo, "errors": [{"reason": "forbidden"}]}})

    def echo(self, body: bytes) -> str:
        return f"{self.command} {self.path} {dict(self.headers)} {body.decode(errors='replace')}"

    def answer(self, status: int, payload: dict) -> None:
        body = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args) -> None:
        pass


@pytest.fixture
def platforms() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), EchoingPlatforms)
    httpd.daemon_threads = True
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture
def connections(monkeypatch) -> None:
    """Both of Airflow's forms: URI (percent-encoded) and JSON."""
    uri = {
        "MASTODON_CONN": f"generic://:{quote(MASTODON_TOKEN, safe='')}@",
        "REDDIT_CONN": f"generic://{REDDIT_ID}:{quote(REDDIT_SECRET, safe='')}@",
        "X_CONN": f"generic://:{quote(X_BEARER, safe='')}@?extra=1",
    }
    as_json = {
        "BLUESKY_CONN": {"login": BLUESKY_HANDLE, "password": BLUESKY_PASSWORD},
        "FACEBOOK_CONN": {"conn_type": "generic", "password": FACEBOOK_TOKEN},
        "YOUTUBE_CONN": {"conn_type": "generic", "password": YOUTUBE_KEY},
    }
    for name, value in uri.items():
        monkeypatch.setenv(f"AIRFLOW_CONN_{name}", value)
    for name, value in as_json.items():
        monkeypatch.setenv(f"AIRFLOW_CONN_{name}", json.dumps(value))


def forms(secret: str, login: str | None = None) -> set[str]:
    """A secret as written, URL-encoded both ways, and inside a Basic auth header."""
    found = {secret, quote(secret, safe=""), quote_plus(secret)}
    if login is not None:
        found.add(base64.b64encode(f"{login}:{secret}".encode()).decode())
    return found


def test_no_secret_reaches_any_log_or_error_message(
    platforms, connections, write_profile, run_collect_dag, airflow_db, es, caplog, capfd
):
    write_profile(
        [
            {"kind": "mastodon", "name": "masto", "instance": platforms, "hashtags": ["lincs"],
             "connection": "mastodon_conn"},
            {"kind": "reddit", "name": "reddit", "connection": "reddit_conn", "terms": ["police"],
             "api_url": f"{platforms}/reddit/api", "token_url": f"{platforms}/reddit/token"},
            {"kind": "reddit", "name": "reddit-refused", "connection": "reddit_conn",
             "terms": ["police"], "api_url": f"{platforms}/reddit/api",
             "token_url": f"{platforms}/reddit/refused-token"},
            {"kind": "bluesky", "name": "bsky", "connection": "bluesky_conn", "terms": ["police"],
             "service": platforms},
            {"kind": "x", "name": "x", "connection": "x_conn", "query": "police",
             "api_url": platforms},
            {"kind": "facebook", "name": "fb", "connection": "facebook_conn", "page_id": "123",
             "graph_url": f"{platforms}/graph"},
            {"kind": "youtube", "name": "yt", "connection": "youtube_conn", "channel_id": "UC1",
             "api_url": f"{platforms}/youtube"},
        ]
    )  # fmt: skip
    caplog.set_level(logging.DEBUG)
    for name in LOGGERS:
        caplog.set_level(logging.DEBUG, logger=name)

    states = run_collect_dag()

    # Every source was refused, so each task failed, after its secrets went out.
    assert {k: v for k, v in states.items() if k.startswith("collect[")} == {
        f"collect[{name}]": "failed"
        for name in ("masto", "reddit", "reddit-refused", "bsky", "x", "fb", "yt")
    }
    secrets = (
        forms(MASTODON_TOKEN)
        | forms(REDDIT_SECRET, login=REDDIT_ID)
        | forms(REDDIT_TOKEN)
        | forms(BLUESKY_PASSWORD)
        | forms(BLUESKY_JWT)
        | forms(X_BEARER)
        | forms(FACEBOOK_TOKEN)
        | forms(YOUTUBE_KEY)
        | forms(os.environ["EARSHOT_ELASTICSEARCH_PASSWORD"], login="elastic")
        | forms(os.environ["EARSHOT_PSEUDONYM_KEY"])
    )
    printed = capfd.readouterr()
    written = {
        "log records": "\n".join(
            f"{r.getMessage()}\n{r.exc_text or ''}\n{caplog.handler.format(r)}"
            for r in caplog.records
        ),
        "stdout": printed.out,
        "stderr": printed.err,
        **{
            str(path): path.read_bytes().decode(errors="replace")
            for path in Path(airflow_db).rglob("*")
            if path.is_file() and path.suffix in {".log", ".json", ".db", ""}
        },
        "elasticsearch": json.dumps(
            es.search(index="earshot-*", size=1000, expand_wildcards="all")["hits"]["hits"]
        ),
    }
    # The failures were written down, each naming its source: the search had something to see.
    assert "source 'x'" in written["log records"] + written["stdout"] + written["stderr"] + "".join(
        v for k, v in written.items() if k.endswith(".log")
    )
    for where, text in written.items():
        for secret in secrets:
            assert secret not in text, f"a secret ({secret[:6]}…) in {where}"
