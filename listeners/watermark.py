"""How far a stream has been heard, kept in its source's cursor as one short string.

Two kinds of mark, for the two ways platforms order their listings:

- `NewestId`: platforms whose ids grow with time (Mastodon's, Reddit's base-36 ones) keep
  the newest id heard; newer is larger.
- `Watermark`: platforms that give times to the second and no id to ask "newer than" with
  (Bluesky, Facebook, YouTube) keep the newest time and the ids heard at that second, since
  the newest time alone would either skip an item posted in the same second as the last one
  heard, or hear that last one again on every run. Exact, and one short string per stream.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar

from listeners.api import utc


@dataclass(frozen=True)
class Watermark:
    time: datetime | None = None
    ids: frozenset[str] = frozenset()

    @classmethod
    def parse(cls, saved: str | None) -> Watermark:
        """From the cursor value "2026-11-20T09:15:00+00:00 id1 id2" (None: nothing heard)."""
        if not saved:
            return cls()
        time, *ids = saved.split()
        return cls(utc(time), frozenset(ids))

    def __str__(self) -> str:
        if self.time is None:
            return ""
        return " ".join([self.time.isoformat(), *sorted(self.ids)])

    @property
    def resumed(self) -> bool:
        return self.time is not None

    def is_new(self, at: tuple[datetime, str]) -> bool:
        time, item_id = at
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


Item = TypeVar("Item")


def posted(stamp: Callable[[Item], tuple[datetime, str]]) -> Callable[[Item], datetime]:
    """When an item was posted, for the overlap window: the time its watermark stamp says."""
    return lambda item: stamp(item)[0]


@dataclass(frozen=True)
class NewestId:
    last: str | None
    order: Callable[[str], int]  # an id's place in time: larger is newer

    def __str__(self) -> str:
        return self.last or ""

    @property
    def resumed(self) -> bool:
        return self.last is not None

    def is_new(self, item_id: str) -> bool:
        return self.last is None or self.order(item_id) > self.order(self.last)

    def after(self, heard: Iterable[str]) -> NewestId:
        ids = [*heard, *([self.last] if self.last else [])]
        return NewestId(max(ids, key=self.order), self.order) if ids else self
