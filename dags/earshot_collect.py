"""Collect public mentions of the force every 15 minutes: one mapped task per source.

A failing source fails (and is retried) on its own; the others are still indexed,
the Asset is still announced, and the run ends red so the failure is seen. A source whose
platform asked for a wait (a 429's Retry-After) is skipped until then.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from airflow.providers.standard.operators.empty import EmptyOperator
from airflow.sdk import dag, get_current_context, task

from earshot.app.assets import MENTIONS
from earshot.app.schedules import COLLECT_RETRY_DELAY, collect_interval


@dag(
    schedule=collect_interval(),
    start_date=datetime(2026, 1, 1),
    catchup=False,
    max_active_runs=1,
    # No backfill: it would collect now, beside this run (a backfill has its own limit of runs).
    allowed_run_types=["scheduled", "manual"],
    # A source that hangs is stopped well inside the 15 minutes, retries included, so the
    # next run is never held up behind it.
    default_args={
        "retries": 2,
        "retry_delay": COLLECT_RETRY_DELAY,
        "execution_timeout": timedelta(minutes=4),
    },
    tags=["earshot"],
)
def earshot_collect():
    @task
    def sources() -> list[str]:
        from earshot.app.collect import refuse_demo_profile
        from earshot.app.task_failures import permanent_errors_fail_now
        from listeners import load_profile

        with permanent_errors_fail_now():
            profile = load_profile()
            refuse_demo_profile(profile)
        return [s.name for s in profile.sources]

    @task(map_index_template="{{ source_name }}")
    def collect(name: str) -> dict:
        from earshot.app.collect import collect_source
        from earshot.app.task_failures import permanent_errors_fail_now, waiting_sources_skip
        from earshot.store.connection import connect
        from listeners import load_profile

        get_current_context()["source_name"] = name
        with permanent_errors_fail_now(), waiting_sources_skip():
            return collect_source(connect(), load_profile(), name).as_dict()

    @task(inlets=[MENTIONS], outlets=[MENTIONS], trigger_rule="all_done")
    def announce() -> int:
        """Wake the DAGs scheduled on the mentions Asset (alerts) when mentions were stored
        since it was last updated: by this run, or by a try stopped before its report was
        handed on (after its cursor was saved or before), whose retry hears nothing new."""
        from airflow.sdk.exceptions import AirflowSkipException

        from earshot.app.assets import last_updated
        from earshot.app.task_failures import permanent_errors_fail_now
        from earshot.store.connection import connect
        from earshot.store.mentions import stored_since

        with permanent_errors_fail_now():
            new = stored_since(connect(), last_updated(MENTIONS))
        if not new:
            raise AirflowSkipException("no mentions stored since the mentions Asset was updated")
        return new

    # Ends the run red (upstream_failed) when any source failed, after the rest landed.
    every_source_collected = EmptyOperator(task_id="every_source_collected")

    reports = collect.expand(name=sources())
    reports >> [announce(), every_source_collected]


earshot_collect()
