"""Email command the daily digest at 07:00 UK time: what was said about the force the day
before (midnight to midnight on UK clocks, 23 or 25 hours when the clocks change).

The day follows from the run's logical date, never from the clock, so re-running a run
rebuilds the same day. build keeps the digest in Elasticsearch and passes its id; send
mails it (retried, and its retries mail those the mail server refused for now alone);
archive marks it sent.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from airflow.sdk import CronTriggerTimetable, dag, get_current_context, task

from earshot.app.schedules import digest_cron

UK_TIME = "Europe/London"


@dag(
    schedule=CronTriggerTimetable(digest_cron(), timezone=UK_TIME),
    start_date=datetime(2026, 1, 1),
    catchup=False,
    max_active_runs=1,
    default_args={
        "retries": 2,
        "retry_delay": timedelta(minutes=2),
        "execution_timeout": timedelta(minutes=10),
    },
    tags=["earshot"],
)
def earshot_digest():
    @task
    def build() -> str:
        from earshot.app.schedules import run_as_of
        from earshot.app.task_failures import permanent_errors_fail_now
        from earshot.core.clock import day_before
        from earshot.core.mail import mail_sender
        from earshot.digest.daily import build_and_keep
        from earshot.store.connection import connect
        from listeners import load_profile

        context = get_current_context()
        run_time = run_as_of(context.get("logical_date"), context["dag_run"].run_after)
        with permanent_errors_fail_now():
            mail_sender()  # before an hour of building, whether it could ever be sent
            profile = load_profile()
            return build_and_keep(connect(), profile, day_before(run_time), run=context["run_id"])

    @task(
        retries=4,
        retry_delay=timedelta(minutes=5),
        retry_exponential_backoff=2.0,
        # Room for a slow relay's 10 minutes to answer the end of the message (RFC 5321).
        execution_timeout=timedelta(minutes=15),
    )
    def send(digest_id: str) -> dict:
        from dataclasses import asdict

        from earshot.app.task_failures import permanent_errors_fail_now
        from earshot.digest.daily import send_kept
        from earshot.store.connection import connect

        with permanent_errors_fail_now():
            return asdict(send_kept(connect(), digest_id))

    @task
    def archive(digest_id: str, delivery: dict) -> None:
        from earshot.app.task_failures import permanent_errors_fail_now
        from earshot.core.mail import Delivery
        from earshot.digest.archive import mark_sent
        from earshot.store.connection import connect

        with permanent_errors_fail_now():
            mark_sent(connect(), digest_id, Delivery(**delivery))

    digest_id = build()
    archive(digest_id, send(digest_id))


earshot_digest()
