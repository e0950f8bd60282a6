"""Sources gone quiet: a dead collector must not look like a calm day.

Only the profile's sources are watched: one the force has taken out of its profile is no
longer collected on purpose, and its open alert resolves itself. A source "normally
delivers" when, over the baseline weeks before its LAST delivery, it delivered something on
at least half of the days from its first delivery to its last (and on at least three):
judged up to now, a long silence would empty the baseline and a dead source's alert would
resolve itself as calm while it is still dead. It is quiet when nothing from it has been
ingested for `quiet_after_hours`, and hearing nothing for that long is improbable at its
usual rate (below `probability`): a source that delivers twice a day is silent for 18 hours
most nights, and on-call paged for that every night stop reading "gone quiet". Its rate is
of deliveries (hours it delivered in), not items: a feed that brings ten items twice a day is
as often silent as one that brings one. Ingest time is used, not publication time: a
collector that stops stops ingesting, whatever the posts' dates. The alert resolves as soon
as the source delivers again.

When the collector stops (scheduler down, network gone) every source falls silent at once:
once one of them is quiet while nearly all (four in five, and at least two) of the sources
that normally deliver have been silent for at least half of `quiet_after_hours`, ONE alert
says collection has stopped, and per-source alerts not yet open fold into it. Half the time,
so that sources the same collect run last heard, minutes apart, count as silent together;
nearly all, so one source still delivering by some other way does not turn one alert into
nine. When a fifth or more still deliver, the collector is running and each quiet source is
broken on its own: it alerts by itself.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from fractions import Fraction

from elasticsearch import Elasticsearch

from earshot.alerts.detect import WEEK, as_utc
from earshot.alerts.model import Evidence
from earshot.alerts.rule import DetectionRule, Situation
from earshot.core.clock import on_force_clocks
from earshot.core.profile import AlertSettings, Profile
from earshot.store import fields
from earshot.store.indices import MENTIONS

DAY = timedelta(days=1)
MIN_DAYS = 3
MOST_DAYS = 0.5
COLLECTION = "all"  # the key of the alert for every source at once
MIN_TOGETHER = 2
MOST_SOURCES = Fraction(4, 5)
TOGETHER_CHANCE = 0.05


@dataclass(frozen=True)
class WatchedSource:
    """A source of the profile that normally delivers, and how long it has been silent."""

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
    def silent(self) -> timedelta:
        return self.now - self.last_delivery

    @property
    def expected(self) -> float:
        """Hours it would usually have delivered in, in the time it has been silent."""
        return self.per_hour * self.silent / timedelta(hours=1)

    @property
    def chance(self) -> float:
        """The chance of hearing nothing for that long at its usual rate: of as many hours
        on end without a delivery, each hour alike."""
        return (1 - min(self.per_hour, 1.0)) ** (self.silent / timedelta(hours=1))

    def is_quiet(self, settings: AlertSettings) -> bool:
        return (
            self.silent >= timedelta(hours=settings.quiet_after_hours)
            and self.chance < settings.probability
        )


class SourceQuiet(DetectionRule):
    name = "source-quiet"
    headline = "Collection has gone quiet"
    options = frozenset({"baseline_weeks", "quiet_after_hours", "probability"})

    def detect(self, es: Elasticsearch, profile: Profile, now: datetime) -> list[Situation]:
        settings = profile.alerts
        window_minutes = round(settings.quiet_after_hours * 60)
        delivering = normally_delivering(es, profile, now)
        quiet = [source for source in delivering if source.is_quiet(settings)]
        found = [Situation(self.name, s.key, window_minutes, s.evidence()) for s in quiet]
        # Silent together: for half the time, and each for longer than it usually is (below
        # TOGETHER_CHANCE): sources that post nothing most nights are not a collector that
        # stopped when one busy source breaks at 04:00.
        together = [
            source
            for source in delivering
            if source.silent >= timedelta(hours=settings.quiet_after_hours) / 2
            and source.chance < TOGETHER_CHANCE
        ]
        if quiet and len(together) >= max(MIN_TOGETHER, MOST_SOURCES * len(delivering)):
            found.append(Situation(self.name, COLLECTION, window_minutes, _stopped(together)))
        return found

    def message(self, situation: Situation) -> str:
        evidence = situation.evidence
        hours = (evidence.window_end - evidence.window_start) / timedelta(hours=1)
        if situation.key == COLLECTION:
            return (
                f"Collection has stopped: {len(evidence.sources)} sources have delivered "
                f"nothing since {on_force_clocks(evidence.window_start)} ({hours:.1f} h)"
            )
        return (
            f"Source {situation.key.removeprefix('source:')} has delivered nothing for "
            f"{hours:.1f} h (it usually delivers in about {evidence.baseline:.0f} of those hours)"
        )

    def covers(self, key: str, other: str) -> bool:
        """While collection as a whole has stopped, a source quiet with the rest opens no
        alert of its own: on-call is told once, not once per source."""
        return key == COLLECTION and other != COLLECTION

    def watched(self, key: str) -> str:
        return "all sources" if key == COLLECTION else super().watched(key)

    def counted(self, key: str, evidence: Evidence) -> str:
        """A silence has no hour of the week: what it is measured against is how often the
        source delivers."""
        if key == COLLECTION:
            return (
                f"nothing from any of {len(evidence.sources)} sources, each silent longer than "
                "it usually is"
            )
        return (
            f"nothing delivered; usually something in about {evidence.baseline:.0f} of those hours"
        )


def _stopped(silent: list[WatchedSource]) -> Evidence:
    """Nothing from any of them since the last of their deliveries; the probability is that
    of all of them being silent so long by chance, were they independent."""
    since = max(source.last_delivery for source in silent)
    now = silent[0].now
    return Evidence(
        window_start=since,
        window_end=now,
        count=0,
        baseline=round(sum(s.per_hour for s in silent) * (now - since) / timedelta(hours=1), 3),
        probability=math.prod(source.chance for source in silent),
        sources=tuple(sorted(source.source for source in silent)),
    )


def normally_delivering(es: Elasticsearch, profile: Profile, now: datetime) -> list[WatchedSource]:
    """The profile's sources that normally deliver, each judged over the baseline weeks
    before its last delivery, however long ago that was."""
    now = as_utc(now)
    last = _last_deliveries(es, [source.name for source in profile.sources], now)
    if not last:
        return []
    baseline = WEEK * profile.alerts.baseline_weeks
    searches: list[dict] = []
    for source, delivered in last.items():
        searches += [
            {"index": MENTIONS, "ignore_unavailable": True},
            _baseline_search(source, delivered - baseline, delivered),
        ]
    normal = []
    for (source, delivered), response in zip(
        last.items(), es.msearch(searches=searches)["responses"], strict=True
    ):
        if "error" in response:
            raise RuntimeError(f"reading deliveries of {source} failed: {response['error']}")
        found = response["aggregations"]
        first = _time(found["first"]["value"])
        days = len(found["days"]["buckets"])
        if days >= MIN_DAYS and days >= MOST_DAYS * math.ceil((delivered - first) / DAY):
            hours = len(found["hours"]["buckets"])
            per_hour = hours / max((delivered - first) / timedelta(hours=1), 1.0)
            normal.append(WatchedSource(source, delivered, now, per_hour))
    return normal


def _last_deliveries(es: Elasticsearch, sources: list[str], now: datetime) -> dict[str, datetime]:
    """When something from each source was last ingested, up to `now` with no lower limit:
    a source dead for months is still dead."""
    response = es.search(
        index=MENTIONS,
        size=0,
        query={
            "bool": {
                "filter": [
                    {"terms": {fields.SOURCE: sources}},
                    {"range": {fields.INGESTED: {"lte": now.isoformat()}}},
                ]
            }
        },
        aggs={
            "sources": {
                "terms": {"field": fields.SOURCE, "size": len(sources)},
                "aggs": {"last": {"max": {"field": fields.INGESTED}}},
            }
        },
        ignore_unavailable=True,
    )
    buckets = response.get("aggregations", {}).get("sources", {}).get("buckets", [])
    return {bucket["key"]: _time(bucket["last"]["value"]) for bucket in buckets}


def _baseline_search(source: str, start: datetime, end: datetime) -> dict:
    """The days and hours something from `source` was ingested in, from `start` to `end`."""
    ingested = {"range": {fields.INGESTED: {"gte": start.isoformat(), "lte": end.isoformat()}}}
    return {
        "size": 0,
        "query": {"bool": {"filter": [{"term": {fields.SOURCE: source}}, ingested]}},
        "aggs": {
            "first": {"min": {"field": fields.INGESTED}},
            "days": _delivered_in({"calendar_interval": "day"}),
            "hours": _delivered_in({"fixed_interval": "1h"}),
        },
    }


def _delivered_in(interval: dict[str, str]) -> dict:
    """The days or hours something was ingested in."""
    return {"date_histogram": {"field": fields.INGESTED, **interval, "min_doc_count": 1}}


def _time(epoch_millis: float) -> datetime:
    return datetime.fromtimestamp(epoch_millis / 1000, UTC)
