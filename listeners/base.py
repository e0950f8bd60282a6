"""What every listener promises: given its saved cursor, hear what is new."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from earshot.core.model import Mention

Cursor = dict[str, str]


@dataclass(frozen=True)
class Heard:
    """One listen: the items heard and the cursor to save once they are indexed."""

    mentions: list[Mention]
    cursor: Cursor
    unchanged: bool = False
    warnings: list[str] = field(default_factory=list)


class Listener(Protocol):
    def listen(self, cursor: Cursor) -> Heard: ...


class ListenerError(Exception):
    """A source could not be heard; the message names the source and the reason."""

    def __init__(self, source: str, reason: str):
        super().__init__(f"source {source!r}: {reason}")
        self.source = source
        self.reason = reason
