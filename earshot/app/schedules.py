"""How often the DAGs run: the force's cadence unless the environment of Airflow's
dag-processor says otherwise, so a whole stack can be proven in minutes (tests/stack)
on the same DAGs, scheduled by the real scheduler rather than run by hand; and the moment
each run works as of."""

from __future__ import annotations

import os
from datetime import datetime, timedelta

from earshot.core.errors import EarshotError

COLLECT_EVERY = "EARSHOT_COLLECT_EVERY_MINUTES"
DIGEST_CRON = "EARSHOT_DIGEST_CRON"
# How long a failed collect task waits before Airflow tries its source again.
COLLECT_RETRY_DELAY = timedelta(minutes=1)


class BadSchedule(EarshotError):
    """A schedule variable that cannot be a schedule."""


def collect_interval() -> timedelta:
    """Every 15 minutes unless EARSHOT_COLLECT_EVERY_MINUTES gives another whole number."""
    value = os.environ.get(COLLECT_EVERY, "15")
    if not value.isdigit() or int(value) < 1:
        raise BadSchedule(f"{COLLECT_EVERY} must be a whole number of minutes, not {value!r}")
    return timedelta(minutes=int(value))


def digest_cron() -> str:
    """07:00 on UK clocks unless EARSHOT_DIGEST_CRON gives another cron expression (UK time)."""
    return os.environ.get(DIGEST_CRON, "0 7 * * *")


def run_as_of(logical_date: datetime | None, due: datetime) -> datetime:
    """The run's logical date, so a re-run repeats it; when it was due (`run_after`) for a
    run with none (asset-triggered, or manual without one). Never a moment still to come:
    Airflow 3 starts a manual run given a future logical date at once, and as of next year
    retention deletes what is still kept, alerts find every window calm and the digest
    mails a day that has not happened."""
    return min(logical_date or due, due)
