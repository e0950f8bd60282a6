"""The collect DAG, run through Airflow, refuses the demo's profile outside the demo: the run
fails at once on its first task, with no retry and no source fetched."""

from __future__ import annotations

from earshot.app.collect import DEMO_VARIABLE
from earshot.core.paths import DEFAULT_PROFILE
from tests.conftest import load_collect_dag


def test_a_deployment_given_the_demo_profile_fails_at_once_without_retry(airflow_db, monkeypatch):
    monkeypatch.delenv(DEMO_VARIABLE, raising=False)
    monkeypatch.setenv("EARSHOT_PROFILE", str(DEFAULT_PROFILE))
    dag = load_collect_dag()
    assert dag.get_task("sources").retries == 2  # as deployed: retries kept

    run = dag.test()

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
    assert tries["sources"] == ("failed", 1)
    assert tries.get("collect", ("upstream_failed", 0))[0] == "upstream_failed"
