"""The maintenance DAG, run through Airflow as of a chosen night, over a store holding more
than the retention periods."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta

import pytest
import yaml

from earshot.core.paths import DEFAULT_PROFILE, PROJECT_DIR
from earshot.store import audit
from tests.conftest import task_states, task_tries, without_retry_waits
from tests.integration.test_retention import (
    AS_OF,
    assert_each_deletion_audited_once,
    assert_only_unexpired_remain,
    remaining,
    seed,
)

UK_TIME = "Europe/London"
DAG_FILE = PROJECT_DIR / "dags" / "earshot_maintenance.py"


def load_maintenance_dag():
    from airflow.dag_processing.dagbag import DagBag

    bag = DagBag(dag_folder=str(DAG_FILE))
    assert not bag.import_errors, bag.import_errors
    return bag.dags["earshot_maintenance"]


def run_as_of(logical_date) -> dict[str, str]:
    """Run the DAG once for `logical_date`; {task[map index]: state} and the run's state."""
    dag = load_maintenance_dag()
    for task in dag.tasks:
        task.retries = 0
    return task_states(dag.test(logical_date=logical_date))


@pytest.fixture
def profile_with_default_retention(tmp_path):
    """The demo force's profile with no retention section: the defaults apply."""
    profile = yaml.safe_load(DEFAULT_PROFILE.read_text())
    profile.pop("retention", None)
    path = tmp_path / "profile.yaml"
    path.write_text(yaml.safe_dump(profile))
    os.environ["EARSHOT_PROFILE"] = str(path)
    yield path
    os.environ.pop("EARSHOT_PROFILE", None)


def test_maintenance_dag_runs_nightly_in_uk_time_one_task_per_kind():
    dag = load_maintenance_dag()
    assert (dag.timetable.expression, str(dag.timetable.timezone)) == ("30 3 * * *", UK_TIME)
    assert dag.catchup is False
    assert dag.max_active_runs == 1
    assert {t.task_id for t in dag.tasks} == {"kinds", "expire"}
    assert dag.get_task("expire").retries >= 1


@pytest.mark.elasticsearch
def test_nightly_run_leaves_exactly_the_unexpired_data_and_no_one_elses(
    es, airflow_db, profile_with_default_retention
):
    seeded = seed(es)
    states = run_as_of(AS_OF)
    assert states["run"] == "success", states
    for kind in ("mentions", "alerts", "digests", "cursors", "audit"):
        assert states[f"expire[{kind}]"] == "success", states
    assert_only_unexpired_remain(es, seeded)
    assert_each_deletion_audited_once(es, "airflow:earshot_maintenance")


@pytest.mark.elasticsearch
def test_a_run_a_month_earlier_keeps_what_had_not_yet_expired(
    es, airflow_db, profile_with_default_retention
):
    seed(es)
    assert run_as_of(AS_OF.replace(month=10))["run"] == "success"
    # As of 15 October the mentions cut-off is 18 April: April's last days are still kept.
    assert {"apr-last", "may-early", "may-late"} <= remaining(es, "earshot-mentions-2*")
    assert "apr-first" not in remaining(es, "earshot-mentions-2*")


@pytest.mark.elasticsearch
def test_a_night_that_fails_part_way_still_audits_what_it_deleted(
    es, airflow_db, profile_with_default_retention
):
    """Months are deleted one after another; when a later one fails (here a write block
    left on it), the months already dropped are gone for good, and no retry or later night
    can record them: each deletion is audited as it is made."""
    seed(es)
    straddling = "earshot-mentions-2026.05"  # after January, February and April, by name
    es.indices.put_settings(index=straddling, settings={"index.blocks.write": True})
    assert run_as_of(AS_OF)["expire[mentions]"] == "failed"
    dropped = {r["target"] for r in audit.history(es, action="retention.delete")}
    assert {"earshot-mentions-2026.02", "earshot-mentions-2026.04"} <= dropped

    es.indices.put_settings(index=straddling, settings={"index.blocks.write": False})
    assert run_as_of(AS_OF)["run"] == "success"
    assert_each_deletion_audited_once(es, "airflow:earshot_maintenance")


@pytest.mark.elasticsearch
def test_a_run_given_a_date_still_to_come_deletes_nothing_still_kept(
    es, airflow_db, profile_with_default_retention
):
    """Airflow 3 accepts a manual run with any logical date and starts it at once (its
    run_after is when it was triggered). A year typed wrong must not delete, today, mentions
    the force keeps for another five months: a run is never as of a moment still to come."""
    from earshot.store.indices import ensure_indices

    ensure_indices(es)
    yesterday = datetime.now(UTC) - timedelta(days=1)
    es.index(
        index=f"earshot-mentions-{yesterday:%Y.%m}",
        id="yesterday",
        document={"@timestamp": yesterday.isoformat()},
    )
    assert run_as_of(datetime(2100, 1, 1, 3, 30, tzinfo=UTC))["run"] == "success"
    assert remaining(es, "earshot-mentions-2*") == {"yesterday"}


@pytest.mark.elasticsearch
def test_elasticsearch_refusing_the_maintenance_credentials_fails_at_once(
    es, airflow_db, profile_with_default_retention, monkeypatch
):
    """A 401 is answered again to the same credentials: each kind's task fails now, rather
    than twice more five minutes apart."""
    monkeypatch.setenv("EARSHOT_ELASTICSEARCH_PASSWORD", "not-the-password")
    run = without_retry_waits(load_maintenance_dag()).test(logical_date=AS_OF)
    expire = {tries for task, tries in task_tries(run).items() if task.startswith("expire[")}
    assert expire == {("failed", 1)}
