"""The desk `make demo` leaves running in the background: another program on its port is
never taken for it (a second checkout's desk answers /signin just as this one would); its
session cookie works over plain HTTP on this machine, yet is Secure behind a TLS proxy."""

from __future__ import annotations

from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler

import httpx
import pytest

from earshot.app.background_desk import BackgroundDesk, DeskError
from earshot.core.processes import free_port
from earshot.store.local_node import LocalNode
from tests.loopback import serving


class _AnotherDesk(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def another_desk() -> Iterator[int]:
    with serving(_AnotherDesk) as server:
        yield server.server_address[1]


def test_a_port_another_program_answers_on_is_refused_by_name(another_desk, tmp_path):
    desk = BackgroundDesk(tmp_path, another_desk)
    taken = rf"^port {another_desk} is taken by another program; stop it"
    with pytest.raises(DeskError, match=taken):
        desk.start()
    assert desk.status() is None, "no desk of this home was left running"


@pytest.fixture
def running_desk(es_node: LocalNode, tmp_path) -> Iterator[str]:
    """`earshot desk` on loopback, started as `make demo` starts it; its address."""
    desk = BackgroundDesk(tmp_path, free_port())
    try:
        yield desk.start().url
    finally:
        desk.stop()


def _cookie_flags(signed_in: httpx.Response) -> list[str]:
    assert signed_in.status_code == 303, signed_in.text
    return [part.strip().lower() for part in signed_in.headers["set-cookie"].split(";")]


@pytest.mark.elasticsearch
def test_the_session_cookie_is_secure_when_a_tls_proxy_forwarded_the_sign_in(running_desk, es_node):
    """Else a browser signed in through https://desk.force.example would send the session
    over plain HTTP to that name too."""
    credentials = {"username": "elastic", "password": es_node.password()}
    through_proxy = {"X-Forwarded-Proto": "https", "Host": "desk.force.example"}
    proxied = httpx.post(f"{running_desk}/signin", data=credentials, headers=through_proxy)
    assert "secure" in _cookie_flags(proxied)
    on_this_machine = httpx.Client(base_url=running_desk)
    assert "secure" not in _cookie_flags(on_this_machine.post("/signin", data=credentials))
    assert "signed in as elastic" in on_this_machine.get("/").text
