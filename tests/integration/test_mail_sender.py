"""Every email needs a sender, and the mail connection is where it is set (from_email): the
digest DAG checks it before building, failing at once and for good when it is missing, so the
force hears of it at 07:00 on the first day rather than never getting a digest."""

from __future__ import annotations

from datetime import datetime

import pytest

from earshot.core.clock import FORCE_TIME_ZONE
from earshot.core.mail import SenderMissing, mail_sender
from tests.integration.test_digest_runs import load_digest_dag

NO_SENDER = "smtp://127.0.0.1:1025?disable_ssl=true&disable_tls=true"


def test_the_sender_is_the_connections_from_email(monkeypatch):
    monkeypatch.setenv(
        "AIRFLOW_CONN_SMTP_DEFAULT", f"{NO_SENDER}&from_email=earshot%40force.example"
    )
    assert mail_sender() == "earshot@force.example"


def test_a_connection_without_from_email_says_what_to_add(monkeypatch):
    monkeypatch.setenv("AIRFLOW_CONN_SMTP_DEFAULT", NO_SENDER)
    with pytest.raises(SenderMissing, match="has no from_email: add \\?from_email=<address> to "):
        mail_sender()


def test_the_digest_fails_before_building_and_without_retry_when_no_sender_is_set(
    airflow_db, monkeypatch
):
    monkeypatch.setenv("AIRFLOW_CONN_SMTP_DEFAULT", NO_SENDER)
    dag = load_digest_dag()
    assert dag.get_task("build").retries == 2  # as deployed: retries kept

    run = dag.test(logical_date=datetime(2026, 11, 19, 7, tzinfo=FORCE_TIME_ZONE))

    from airflow.models.taskinstance import TaskInstance
    from airflow.utils.session import create_session

    with create_session() as session:
        tries = {
            ti.task_id: (str(ti.state), ti.try_number)
            for ti in session.query(TaskInstance).filter(
                TaskInstance.dag_id == run.dag_id, TaskInstance.run_id == run.run_id
            )
        }
    assert str(run.state) == "failed"
    assert tries["build"] == ("failed", 1)
    assert tries["send"][0] == "upstream_failed"
