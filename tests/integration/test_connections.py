"""Connections are found wherever the force keeps them: Airflow's metadata database (the UI,
`airflow connections add`) or a secrets backend, by a listener, the alerts webhook and mail,
in a running task and in a plain process (the CLI). A missing one fails for good.

Airflow reads its secrets backend settings once per process, so each check runs in a fresh
Python with the test Airflow's environment."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.digest_helpers import Mailbox

AIRFLOW = str(Path(sys.executable).with_name("airflow"))
WEBHOOK = "earshot_alerts_webhook"

# What each part of Earshot makes of the connections: written as JSON to EARSHOT_PROBE_OUT.
PROBE = """
import json, os
from earshot.alerts.webhook import webhook
from earshot.core.connections import credentials
from earshot.core.mail import addressed, send_mail, text_and_html

def look():
    def compose(sender):
        body = text_and_html("found", "<p>found</p>")
        return addressed(
            body, subject="probe", sender=sender, recipients=["desk@force.example"], key="probe"
        )

    delivery = send_mail(compose, ["desk@force.example"], what="probe", conn_id="x_test_mail")
    hook = webhook()
    found = {
        "listener": credentials("x_test").login,
        "webhook": [hook.url, hook.format],
        "mail": list(delivery.accepted),
    }
    with open(os.environ["EARSHOT_PROBE_OUT"], "w") as out:
        json.dump(found, out)
"""

# The same, inside a task run by Airflow (dag.test: a task runner and the execution API).
PROBE_DAG = (
    PROBE
    + """
from datetime import datetime
from airflow.sdk import dag, task

@dag(schedule=None, start_date=datetime(2026, 1, 1), catchup=False)
def probe():
    task(retries=3)(look)()
    @task(retries=3)
    def missing():
        credentials("x_test_nowhere")
    missing()

probe()
"""
)

RUN_DAG = """
from airflow.dag_processing.dagbag import DagBag
from airflow.models.taskinstance import TaskInstance
from airflow.utils.session import create_session
bag = DagBag(dag_folder={folder!r})
assert not bag.import_errors, bag.import_errors
run = bag.dags["probe"].test()
with create_session() as session:
    states = {{
        ti.task_id: (str(ti.state), ti.try_number)
        for ti in session.query(TaskInstance).filter(TaskInstance.run_id == run.run_id)
    }}
print("STATES", states)
"""


def python(code: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("AIRFLOW_CONN_")}
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=clean | env, timeout=300
    )


def airflow_cli(*args: str) -> None:
    result = subprocess.run([AIRFLOW, *args], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]


@pytest.fixture(scope="module")
def probe_mailbox():
    """One for the file: each `airflow` command costs seconds, so the connections naming it
    are added once."""
    with Mailbox() as box:
        yield box


@pytest.fixture
def mailbox_for_probe(probe_mailbox):
    """The file's mailbox, with nothing from an earlier test in it."""
    probe_mailbox.logged_in.clear()
    probe_mailbox.received.clear()
    return probe_mailbox


@pytest.fixture(scope="module")
def in_metadata_db(airflow_db, probe_mailbox):
    """The three connections, added the way IT adds them: `airflow connections add`."""
    added = {
        "x_test": "generic://db-login:db-secret@",
        WEBHOOK: "https://hooks.example/services/T1/B2/db?format=teams&sig=abc",
        "x_test_mail": probe_mailbox.connection_uri(),
    }
    for conn_id, uri in added.items():
        airflow_cli("connections", "add", conn_id, "--conn-uri", uri)
    yield {}
    # Other tests must not find them; removed from here, where no command's start-up is paid.
    from airflow.models import Connection
    from airflow.utils.session import create_session

    with create_session() as session:
        session.query(Connection).filter(Connection.conn_id.in_(added)).delete()


@pytest.fixture
def in_secrets_backend(airflow_db, mailbox_for_probe, tmp_path):
    """The three connections in a local secrets backend file, as Vault or a cloud secrets
    manager would hold them (Airflow's LocalFilesystemBackend)."""
    path = tmp_path / "connections.json"
    path.write_text(
        json.dumps(
            {
                "x_test": {"conn_type": "generic", "login": "file-login", "password": "s"},
                WEBHOOK: {"conn_type": "http", "host": "https://hooks.example/file"},
                "x_test_mail": mailbox_for_probe.connection_uri(),
            }
        )
    )
    return {
        "AIRFLOW__SECRETS__BACKEND": "airflow.secrets.local_filesystem.LocalFilesystemBackend",
        "AIRFLOW__SECRETS__BACKEND_KWARGS": json.dumps({"connections_file_path": str(path)}),
    }


def probe_outside_a_task(env: dict[str, str], tmp_path: Path) -> dict:
    out = tmp_path / "found.json"
    result = python(PROBE + "\nlook()\n", env | {"EARSHOT_PROBE_OUT": str(out)})
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(out.read_text())


def probe_in_a_task(env: dict[str, str], tmp_path: Path) -> tuple[dict, str]:
    folder = tmp_path / "dags"
    folder.mkdir()
    (folder / "probe.py").write_text(PROBE_DAG)
    out = tmp_path / "found.json"
    result = python(
        RUN_DAG.format(folder=str(folder)),
        env | {"EARSHOT_PROBE_OUT": str(out), "AIRFLOW__CORE__DAGS_FOLDER": str(folder)},
    )
    assert "STATES" in result.stdout, result.stderr[-3000:]
    return json.loads(out.read_text()), result.stdout + result.stderr


@pytest.mark.long
def test_a_connection_added_with_the_airflow_cli_is_found_outside_a_task(
    in_metadata_db, mailbox_for_probe, tmp_path
):
    found = probe_outside_a_task(in_metadata_db, tmp_path)
    assert found == {
        "listener": "db-login",
        "webhook": ["https://hooks.example/services/T1/B2/db?sig=abc", "teams"],
        "mail": ["desk@force.example"],
    }
    assert mailbox_for_probe.logged_in == [True]


def test_a_connection_in_a_secrets_backend_is_found_outside_a_task(
    in_secrets_backend, mailbox_for_probe, tmp_path
):
    found = probe_outside_a_task(in_secrets_backend, tmp_path)
    assert found == {
        "listener": "file-login",
        "webhook": ["https://hooks.example/file", "slack"],
        "mail": ["desk@force.example"],
    }
    assert mailbox_for_probe.logged_in == [True]


@pytest.mark.long
def test_in_a_task_connections_come_from_the_metadata_db_and_a_missing_one_is_not_retried(
    in_metadata_db, mailbox_for_probe, tmp_path
):
    found, output = probe_in_a_task(in_metadata_db, tmp_path)
    assert found["listener"] == "db-login"
    assert found["webhook"] == ["https://hooks.example/services/T1/B2/db?sig=abc", "teams"]
    assert found["mail"] == ["desk@force.example"]
    assert "'look': ('success', 1)" in output
    assert "'missing': ('failed', 1)" in output  # retries=3, yet tried once
    assert "connection 'x_test_nowhere' is not defined" in output


def test_in_a_task_connections_come_from_the_secrets_backend(
    in_secrets_backend, mailbox_for_probe, tmp_path
):
    found, _ = probe_in_a_task(in_secrets_backend, tmp_path)
    assert found["listener"] == "file-login"
    assert found["webhook"] == ["https://hooks.example/file", "slack"]
    assert found["mail"] == ["desk@force.example"]


def test_a_missing_connection_says_where_it_was_looked_for(in_secrets_backend):
    result = python(
        "from earshot.core.connections import credentials\ncredentials('x_test_nowhere')",
        in_secrets_backend,
    )
    assert "MissingCredentials: connection 'x_test_nowhere' is not defined" in result.stderr
    assert "LocalFilesystemBackend, EnvironmentVariablesBackend, MetastoreBackend" in result.stderr
    assert "AIRFLOW_CONN_X_TEST_NOWHERE" in result.stderr
