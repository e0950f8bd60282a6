"""Tell on-call staff when negative talk about the force spikes, or a source goes quiet.

Runs when earshot_collect has indexed new mentions (the mentions Asset), and every 15
minutes regardless, so a dead collector — which announces nothing — is still noticed.
evaluate judges the windows ending at the run's time and keeps one alert per situation;
notify delivers what is pending (a failed delivery stays on the alert for the next run).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from airflow.providers.standard.operators.empty import EmptyOperator
from airflow.sdk import AssetOrTimeSchedule, CronTriggerTimetable, dag, get_current_context, task

from earshot.app.assets import MENTIONS

ACTOR = "airflow:earshot_alerts"  # who the audit trail says resolved a calmed alert


@dag(
    schedule=AssetOrTimeSchedule(
        timetable=CronTriggerTimetable("*/15 * * * *", timezone="UTC"), assets=[MENTIONS]
    ),
    start_date=datetime(2026, 1, 1),
    catchup=False,
    max_active_runs=1,
    # No backfill: its runs would notify beside this one's (a backfill has its own limit of
    # runs), and an alert for a past hour reaches nobody in time.
    allowed_run_types=["scheduled", "asset_triggered", "manual"],
    default_args={
        "retries": 2,
        "retry_delay": timedelta(minutes=1),
        "execution_timeout": timedelta(minutes=5),
    },
    tags=["earshot"],
)
def earshot_alerts():
    @task
    def evaluate() -> dict[str, list[str]]:
        from earshot.alerts.run import evaluate
        from earshot.app.schedules import run_as_of
        from earshot.app.task_failures import permanent_errors_fail_now
        from earshot.store.connection import connect
        from listeners import load_profile

        context = get_current_context()
        now = run_as_of(context.get("logical_date"), context["dag_run"].run_after)
        with permanent_errors_fail_now():
            return evaluate(connect(), load_profile(), now, actor=ACTOR)

    # Never retried within a run: the next run is the retry (each delivery's attempts are
    # counted one a run), and a retry finding nothing due would turn a red run green.
    @task(trigger_rule="all_done", retries=0)
    def notify() -> None:
        """Also after a failed evaluation: alerts opened earlier still wait to be sent."""
        from earshot.alerts.notify import deliver_pending
        from earshot.app.task_failures import permanent_errors_fail_now
        from earshot.store.connection import connect
        from listeners import load_profile

        with permanent_errors_fail_now():
            profile = load_profile()
        deliver_pending(connect(), profile).raise_for_failures()

    # Ends the run red when evaluation failed, after notify has still sent what was pending.
    evaluated = EmptyOperator(task_id="evaluated")

    judged = evaluate()
    judged >> notify()
    judged >> evaluated


earshot_alerts()
