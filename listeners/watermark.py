"""How far a time-ordered stream of comments has been indexed, kept in a source's cursor.

Facebook and YouTube give comment times to the second and offer no id to ask "newer than"
with, so the newest time alone would either skip a comment posted in the same second as the
last one indexed, or hear that last one again on every run. The watermark keeps the newest
time and the ids indexed at that second: exact, and one short string per stream.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from listeners.api import utc


@dataclass(frozen=True)
class Watermark:
    time: datetime | None = None
    ids: frozenset[str] = frozenset()

    @classmethod
    def parse(cls, saved: str | None) -> Watermark:
        """From the cursor value "2026-11-20T09:15:00+00:00 id1 id2" (None: nothing indexed)."""
        if not saved:
            return cls()
        time, *ids = saved.split()
        return cls(utc(time), frozenset(ids))

    def __str__(self) -> str:
        if self.time is None:
            return ""
        return " ".join([self.time.isoformat(), *sorted(self.ids)])

    def is_new(self, time: datetime, item_id: str) -> bool:
        if self.time is None or time > self.time:
            return True
        return time == self.time and item_id not in self.ids

    def after(self, heard: Iterable[tuple[datetime, str]]) -> Watermark:
        """The watermark once `heard` (time, id) items are indexed too."""
        items = [*heard, *((self.time, i) for i in self.ids)] if self.time else list(heard)
        if not items:
            return self
        newest = max(time for time, _ in items)
        return Watermark(newest, frozenset(i for time, i in items if time == newest))
