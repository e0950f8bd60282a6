"""How often the DAGs run: the force's cadence unless the environment of Airflow's
dag-processor says otherwise, so a whole stack can be proven in minutes (tests/stack)
on the same DAGs, scheduled by the real scheduler rather than run by hand."""

from __future__ import annotations

import os
from datetime import timedelta

from earshot.core.errors import EarshotError

COLLECT_EVERY = "EARSHOT_COLLECT_EVERY_MINUTES"
DIGEST_CRON = "EARSHOT_DIGEST_CRON"


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
