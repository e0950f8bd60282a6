"""A real HTTP server on loopback that serves feeds the way news sites and blogs do,
ETag and conditional GET included. The demo serves the bundled samples with it; the
tests also give it failing routes (500, slow, HTML) to prove one bad feed harms no other,
and platform API pages (routes keyed by path and query, with Link or Retry-After headers).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import mimetypes
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

SAMPLE_FEEDS = Path(__file__).parent / "demo_feeds"
mimetypes.add_type("application/rss+xml", ".rss")
mimetypes.add_type("application/atom+xml", ".atom")
mimetypes.add_type("application/json", ".json")


@dataclass(frozen=True)
class Route:
    body: bytes
    content_type: str = "application/rss+xml; charset=utf-8"
    status: int = 200
    delay_seconds: float = 0.0
    headers: tuple[tuple[str, str], ...] = ()  # e.g. (("Link", '<…>; rel="next"'),)

    @property
    def etag(self) -> str:
        return '"' + hashlib.sha256(self.body).hexdigest()[:20] + '"'


class FeedServer:
    """`with FeedServer(routes) as server: server.url("/feed.rss")`."""

    def __init__(self, routes: dict[str, Route], port: int = 0):
        self.routes = dict(routes)
        self.requests: list[tuple[str, dict[str, str]]] = []
        # POST bodies by path, in order (token and session endpoints); headers are in `requests`.
        self.posted: list[tuple[str, bytes]] = []
        self._httpd = ThreadingHTTPServer(("127.0.0.1", port), self._handler())
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    @classmethod
    def sample_feeds(cls, port: int = 0) -> FeedServer:
        """Feed files at /<name>; platform pages where routes.json says a listener asks."""
        routes = {
            f"/{path.name}": Route(path.read_bytes(), _content_type(path))
            for path in sorted(SAMPLE_FEEDS.iterdir())
            if path.suffix in {".rss", ".atom"}
        }
        manifest = json.loads((SAMPLE_FEEDS / "routes.json").read_text())
        for request, name in manifest.items():
            if not request.startswith("_"):
                path = SAMPLE_FEEDS / name
                routes[request] = Route(path.read_bytes(), _content_type(path))
        return cls(routes, port)

    def route(self, path: str) -> Route | None:
        """The route for the exact path and query, else for the path alone."""
        return self.routes.get(path) or self.routes.get(path.split("?", 1)[0])

    @property
    def port(self) -> int:
        return self._httpd.server_address[1]

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def __enter__(self) -> FeedServer:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                server.requests.append((self.path, dict(self.headers)))
                route = server.route(self.path)
                if route is None:
                    self._send(404, b"not found", "text/plain")
                    return
                time.sleep(route.delay_seconds)
                if route.status == 200 and self.headers.get("If-None-Match") == route.etag:
                    self.send_response(304)
                    self.send_header("ETag", route.etag)
                    self.end_headers()
                    return
                self._send(route.status, route.body, route.content_type, route.etag, route.headers)

            def do_POST(self) -> None:
                """Token and session endpoints: record what was sent, answer from the routes."""
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                server.requests.append((self.path, dict(self.headers)))
                server.posted.append((self.path, body))
                route = server.route(self.path)
                if route is None:
                    self._send(404, b"not found", "text/plain")
                    return
                time.sleep(route.delay_seconds)
                self._send(route.status, route.body, route.content_type, headers=route.headers)

            def _send(
                self, status: int, body: bytes, content_type: str, etag: str = "", headers=()
            ) -> None:
                self.send_response(status)
                for name, value in headers:
                    self.send_header(name, value)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                if etag and status == 200:
                    self.send_header("ETag", etag)
                self.end_headers()
                # A client that gave up (a timeout test) leaves nothing to clean up.
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                    self.wfile.write(body)

            def log_message(self, format: str, *args) -> None:
                pass  # the requests list is the record; stderr noise helps nobody

        return Handler


def _content_type(path: Path) -> str:
    return f"{mimetypes.guess_type(path.name)[0]}; charset=utf-8"
