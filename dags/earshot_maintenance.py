"""Delete what is older than the profile's retention periods, every night at 03:30 UK time:
one mapped task per kind of record, so a failure in one kind is seen and the others still
run.

"Now" is the run's logical date, never the clock, so a re-run deletes exactly what the
original run would have, and a run can be made as of any past date.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from airflow.sdk import CronTriggerTimetable, dag, get_current_context, task

UK_TIME = "Europe/London"


@dag(
    schedule=CronTriggerTimetable("30 3 * * *", timezone=UK_TIME),
    start_date=datetime(2026, 1, 1),
    catchup=False,
    max_active_runs=1,
    # Deleting a large month of mentions takes a while; a stuck delete must not block tomorrow's.
    default_args={
        "retries": 2,
        "retry_delay": timedelta(minutes=5),
        "execution_timeout": timedelta(minutes=30),
    },
    tags=["earshot"],
)
def earshot_maintenance():
    @task
    def kinds() -> list[str]:
        from earshot.governance.retention import KINDS

        return list(KINDS)

    @task(map_index_template="{{ kind }}")
    def expire(kind: str) -> list[dict]:
        from dataclasses import asdict

        from earshot.app.schedules import run_as_of
        from earshot.app.task_failures import permanent_errors_fail_now
        from earshot.governance import retention
        from earshot.store.connection import MAINTENANCE_KEY, connect
        from listeners import load_profile

        context = get_current_context()
        context["kind"] = kind
        now = run_as_of(context.get("logical_date"), context["dag_run"].run_after)
        with permanent_errors_fail_now():
            periods = load_profile().retention
            deletions = retention.expire(
                connect(MAINTENANCE_KEY), kind, periods, now, actor="airflow:earshot_maintenance"
            )
        return [asdict(d) for d in deletions]

    expire.expand(kind=kinds())


earshot_maintenance()
