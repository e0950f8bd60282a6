"""Spikes of negative talk about the force, judged against the same hour of the week.

"The same hour" is read on UK clocks: a 09:00 window on the Monday after the clocks change
is judged against 09:00 on the Mondays before, not against the hour 7 x 24 hours earlier.

Everything is counted by Elasticsearch aggregations as of a given `now` (no state kept in
memory, so a restart loses nothing): one multi-search per evaluation, one search per window
length, each with filters for the current window and every baseline window. Window ends are
aligned to the window length, so re-running an evaluation judges exactly the same windows.

A story is counted once however many near-duplicates repeat it (cardinality of
`earshot.cluster`). Only the public's mentions count: the force's own posts are not talk
about it.
"""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cached_property

from elasticsearch import Elasticsearch

from earshot.alerts.model import KnownEventNote
from earshot.core.clock import same_local_time_days_earlier
from earshot.core.profile import AlertSettings, KnownEvent
from earshot.store import fields
from earshot.store.indices import MENTIONS

WEEK = timedelta(days=7)
# Below this many baseline weeks with data, the same time of day on the previous days is used.
MIN_WEEKS = 2
FALLBACK_DAYS = 6
# Exact distinct counts up to this many stories per window (Elasticsearch's maximum).
EXACT_UP_TO = 40_000
KEYS_PER_KIND = 100  # topics or places tracked per window
MAD_TO_SD = 1.4826  # turns a median absolute deviation into a normal-equivalent spread


@dataclass(frozen=True)
class Spike:
    """A window whose negative talk is improbably high for its baseline."""

    key: str  # "all", "topic:<topic>" or "place:<place>"
    window_minutes: int
    window_start: datetime
    window_end: datetime
    count: int  # negative stories, a near-duplicate cluster counted once
    baseline: float  # expected negative stories for this window
    probability: float  # chance of at least `count` under the baseline
    share: float  # this key's negative stories among all the window's stories
    baseline_share: float
    event: KnownEventNote | None = None


@dataclass(frozen=True)
class Tally:
    """One window's stories: all of them, and the negative ones per key."""

    stories: int
    negative: dict[str, int]


def find_spikes(es: Elasticsearch, settings: AlertSettings, now: datetime) -> list[Spike]:
    """The spikes of the windows ending at or before `now`, for every window length."""
    now = as_utc(now)
    plans = [_Plan.of(minutes, settings, now) for minutes in settings.windows_minutes]
    searches: list[dict] = []
    for plan in plans:
        searches += [{"index": MENTIONS, "ignore_unavailable": True}, plan.search()]
    responses = es.msearch(searches=searches)["responses"]
    spikes = []
    for plan, response in zip(plans, responses, strict=True):
        if "error" in response:
            raise RuntimeError(f"counting negative mentions failed: {response['error']}")
        spikes += plan.judge(response, settings)
    return spikes


def as_utc(now: datetime) -> datetime:
    """A plain UTC datetime: Airflow hands tasks pendulum times, whose arithmetic differs."""
    return datetime.fromtimestamp(now.timestamp(), UTC)


def window_end(now: datetime, minutes: int) -> datetime:
    """The end of the last complete window: aligned to the window length since the epoch."""
    step = minutes * 60
    return datetime.fromtimestamp(int(now.timestamp()) // step * step, UTC)


def key_filter(key: str) -> list[dict]:
    """The filter that narrows mentions to one key's ("all" narrows nothing)."""
    kind, _, value = key.partition(":")
    field = {"topic": fields.TOPICS, "place": fields.PLACES}.get(kind)
    return [{"term": {field: value}}] if field else []


def earlier_window(start: datetime, end: datetime, days: int) -> tuple[datetime, datetime] | None:
    """The same window on UK clocks `days` calendar days earlier, as UTC instants. It keeps
    its length, so its count compares with this window's: in the hour the autumn change
    repeats it is the first pass. None when it starts in the hour the spring change skips,
    so no baseline counts an hour that never happened as a calm one."""
    begins = same_local_time_days_earlier(start, days)
    return None if begins is None else (begins, begins + (end - start))


@dataclass(frozen=True)
class _Plan:
    """The current window of one length and the windows its baseline may draw on."""

    minutes: int
    start: datetime
    end: datetime
    weeks: int

    @classmethod
    def of(cls, minutes: int, settings: AlertSettings, now: datetime) -> _Plan:
        end = window_end(now, minutes)
        return cls(minutes, end - timedelta(minutes=minutes), end, settings.baseline_weeks)

    @cached_property
    def windows(self) -> dict[str, tuple[datetime, datetime]]:
        """The current window ("current") and, as "week-N" and "day-N", the earlier ones its
        baseline may draw on: those that happened, so none in the hour the clocks skipped."""
        found = {"current": (self.start, self.end)}
        for kind, count, days in (("week", self.weeks, WEEK.days), ("day", FALLBACK_DAYS, 1)):
            for n in range(1, count + 1):
                window = earlier_window(self.start, self.end, n * days)
                if window:
                    found[f"{kind}-{n}"] = window
        return found

    def search(self) -> dict:
        stories = {"cardinality": {"field": fields.CLUSTER, "precision_threshold": EXACT_UP_TO}}
        per_key = {"stories": stories}
        negative = {
            "filter": fields.negative(),
            "aggs": {
                "stories": stories,
                "topics": {
                    "terms": {"field": fields.TOPICS, "size": KEYS_PER_KIND},
                    "aggs": per_key,
                },
                "places": {
                    "terms": {"field": fields.PLACES, "size": KEYS_PER_KIND},
                    "aggs": per_key,
                },
            },
        }
        windows = self.windows
        earliest = min(start for start, _ in windows.values())
        return {
            "size": 0,
            "query": {
                "bool": {
                    "filter": [
                        fields.time_range(earliest, self.end),
                        fields.from_the_public(),
                    ]
                }
            },
            "aggs": {
                # When history begins: a window before the first mention is no evidence of calm.
                "first": {"min": {"field": fields.PUBLISHED}},
                "windows": {
                    "filters": {"filters": {n: fields.time_range(*w) for n, w in windows.items()}},
                    "aggs": {"stories": stories, "negative": negative},
                },
            },
        }

    def judge(self, response: dict, settings: AlertSettings) -> list[Spike]:
        aggs = response.get("aggregations")  # none at all before the first collection
        first = aggs["first"].get("value") if aggs else None
        if first is None:
            return []  # no mentions at all: nothing to judge, certainly not 0 vs 0
        history_from = datetime.fromtimestamp(first / 1000, UTC)
        tallies = {name: _tally(bucket) for name, bucket in aggs["windows"]["buckets"].items()}
        current = tallies["current"]
        baseline = [tallies[n] for n in self.usable(history_from, "week")]
        if len(baseline) < MIN_WEEKS:
            days = self.usable(history_from, "day")
            baseline = [tallies[n] for n in days] or baseline
        spikes = []
        for key, count in current.negative.items():
            spike = self._judge_key(key, count, current, baseline, settings)
            if spike:
                spikes.append(spike)
        return spikes

    def usable(self, history_from: datetime, kind: str) -> list[str]:
        """Baseline windows of a kind ("week", "day") that history covers (start at or after
        the day it begins)."""
        day_begins = history_from.replace(hour=0, minute=0, second=0, microsecond=0)
        return [
            name
            for name, (start, _) in self.windows.items()
            if name.startswith(f"{kind}-") and start >= day_begins
        ]

    def _judge_key(
        self,
        key: str,
        count: int,
        current: Tally,
        baseline: list[Tally],
        settings: AlertSettings,
    ) -> Spike | None:
        if count < settings.min_count:
            return None
        counts = [t.negative.get(key, 0) for t in baseline]
        expected = max(statistics.median(counts) if counts else 0.0, settings.baseline_floor)
        share = count / current.stories
        all_stories = sum(t.stories for t in baseline)
        baseline_share = sum(counts) / all_stories if all_stories else 0.0
        if binomial_tail(count, current.stories, baseline_share) >= settings.share_probability:
            return None
        probability = tail_probability(count, expected, robust_variance(counts))
        event = known_event(settings.events, key, self.start, self.end)
        threshold = settings.event_probability if event else settings.probability
        if probability >= threshold:
            return None
        if event is None and key == "all":
            # A county-wide spike during any event is told with it, though only the event's
            # own topics and places were judged against its raised bar.
            event = known_event(settings.events, key, self.start, self.end, any_scope=True)
        return Spike(
            key=key,
            window_minutes=self.minutes,
            window_start=self.start,
            window_end=self.end,
            count=count,
            baseline=round(expected, 3),
            probability=probability,
            share=round(share, 3),
            baseline_share=round(baseline_share, 3),
            event=event,
        )


def _tally(bucket: dict) -> Tally:
    negative = bucket["negative"]
    counts = {"all": negative["stories"]["value"]}
    for kind, field in (("topic", "topics"), ("place", "places")):
        for term in negative[field]["buckets"]:
            counts[f"{kind}:{term['key']}"] = term["stories"]["value"]
    return Tally(stories=bucket["stories"]["value"], negative=counts)


def robust_variance(counts: list[int]) -> float:
    """Week-to-week spread from the median absolute deviation, so one past incident in the
    baseline neither raises the expected count nor widens the spread enough to hide the next."""
    if len(counts) < 2:
        return 0.0
    middle = statistics.median(counts)
    mad = statistics.median(abs(c - middle) for c in counts)
    return (MAD_TO_SD * mad) ** 2


def binomial_tail(count: int, trials: int, share: float) -> float:
    """P(X >= count) for X binomial: `count` of `trials` stories negative when each is with
    chance `share`. Summed upward from `count` in log space, like `tail_probability`."""
    if count <= 0 or share >= 1:
        return 1.0
    if share <= 0 or count > trials:
        return 0.0
    log_term = (
        math.lgamma(trials + 1)
        - math.lgamma(count + 1)
        - math.lgamma(trials - count + 1)
        + count * math.log(share)
        + (trials - count) * math.log1p(-share)
    )
    term, total = math.exp(log_term), 0.0
    for k in range(count, trials + 1):
        total += term
        if term < total * 1e-16:
            break
        term *= (trials - k) / (k + 1) * share / (1 - share)
    return min(total, 1.0)


def tail_probability(count: int, mean: float, variance: float = 0.0) -> float:
    """P(X >= count) for X negative binomial with this mean and variance when the counts are
    over-dispersed (variance > mean: news cycles make some weeks busier than others), else
    Poisson. Summed upward from `count` in log space, so tiny tails keep their precision."""
    if count <= 0:
        return 1.0
    if variance > mean:
        r = mean * mean / (variance - mean)  # number of "successes"
        q = mean / (r + mean)  # chance of a "failure", so that the mean is r q / (1 - q)
        log_term = (
            math.lgamma(count + r)
            - math.lgamma(r)
            - math.lgamma(count + 1)
            + r * math.log1p(-q)
            + count * math.log(q)
        )

        def ratio(k: int) -> float:
            return (k + r) / (k + 1) * q
    else:
        log_term = count * math.log(mean) - mean - math.lgamma(count + 1)

        def ratio(k: int) -> float:
            return mean / (k + 1)

    term = math.exp(log_term)
    total, k = 0.0, count
    while term > total * 1e-16 and k < count + 100_000:
        total += term
        term *= ratio(k)
        k += 1
    return min(total, 1.0)


def known_event(
    events: list[KnownEvent],
    key: str,
    start: datetime,
    end: datetime,
    *,
    any_scope: bool = False,
) -> KnownEventNote | None:
    """The first known event the window overlaps whose topics and places (if it lists any)
    include the key; with `any_scope`, the first it overlaps."""
    kind, _, value = key.partition(":")
    for event in events:
        if event.start >= end or event.end <= start:
            continue
        if (
            not any_scope
            and (event.topics or event.places)
            and not (
                (kind == "topic" and value in event.topics)
                or (kind == "place" and value in event.places)
            )
        ):
            continue
        return KnownEventNote(name=event.name, kind=event.kind, start=event.start, end=event.end)
    return None
