"""No task can hold up the ones after it: every task has a time limit (each DAG allows one run
at a time), collection's fits inside its 15 minutes retries included, and a mistake in the
configuration fails a task at once instead of being retried."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from earshot.app.task_failures import permanent_errors_fail_now
from earshot.core.connections import MissingCredentials
from earshot.core.mail import SenderMissing
from earshot.core.paths import PROJECT_DIR
from earshot.core.profile import ProfileError
from earshot.core.pseudonym import PseudonymKeyMissing


@pytest.fixture(scope="module")
def dags():
    from airflow.dag_processing.dagbag import DagBag

    bag = DagBag(dag_folder=str(PROJECT_DIR / "dags"))
    assert not bag.import_errors, bag.import_errors
    assert set(bag.dags) == {
        "earshot_collect",
        "earshot_alerts",
        "earshot_digest",
        "earshot_maintenance",
    }
    return bag.dags


def test_every_task_has_an_execution_timeout(dags):
    unlimited = [
        f"{dag_id}.{task.task_id}"
        for dag_id, dag in dags.items()
        for task in dag.tasks
        if not task.execution_timeout
    ]
    assert unlimited == []


def test_a_hung_source_and_its_retries_end_before_the_next_collection_is_due(dags):
    collect = dags["earshot_collect"].get_task("collect")
    tries = collect.retries + 1
    worst = tries * collect.execution_timeout + collect.retries * collect.retry_delay
    assert worst < timedelta(minutes=15)


@pytest.mark.parametrize(
    "error",
    [
        ProfileError("profile.yaml: sources: missing (required)"),
        MissingCredentials("connection 'bluesky_force' is not defined"),
        PseudonymKeyMissing("EARSHOT_PSEUDONYM_KEY must hold a random secret"),
        SenderMissing("connection 'smtp_default' has no from_email"),
    ],
)
def test_a_configuration_mistake_fails_the_task_without_retry(error):
    from airflow.sdk.exceptions import AirflowFailException

    with (
        pytest.raises(AirflowFailException, match=re.escape(str(error))),
        permanent_errors_fail_now(),
    ):
        raise error


def test_anything_else_is_left_to_the_retries():
    with pytest.raises(ConnectionResetError), permanent_errors_fail_now():
        raise ConnectionResetError("the source dropped the connection")
