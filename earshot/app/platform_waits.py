"""A platform that answers 429 asking for a wait longer than a collect retry's delay is not
asked again before the time it gave: not by the task's own retries, and not by the runs
that fall inside the wait. Bluesky, X, Reddit and Mastodon each document that asking early
can lengthen the ban, and whatever is asked inside the wait is refused anyway.

The task that got the 429 fails at once, so the run that met the limit is red once; the
time goes on the source's health record (`earshot stats` shows "waiting for <platform>
until …"), and each run before it skips the source rather than failing it again every 15
minutes for a documented hour-long wait. The cursor is untouched: the first run after the
wait hears everything since. A shorter wait, or none given, is the retries' to cover.

An answer that succeeds but says the limit is spent (a platform's remaining requests at 0:
`Listener.watch_rate_limit`, `Heard.wait_until`) is waited for the same way, after its run
saved what it read: the next run would only meet the 429. So it is when Elasticsearch then
refuses some of the run's mentions: the cursor stays, so the first run after the wait hears
them again, and the store's exactly-once writes keep those already indexed once.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from earshot.app.schedules import COLLECT_RETRY_DELAY
from earshot.core.errors import EarshotError
from listeners import ListenerError
from listeners.api import until

log = logging.getLogger(__name__)

# No platform Earshot hears documents a longer window than a day (YouTube's quota day,
# Bluesky's daily login limit): a longer wait is a mistake, and a day's silence is enough.
# YouTube's day is Pacific Time's, 25 hours long when its clocks go back.
MAX_WAIT = timedelta(hours=25)


class AskedToWait(ListenerError):
    """A 429 (or a spent quota, or a page that spent the limit before the run failed) asked
    for a wait no retry of the task outlasts: retrying inside it would be refused, and may
    lengthen the ban, so the task fails at once, with the `failure` that ended the run."""

    def __init__(self, source: str, failure: str, wait_until: datetime, now: datetime):
        super().__init__(source, f"{failure}; not asked again before {until(wait_until, now)}")
        self.wait_until = wait_until


class StillWaiting(EarshotError):
    """The source's platform asked for a wait that has not passed: it is not asked this run."""


def wait_asked(
    source: str, lifts: datetime | None, now: datetime, took: timedelta
) -> datetime | None:
    """When the source's platform may be asked again, given when it said (`lifts`: a 429's
    `rate_limited_until`, a spent limit's `Heard.wait_until`), if that is longer than a
    retry's delay (capped at MAX_WAIT, and logged when it is). A time in seconds counts from
    the answer, not the run's start: the run's time so far (`took`) is added, which for an
    absolute time errs late, never early."""
    # A retry comes a retry's delay after the failure, so no earlier than that after `now`.
    if lifts is None or lifts - now <= COLLECT_RETRY_DELAY:
        return None
    if lifts - now > MAX_WAIT:
        log.warning(
            "source %r: the platform asked for a wait until %s; waiting %g hours at most, until %s",
            source,
            lifts.isoformat(),
            MAX_WAIT / timedelta(hours=1),
            (now + MAX_WAIT).isoformat(),
        )
        return now + MAX_WAIT
    return lifts + took


def refuse_while_waiting(
    source: str, platform: str, wait_until: datetime | None, now: datetime
) -> None:
    """Raises StillWaiting before the time the platform gave."""
    if wait_until and now < wait_until:
        raise StillWaiting(
            f"source {source!r}: waiting for {platform} until {until(wait_until, now)}, as "
            "it asked; not asked this run, and nothing is lost: the first run after then "
            "hears what was posted meanwhile"
        )
