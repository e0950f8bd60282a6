"""What an alert rule is: a small class the lifecycle, the notifications and the digest ask
about its alerts, so none of them branches on a rule's name (ElastAlert2's rule types work
the same way).

A rule finds its situations in Elasticsearch as of a moment, tells when one of its alerts
has calmed, which of its keys stands for which, and says what fired in the duty officer's
words. It names the profile settings it reads (`options`), so the registry can refuse a
rule that reads a setting the profile does not have before anything runs.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import ClassVar, Protocol

from elasticsearch import Elasticsearch

from earshot.alerts.model import Alert, Evidence
from earshot.core.profile import AlertSettings, Profile


@dataclass(frozen=True)
class Situation:
    """What fired in this evaluation: one rule on one key, in one window."""

    rule: str  # the rule's name
    key: str
    window_minutes: int
    evidence: Evidence

    @property
    def size(self) -> tuple[int, timedelta]:
        """More stories, or (for a silent source) a longer silence, is a bigger situation."""
        return self.evidence.count, self.evidence.window_end - self.evidence.window_start


class DetectionRule(Protocol):
    """One kind of alert. Subclass it to inherit the defaults: calm as soon as it stops
    firing, and no key covering another."""

    name: ClassVar[str]  # stored on its alerts as `rule`: renaming orphans them
    headline: ClassVar[str]  # what fired, for a reader who has never heard of the rule
    options: ClassVar[frozenset[str]]  # the settings under the profile's `alerts` it reads

    def detect(self, es: Elasticsearch, profile: Profile, now: datetime) -> list[Situation]:
        """What fires in the windows ending at or before `now`, with its evidence."""
        ...

    def message(self, situation: Situation) -> str:
        """One line for lists, digests and notification subjects: figures and keys only,
        never the public's words (those stay in the evidence, shown escaped)."""
        ...

    def is_calm(self, alert: Alert, now: datetime, settings: AlertSettings) -> bool:
        """Whether an alert that did not fire in this evaluation may resolve itself."""
        return True

    def covers(self, key: str, other: str) -> bool:
        """Whether an alert on `key` already tells of a situation on `other` (same rule), so
        `other` opens no alert of its own while `key` fires or is active."""
        return False

    def watched(self, key: str) -> str:
        """What the alert's key watches, in words (before `neutral`: a key may carry a
        place or term the public wrote)."""
        kind, _, name = key.partition(":")
        return "all mentions" if key == "all" else f"{kind} {name}"

    def counted(self, key: str, evidence: Evidence) -> str:
        """The alert's count against what was usually seen."""
        return (
            f"{evidence.count} in the window; {evidence.baseline:.1f} expected for this hour "
            "of the week"
        )
