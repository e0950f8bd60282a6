"""The negative-spike rule: a surge of negative talk about the force, county-wide or about one
topic or place (alerts/detect.py finds it, alerts/evidence.py gathers what shows it; a
known event in its window raises the bar and is named in the alert)."""

from __future__ import annotations

from datetime import datetime, timedelta

from elasticsearch import Elasticsearch

from earshot.alerts.detect import find_spikes
from earshot.alerts.evidence import gather
from earshot.alerts.model import Alert
from earshot.alerts.rule import DetectionRule, Situation
from earshot.core.profile import AlertSettings, Profile

SETTLE_WINDOWS = 2
COUNTY = "all"


class NegativeSpike(DetectionRule):
    name = "negative-spike"
    headline = "Negative talk about the force is spiking"
    options = frozenset(
        {
            "windows_minutes",
            "baseline_weeks",
            "probability",
            "event_probability",
            "min_count",
            "baseline_floor",
            "share_probability",
            "events",
        }
    )

    def detect(self, es: Elasticsearch, profile: Profile, now: datetime) -> list[Situation]:
        settings = profile.alerts
        return [
            Situation(
                self.name,
                spike.key,
                spike.window_minutes,
                gather(
                    es,
                    spike,
                    baseline_weeks=settings.baseline_weeks,
                    force_handles=profile.force.handles,
                ),
            )
            for spike in find_spikes(es, settings, now)
        ]

    def message(self, situation: Situation) -> str:
        evidence = situation.evidence
        kind, _, value = situation.key.partition(":")
        about = f" ({kind} {value})" if value else ""
        line = (
            f"Negative talk about the force{about}: {evidence.count} stories in "
            f"{_duration(situation.window_minutes)}, usually {evidence.baseline:.1f} "
            f"(chance {evidence.probability:.1g})"
        )
        if evidence.event:
            line += f", during {evidence.event.kind} '{evidence.event.name}'"
        return line

    def is_calm(self, alert: Alert, now: datetime, settings: AlertSettings) -> bool:
        """Calm after SETTLE_WINDOWS of the longest window without firing: talk comes in
        waves, and a lull of one window is not the end of a story."""
        settle = timedelta(minutes=SETTLE_WINDOWS * max(settings.windows_minutes))
        return now - alert.updated >= settle

    def covers(self, key: str, other: str) -> bool:
        """While the county-wide key fires or is active, a topic or place spike opens nothing
        new (its places are in that alert's evidence). Topics and places alert on their own
        when a local surge is hidden in the county's volume."""
        return key == COUNTY and other != COUNTY


def _duration(minutes: int) -> str:
    return f"{minutes // 60} h" if minutes % 60 == 0 else f"{minutes} min"
