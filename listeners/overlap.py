"""What a stream heard inside its overlap window, kept in the cursor so a re-read is no repeat.

Platforms put some items in a listing after a run has passed their place: a remote Mastodon
status federated late keeps the id of its original publish time, a Reddit or Bluesky search
indexes a post after newer ones. A cursor alone ("newer than X") never hears them, so each
stream reads again back to `overlap` before the newest item it heard, and skips the items
it already heard there: those are kept in the cursor under "heard:<stream>" as
"<posted, unix seconds>/<mention id>" pairs, pruned to the window.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

SHORT_ID = 16  # hex digits of a mention id kept: 64 bits, no collision within one window


def key(stream: str) -> str:
    return f"heard:{stream}"


@dataclass(frozen=True)
class Recent:
    window: timedelta
    heard: dict[str, datetime] = field(default_factory=dict)  # short mention id → posted

    @classmethod
    def parse(cls, saved: str | None, window: timedelta) -> Recent:
        heard = {}
        for pair in (saved or "").split():
            seconds, _, short = pair.partition("/")
            heard[short] = datetime.fromtimestamp(int(seconds), UTC)
        return cls(window, heard)

    def __str__(self) -> str:
        pairs = sorted((int(posted.timestamp()), short) for short, posted in self.heard.items())
        return " ".join(f"{seconds}/{short}" for seconds, short in pairs)

    @property
    def reach(self) -> datetime | None:
        """How far back this run reads; None: nothing heard yet, the cursor alone decides."""
        return max(self.heard.values()) - self.window if self.heard else None

    def knows(self, mention_id: str) -> bool:
        return mention_id[:SHORT_ID] in self.heard

    def after(self, heard: Iterable[tuple[str, datetime]]) -> Recent:
        """With the (mention id, posted) pairs heard this run, pruned to the window."""
        found = self.heard | {mention_id[:SHORT_ID]: posted for mention_id, posted in heard}
        if not found:
            return self
        reach = max(found.values()) - self.window
        return Recent(self.window, {k: t for k, t in found.items() if t >= reach})
