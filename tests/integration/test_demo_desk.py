"""`make demo` ends with the response desk open on the demo's mentions: `earshot demo` run as
a newcomer runs it (its own Earshot home: a local Elasticsearch node, Airflow, the sample
feeds on loopback), then the desk it printed signed into as it says, with the demo's
`elastic` user, in the same way a browser does (form post, session cookie)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from elasticsearch import Elasticsearch
from markupsafe import escape

from earshot.store.fields import RESPONSE_ACTION, RESPONSE_PRIORITY, RISK_FLAGS, TITLE
from earshot.store.indices import MENTIONS
from earshot.store.local_node import LocalNode

EARSHOT = str(Path(sys.executable).with_name("earshot"))
DEMO_SECONDS = 900


@dataclass(frozen=True)
class Demo:
    output: str
    node: LocalNode
    env: dict[str, str]


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    home = tmp_path_factory.mktemp("demo-home")
    # As a newcomer's shell: none of the tests' Earshot or Airflow settings.
    env = {k: v for k, v in os.environ.items() if not k.startswith(("EARSHOT_", "AIRFLOW"))}
    env["EARSHOT_HOME"] = str(home)
    try:
        ran = subprocess.run(
            [EARSHOT, "demo"], env=env, capture_output=True, text=True, timeout=DEMO_SECONDS
        )
        assert ran.returncode == 0, f"earshot demo failed:\n{ran.stdout[-3000:]}\n{ran.stderr}"
        yield Demo(ran.stdout, LocalNode(home / "elasticsearch"), env)
    finally:
        subprocess.run([EARSHOT, "desk-stop"], env=env, capture_output=True, timeout=60)
        subprocess.run([EARSHOT, "es", "destroy"], env=env, capture_output=True, timeout=120)


@pytest.mark.long
def test_the_demo_ends_with_the_desks_address_and_how_to_sign_in(demo):
    last = demo.output.strip().splitlines()[-3:]
    assert last[0] == "The response desk, with these mentions: http://127.0.0.1:8790/"
    password_file = demo.node.home / "elastic-password"
    assert last[1] == f"  sign in as elastic, with the password in {password_file}"
    assert "make desk-stop" in last[2]


def test_the_demos_desk_shows_the_demos_mentions_to_the_signed_in_user(demo):
    running = demo.node.status()
    assert running is not None, "the demo left no Elasticsearch node running"
    password = demo.node.password()
    es = Elasticsearch(running.url, basic_auth=("elastic", password))
    # The most urgent whose words the desk shows at once (a flagged one's wait for a click).
    not_flagged = {"exists": {"field": RISK_FLAGS}}
    most_urgent = es.search(
        index=MENTIONS,
        size=1,
        query={"bool": {"must_not": [{"term": {RESPONSE_ACTION: "no-action"}}, not_flagged]}},
        sort=[{RESPONSE_PRIORITY: "desc"}],
        source_includes=[TITLE],
    )["hits"]["hits"]
    assert most_urgent, "the demo indexed nothing that needs a response"
    [hit] = most_urgent
    desk = re.search(r"The response desk, with these mentions: (\S+)/", demo.output)[1]

    with httpx.Client(base_url=desk, timeout=30) as browser:
        assert browser.get("/").headers["location"] == "/signin"  # nobody signed in yet
        signed_in = browser.post("/signin", data={"username": "elastic", "password": password})
        assert signed_in.status_code == 303, signed_in.text
        queue = browser.get("/")
        item = browser.get(f"/item/{hit['_id']}")

    assert queue.status_code == 200
    assert f'href="/item/{hit["_id"]}"' in queue.text
    assert item.status_code == 200
    assert str(escape(hit["_source"]["earshot"]["title"][:40])) in item.text
