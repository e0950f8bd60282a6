"""`make stack` as a force's IT runs it on a plain VM: one command starts Elasticsearch,
PostgreSQL, Airflow's scheduler, dag-processor, triggerer and API server and a mail sink; the
real scheduler then runs the DAGs on their own schedules (shortened through the environment)
and the digest arrives in the sink. Nothing here runs a DAG by hand.

Heavy on two cores, so it runs on its own: `make test-stack` (and in CI after `make test`).
"""

from __future__ import annotations

import mailbox
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from email import message_from_bytes
from email.policy import default as email_policy
from pathlib import Path

import httpx
import pendulum
import pytest
import yaml

from earshot.app.feed_server import FeedServer, Route
from earshot.app.schedules import COLLECT_EVERY, DIGEST_CRON
from earshot.app.stack import Stack
from earshot.core.clock import day_before
from earshot.core.paths import DEFAULT_PROFILE
from tests.conftest import news_items, rss

EARSHOT = str(Path(sys.executable).with_name("earshot"))
COMMAND = "command-digest@force.example"
RUNS_TIMEOUT_SECONDS = 420


@dataclass
class RunningStack:
    env: dict[str, str]
    stack: Stack

    def earshot(self, *args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [EARSHOT, *args], env=self.env, capture_output=True, text=True, timeout=900
        )


@pytest.fixture
def running_stack() -> Iterator[RunningStack]:
    # Reachable by PostgreSQL's own account (pytest's temporary folders are owner-only).
    home = Path(tempfile.mkdtemp(prefix="earshot-stack-test-"))
    home.chmod(0o755)
    today = datetime.now(UTC)
    with FeedServer({"/news.rss": Route(rss(news_items(3, "stack", start=today)))}) as feeds:
        profile = yaml.safe_load(DEFAULT_PROFILE.read_text())
        profile["demo"] = False
        profile["sources"] = [{"kind": "rss", "name": "news", "url": feeds.url("/news.rss")}]
        profile["recipients"] = {"digest": [COMMAND], "alerts": []}
        (home / "profile.yaml").write_text(yaml.safe_dump(profile))
        env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("AIRFLOW", "EARSHOT_ELASTICSEARCH"))
        } | {
            "EARSHOT_HOME": str(home),
            "EARSHOT_PROFILE": str(home / "profile.yaml"),
            COLLECT_EVERY: "1",
            DIGEST_CRON: "* * * * *",  # every minute, on UK clocks, through the same timetable
        }
        running = RunningStack(env, Stack(home / "stack"))
        try:
            yield running
        finally:
            running.earshot("stack", "stop")
            running.earshot("es", "destroy")
            shutil.rmtree(home, ignore_errors=True)


@pytest.mark.stack
def test_the_real_scheduler_collects_then_alerts_on_the_asset_then_mails_the_digest(
    running_stack,
):
    started = running_stack.earshot("stack", "start")
    assert started.returncode == 0, started.stdout + started.stderr
    again = running_stack.earshot("stack", "start")  # a second start changes nothing
    assert again.returncode == 0, again.stdout + again.stderr
    status = running_stack.earshot("stack", "status")
    assert status.returncode == 0, status.stdout
    for part in ("postgres", "api-server", "scheduler", "dag-processor", "triggerer", "desk"):
        assert f"{part} " in status.stdout and "stopped" not in status.stdout
    desk = running_stack.stack.desk_url
    _wait_for(lambda: _answers(f"{desk}/signin"), "the desk's sign-in page", running_stack)

    airflow = _airflow_api(running_stack.stack)
    for dag_id in ("earshot_collect", "earshot_alerts", "earshot_digest"):
        _wait_for(
            lambda d=dag_id: airflow.get(f"/dags/{d}").status_code == 200, dag_id, running_stack
        )
        airflow.patch(f"/dags/{dag_id}", json={"is_paused": False}).raise_for_status()

    def succeeded(dag_id: str, run_type: str) -> list[dict]:
        runs = airflow.get(f"/dags/{dag_id}/dagRuns").json()["dag_runs"]
        return [r for r in runs if r["run_type"] == run_type and r["state"] == "success"]

    _wait_for(lambda: succeeded("earshot_collect", "scheduled"), "a collect run", running_stack)
    _wait_for(
        lambda: succeeded("earshot_alerts", "asset_triggered"),
        "an alerts run triggered by the mentions Asset",
        running_stack,
    )
    digests = _wait_for(
        lambda: succeeded("earshot_digest", "scheduled"), "a digest run", running_stack
    )

    sink = mailbox.Maildir(running_stack.stack.mail, create=False)
    messages = [message_from_bytes(m.as_bytes(), policy=email_policy) for m in sink]
    day = day_before(pendulum.parse(digests[0]["logical_date"])).day
    subject = f"Earshot digest, {day:%a} {day.day} {day:%b}"
    mine = [m for m in messages if m["Subject"].startswith(subject)]
    assert mine, [m["Subject"] for m in messages]
    assert mine[0]["To"] == COMMAND and mine[0]["From"] == "earshot@localhost"

    stopped = running_stack.earshot("stack", "stop")
    assert stopped.returncode == 0 and "scheduler" in stopped.stdout, stopped.stderr
    again = running_stack.earshot("stack", "stop")
    assert again.returncode == 0 and "Nothing was running" in again.stdout, again.stderr
    assert running_stack.earshot("stack", "status").returncode == 1

    # A second start after a stop comes up whole on the same database and node, and stops again.
    restarted = running_stack.earshot("stack", "start")
    assert restarted.returncode == 0, restarted.stdout + restarted.stderr
    _wait_for(lambda: _answers(f"{desk}/signin"), "the desk after a restart", running_stack)
    health = f"{running_stack.stack.api_url}/api/v2/monitor/health"
    _wait_for(lambda: _answers(health), "Airflow's API server after a restart", running_stack)
    stopped = running_stack.earshot("stack", "stop")
    assert stopped.returncode == 0 and "scheduler" in stopped.stdout, stopped.stderr
    assert running_stack.earshot("stack", "status").returncode == 1


def _answers(url: str) -> bool:
    try:
        return httpx.get(url, timeout=5).status_code == 200
    except httpx.HTTPError:
        return False


def _airflow_api(stack: Stack) -> httpx.Client:
    """Signed in as the admin SimpleAuthManager made, as someone using the UI would be."""
    password = yaml.safe_load(stack.admin_password_file.read_text())["admin"]
    token = httpx.post(
        f"{stack.api_url}/auth/token", json={"username": "admin", "password": password}
    )
    token.raise_for_status()
    return httpx.Client(
        base_url=f"{stack.api_url}/api/v2",
        headers={"Authorization": f"Bearer {token.json()['access_token']}"},
        timeout=30,
    )


def _wait_for(found: Callable[[], list | bool], what: str, running: RunningStack):
    deadline = time.monotonic() + RUNS_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        result = found()
        if result:
            return result
        time.sleep(5)
    logs = running.stack.logs
    tails = {
        log.name: "\n".join(log.read_text(errors="replace").splitlines()[-15:])
        for log in sorted(logs.glob("*.log"))
    }
    pytest.fail(f"no {what} within {RUNS_TIMEOUT_SECONDS}s; logs in {logs}:\n{tails}")
