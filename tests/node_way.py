"""A way to the real node that makes what is rare happen every time: another change landing
between a read and a write, an answer held, an answer lost."""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler

import httpx

from tests.loopback import serving


class _Interleaving(BaseHTTPRequestHandler):
    """Passes every request on to the real node as it came, but first runs the server's
    `meanwhile` before the first request whose path holds the server's `before`, and with
    `drop_answer` closes the connection instead of passing that request's answer back; with
    `stops`, that request and every one after it get no answer at all, until `restarted`
    is set."""

    protocol_version = "HTTP/1.1"

    def _pass_on(self) -> None:
        body = self.rfile.read(int(self.headers.get("content-length", 0)))
        hooked = self.server.before in self.path and bool(self.server.meanwhile)
        if hooked:
            self.server.meanwhile.pop()()
            self.server.stopped = self.server.stops
        if self.server.stopped and not self.server.restarted.is_set():  # nothing reaches it
            self._hang_up()
            return
        skipped = {"host", "content-length", "connection", "transfer-encoding", "content-encoding"}
        answer = httpx.request(
            self.command,
            self.server.node + self.path,
            content=body,
            headers={k: v for k, v in self.headers.items() if k.lower() not in skipped},
        )
        if hooked and self.server.drop_answer:  # applied, but the answer lost on the way
            self._hang_up()
            return
        self.send_response(answer.status_code)
        for name, value in answer.headers.items():
            if name.lower() not in skipped:
                self.send_header(name, value)
        self.send_header("content-length", str(len(answer.content)))
        self.end_headers()
        self.wfile.write(answer.content)

    def _hang_up(self) -> None:
        self.close_connection = True
        self.connection.shutdown(socket.SHUT_RDWR)

    do_GET = do_HEAD = do_POST = do_PUT = do_DELETE = _pass_on

    def log_message(self, *args) -> None:
        pass


@contextmanager
def interleaving(
    node: str,
    meanwhile: Callable[[], None] = lambda: None,
    *,
    before: str = "if_seq_no=",
    drop_answer: bool = False,
    stops: bool = False,
    restarted: threading.Event | None = None,
) -> Iterator[str]:
    """A way to the node at `node` on which `meanwhile` runs once, just before the next
    request whose path holds `before`: by default a conditional write, so another person's
    change lands between a read and a write, every time; with `drop_answer`, that request is
    applied and its answer lost, as a reset connection loses it; with `stops`, the node stops
    as that request arrives, and nothing after reaches it until `restarted` is set. Its URL."""
    with serving(_Interleaving) as server:
        server.node, server.meanwhile, server.before = node, [meanwhile], before
        server.drop_answer, server.stops, server.stopped = drop_answer, stops, False
        server.restarted = restarted or threading.Event()
        yield f"http://127.0.0.1:{server.server_address[1]}"
