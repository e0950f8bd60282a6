"""Collection and alerts run one at a time (max_active_runs=1), however they are started.

Airflow 3 applies a backfill's own max_active_runs (10 unless given) "independently of the Dag
max_active_runs setting" (docs: core-concepts/backfill.html), so a backfill of either DAG
ran beside the scheduled run and beside its other runs: every source collected several
times at once, writing one cursor, and alerts notified from several runs at once, each
able to send an alert the others were sending. Neither DAG has anything to backfill: collection
hears what is there now, and an alert for a past hour reaches nobody in time."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

AIRFLOW = str(Path(sys.executable).with_name("airflow"))


def airflow(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([AIRFLOW, *args], capture_output=True, text=True, timeout=300)


@pytest.fixture(scope="module")
def dags_in_airflow(airflow_db):
    """The DAG folder as the scheduler and API server know it."""
    result = airflow("dags", "reserialize")
    assert result.returncode == 0, result.stderr[-2000:]


@pytest.mark.parametrize("dag_id", ["earshot_collect", "earshot_alerts"])
def test_a_backfill_is_refused_so_no_second_run_starts_beside_the_scheduled_one(
    dags_in_airflow, dag_id
):
    result = airflow(
        "backfill",
        "create",
        "--dag-id",
        dag_id,
        "--from-date",
        "2026-11-18T10:00:00+00:00",
        "--to-date",
        "2026-11-18T11:00:00+00:00",
        "--dry-run",
    )
    assert result.returncode != 0, result.stdout[-2000:]
    assert "does not allow backfill runs" in result.stdout + result.stderr
