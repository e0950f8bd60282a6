"""Which day a digest covers: a whole LOCAL day in the force's time zone.

A digest read at breakfast in Lincoln covers midnight to midnight on UK clocks, so on
the days the clocks change it covers 23 or 25 hours. The day always follows from the
run's own date (never from the clock on the wall), so a re-run sends the same day.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

# Every UK force keeps UK time; the profile has no time zone because none needs another.
FORCE_TIME_ZONE = ZoneInfo("Europe/London")


@dataclass(frozen=True)
class LocalDay:
    """One calendar day on the force's clocks, with its bounds as UTC instants."""

    day: date
    tz: ZoneInfo = FORCE_TIME_ZONE

    @property
    def start(self) -> datetime:
        """Local midnight at the start of the day, as a UTC instant."""
        return datetime.combine(self.day, time(0), tzinfo=self.tz).astimezone(UTC)

    @property
    def end(self) -> datetime:
        """Local midnight at the end of the day (exclusive), as a UTC instant."""
        return datetime.combine(self.day + timedelta(days=1), time(0), tzinfo=self.tz).astimezone(
            UTC
        )

    @property
    def hours(self) -> int:
        """23, 24 or 25: the clock changes take or give an hour."""
        return int((self.end - self.start) / timedelta(hours=1))

    def shifted(self, days: int) -> LocalDay:
        return LocalDay(self.day + timedelta(days=days), self.tz)

    def local(self, instant: datetime) -> datetime:
        return instant.astimezone(self.tz)


def on_force_clocks(instant: datetime) -> str:
    """A time as people at the force read it, like "Wed 1 Jul 15:30 BST": the zone is named,
    as the same UTC hour reads BST in summer and GMT in winter."""
    local = instant.astimezone(FORCE_TIME_ZONE)
    return f"{local:%a} {local.day} {local:%b %H:%M %Z}"


def same_local_time_days_earlier(
    instant: datetime, days: int, tz: ZoneInfo = FORCE_TIME_ZONE
) -> datetime | None:
    """The UTC instant the force's clocks showed the same time `days` calendar days earlier.

    "The same hour last week" means what people did then at that time on the clock: across a
    clock change that is 7 days and an hour apart, not 7 x 24 hours. Where the earlier day
    showed that time twice (the autumn change), the first is meant; where it never showed it
    (the spring change skips 01:00-01:59), there is no such instant and the answer is None.
    """
    wall = instant.astimezone(tz).replace(tzinfo=None) - timedelta(days=days)
    earlier = wall.replace(tzinfo=tz, fold=0).astimezone(UTC)
    return earlier if earlier.astimezone(tz).replace(tzinfo=None) == wall else None


def day_before(run_time: datetime, tz: ZoneInfo = FORCE_TIME_ZONE) -> LocalDay:
    """The local day before the one a run belongs to: a 07:00 run on the 21st covers the 20th."""
    if run_time.tzinfo is None:
        raise ValueError("a run's time must carry its time zone")
    return LocalDay(run_time.astimezone(tz).date() - timedelta(days=1), tz)
