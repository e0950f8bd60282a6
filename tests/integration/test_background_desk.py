"""The desk `make demo` leaves running in the background: another program on its port is
never taken for it (a second checkout's desk answers /signin just as this one would)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from earshot.app.background_desk import BackgroundDesk, DeskError


class _AnotherDesk(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def another_desk() -> Iterator[int]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _AnotherDesk)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()


def test_a_port_another_program_answers_on_is_refused_by_name(another_desk, tmp_path):
    desk = BackgroundDesk(tmp_path, another_desk)
    taken = rf"^port {another_desk} is taken by another program; stop it"
    with pytest.raises(DeskError, match=taken):
        desk.start()
    assert desk.status() is None, "no desk of this home was left running"
