"""Sources gone quiet: a dead collector must not look like a calm day.

A source "normally delivers" when, over the baseline period, it delivered something on at
least half of the days from its first delivery to its last (and on at least three): days
counted to now would let a long silence make a dead collector look like one that seldom
delivers, and its alert resolve itself as calm while it is still dead. It is quiet when
nothing from it has been ingested for `quiet_after_hours`, and hearing nothing for that long
is improbable at its usual rate (below `probability`): a source that delivers twice a day is
silent for 18 hours most nights, and on-call paged for that every night stop reading
"gone quiet". Its rate is of deliveries (hours it delivered in), not items: a feed that
brings ten items twice a day is as often silent as one that brings one. Ingest time is used, not
publication time: a collector that stops stops ingesting, whatever the posts' dates. The
alert resolves as soon as the source delivers again.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from elasticsearch import Elasticsearch

from earshot.alerts.detect import WEEK, as_utc
from earshot.alerts.model import Evidence
from earshot.alerts.rule import DetectionRule, Situation
from earshot.core.profile import AlertSettings, Profile
from earshot.store import fields
from earshot.store.indices import MENTIONS

MIN_DAYS = 3
MOST_DAYS = 0.5
MAX_SOURCES = 1_000


@dataclass(frozen=True)
class QuietSource:
    source: str
    last_delivery: datetime
    now: datetime
    per_hour: float  # hours it delivered in, per hour from its first delivery to its last

    @property
    def key(self) -> str:
        return f"source:{self.source}"

    def evidence(self) -> Evidence:
        """Nothing since the last delivery, against what the source usually delivers in that
        time; the probability is that of hearing nothing by chance."""
        return Evidence(
            window_start=self.last_delivery,
            window_end=self.now,
            count=0,
            baseline=round(self.expected, 3),
            probability=self.chance,
            sources=(self.source,),
        )

    @property
    def expected(self) -> float:
        """Hours it would usually have delivered in, in the time it has been silent."""
        return self.per_hour * (self.now - self.last_delivery) / timedelta(hours=1)

    @property
    def chance(self) -> float:
        """The chance of hearing nothing for that long at its usual rate: of as many hours
        on end without a delivery, each hour alike."""
        silent_hours = (self.now - self.last_delivery) / timedelta(hours=1)
        return (1 - min(self.per_hour, 1.0)) ** silent_hours


class SourceQuiet(DetectionRule):
    name = "source-quiet"
    headline = "A source has gone quiet"
    options = frozenset({"baseline_weeks", "quiet_after_hours", "probability"})

    def detect(self, es: Elasticsearch, profile: Profile, now: datetime) -> list[Situation]:
        settings = profile.alerts
        window_minutes = round(settings.quiet_after_hours * 60)
        return [
            Situation(self.name, quiet.key, window_minutes, quiet.evidence())
            for quiet in find_quiet_sources(es, settings, now)
        ]

    def message(self, situation: Situation) -> str:
        evidence = situation.evidence
        hours = (evidence.window_end - evidence.window_start) / timedelta(hours=1)
        return (
            f"Source {situation.key.removeprefix('source:')} has delivered nothing for "
            f"{hours:.1f} h (it usually delivers in about {evidence.baseline:.0f} of those hours)"
        )


def find_quiet_sources(
    es: Elasticsearch, settings: AlertSettings, now: datetime
) -> list[QuietSource]:
    now = as_utc(now)
    since = now - WEEK * settings.baseline_weeks
    baseline = {"range": {fields.INGESTED: {"gte": since.isoformat(), "lte": now.isoformat()}}}
    response = es.search(
        index=MENTIONS,
        size=0,
        query=baseline,
        aggs={
            "sources": {
                "terms": {"field": fields.SOURCE, "size": MAX_SOURCES},
                "aggs": {
                    "first": {"min": {"field": fields.INGESTED}},
                    "last": {"max": {"field": fields.INGESTED}},
                    "days": _delivered_in({"calendar_interval": "day"}),
                },
            }
        },
        ignore_unavailable=True,
    )
    quiet_after = timedelta(hours=settings.quiet_after_hours)
    quiet = []
    for bucket in response.get("aggregations", {}).get("sources", {}).get("buckets", []):
        first = _time(bucket["first"]["value"])
        last = _time(bucket["last"]["value"])
        days = len(bucket["days"]["buckets"])
        span_days = math.ceil((last - first) / timedelta(days=1))
        normal = days >= MIN_DAYS and days >= MOST_DAYS * span_days
        if normal and now - last >= quiet_after:
            hours = _hours_delivered(es, bucket["key"], baseline)
            per_hour = hours / max((last - first) / timedelta(hours=1), 1.0)
            silent = QuietSource(bucket["key"], last, now, per_hour)
            if silent.chance < settings.probability:
                quiet.append(silent)
    return quiet


def _hours_delivered(es: Elasticsearch, source: str, baseline: dict) -> int:
    """How many hours of the baseline period something from `source` was ingested in. Asked
    only of a source gone silent: hours for every source at once could pass the node's
    bucket limit (65,536) with a thousand sources."""
    response = es.search(
        index=MENTIONS,
        size=0,
        query={"bool": {"filter": [{"term": {fields.SOURCE: source}}, baseline]}},
        aggs={"hours": _delivered_in({"fixed_interval": "1h"})},
        ignore_unavailable=True,
    )
    return len(response["aggregations"]["hours"]["buckets"])


def _delivered_in(interval: dict[str, str]) -> dict:
    """The days or hours something was ingested in."""
    return {"date_histogram": {"field": fields.INGESTED, **interval, "min_doc_count": 1}}


def _time(epoch_millis: float) -> datetime:
    return datetime.fromtimestamp(epoch_millis / 1000, UTC)
