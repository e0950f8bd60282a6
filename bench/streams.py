"""Synthetic mention streams for judging spike alerts, with the truth written down.

Weeks of talk about a force at minute resolution, shaped like the real thing: quiet
nights, an evening rise, busier Fridays and Saturdays, over-dispersed noise, a steady
share of mentions negative toward the force, topics and places, stories re-posted many
times (one near-duplicate cluster), bursts of one syndicated story, known events that
raise volume (a match, a planned operation) — and injected negative spikes of several
sizes and lengths, some at the evening peak and some inside events. Everything is drawn
from one seed, so a benchmark figure can be reproduced exactly.
"""

from __future__ import annotations

import csv
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Literal

import numpy as np
from elasticsearch import Elasticsearch, helpers

from earshot.core.model import Mention, Place, Sentiment, mention_id
from earshot.core.near_duplicates import signature
from earshot.core.profile import KnownEvent
from earshot.governance.install import install
from earshot.store.indices import MENTIONS, mentions_index
from earshot.store.mentions import to_document

SpikeSize = Literal["small", "medium", "large"]

# Relative volume by hour of day (UTC): quiet small hours, a working day, an evening peak.
HOURLY = (
    0.30, 0.20, 0.12, 0.10, 0.10, 0.15, 0.30, 0.55, 0.80, 0.95, 1.00, 1.00,
    1.05, 1.00, 1.00, 1.00, 1.10, 1.30, 1.60, 1.90, 2.00, 1.80, 1.30, 0.70,
)  # fmt: skip
# Relative volume by weekday, Monday first: Friday and Saturday nights are busier.
WEEKDAY = (0.95, 0.90, 0.95, 1.00, 1.20, 1.30, 0.90)

PLACES = (
    Place(name="Lincoln", lat=53.2307, lon=-0.5406),
    Place(name="Boston", lat=52.9789, lon=-0.0266),
    Place(name="Grantham", lat=52.9118, lon=-0.6426),
    Place(name="Skegness", lat=53.1436, lon=0.3363),
    Place(name="Gainsborough", lat=53.3995, lon=-0.7730),
    Place(name="Spalding", lat=52.7870, lon=-0.1530),
    Place(name="Stamford", lat=52.6530, lon=-0.4800),
    Place(name="Louth", lat=53.3669, lon=-0.0061),
)
PLACE_WEIGHTS = (0.30, 0.14, 0.13, 0.11, 0.09, 0.09, 0.08, 0.06)
TOPICS = (
    "anti-social-behaviour",
    "roads",
    "response-times",
    "burglary",
    "vehicle-crime",
    "drugs",
    "officer-conduct",
    "contact-999-101",
    "violent-crime",
    "appeal",
    "stop-and-search",
    "praise-thanks",
)
TOPIC_WEIGHTS = (0.14, 0.12, 0.10, 0.09, 0.08, 0.08, 0.07, 0.07, 0.07, 0.07, 0.05, 0.06)
SOURCES = (
    ("lincs-local-news", "rss"),
    ("google-news", "rss"),
    ("mastodon-social", "mastodon"),
    ("bluesky", "bluesky"),
    ("reddit-lincoln", "reddit"),
)
SOURCE_WEIGHTS = (0.20, 0.15, 0.20, 0.25, 0.20)

# Extra negative mentions a spike adds, and the lengths it may last (minutes).
SPIKE_SIZES: dict[SpikeSize, tuple[tuple[int, int], tuple[int, ...]]] = {
    "small": ((10, 16), (15, 30, 60)),
    "medium": ((25, 40), (30, 60, 120)),
    "large": ((70, 120), (60, 120, 240)),
}

# Timelines of real incidents, normalised (tests/data/README.md says where from): per
# 10 minutes, the share of the incident's posts, wave by wave.
INCIDENT_SHAPES = Path(__file__).parent / "data" / "incident_shapes.csv"
BIN = timedelta(minutes=10)
REAL_SPIKES_PER_WEEK = 3  # they last up to a day, waves included: fewer fit in a week

_NEGATIVE = ("disgraceful", "useless", "shameful", "appalling", "failed", "ignored", "let down")
_NEUTRAL = ("reported", "seen", "update on", "news about", "patrols near", "statement on")
_POSITIVE = ("thank you", "well done", "great work", "brilliant response", "helpful")
_FILLER = (
    "tonight", "this morning", "again", "near the station", "on the high street",
    "by the market", "outside the school", "on the bypass", "at the retail park", "last night",
)  # fmt: skip
_SPIKE_STORIES = (
    "video shows officers dragging a teenager from a car",
    "rumour that police covered up the crash on the bypass",
    "officers filmed ignoring a woman calling for help",
    "claims the custody suite left a man without medical care",
    "footage of a heavy handed arrest outside the pub",
    "nobody answered 999 for forty minutes during the fight",
)


@dataclass(frozen=True)
class StreamSettings:
    """What the stream looks like; the defaults resemble a mid-sized county force."""

    seed: int = 20260105
    start: datetime = datetime(2026, 1, 5, tzinfo=UTC)  # a Monday
    weeks: int = 7
    baseline_weeks: int = 4  # the first weeks are history; spikes are scored after them
    per_hour: float = 20.0  # mean mentions of the force per hour over a week
    negative_share: float = 0.25  # of mentions, negative toward the force
    dispersion: float = 6.0  # gamma shape of hour-to-hour noise: lower is burstier
    repost_share: float = 0.08  # background mentions that re-post a recent story
    spikes_per_week: int = 6  # injected in the scored weeks
    history_spikes_per_week: int = 1  # injected in the baseline weeks, not scored
    bursts_per_week: int = 4  # one syndicated story re-posted many times: not a spike
    events: bool = True  # known events (a match, an operation, a protest, a campaign)
    # Scored spikes follow real incidents' timelines (INCIDENT_SHAPES), sized "large".
    real_shapes: bool = False

    @property
    def end(self) -> datetime:
        return self.start + timedelta(weeks=self.weeks)

    @property
    def scored_from(self) -> datetime:
        return self.start + timedelta(weeks=self.baseline_weeks)


@dataclass(frozen=True)
class InjectedSpike:
    """A surge of negative talk about one story, as ground truth for scoring."""

    start: datetime
    end: datetime
    size: SpikeSize
    negative: int  # extra negative mentions
    distinct: int  # ... of which distinct stories (re-posts of the lead story excluded)
    topic: str
    place: str
    story: str
    event: str | None = None  # name of the known event it falls in
    shape: str = "synthetic"  # or a real incident's name and wave
    # Shares of its mentions per 10 minutes; empty: it rises fast and tails off.
    profile: tuple[float, ...] = ()


@dataclass(frozen=True)
class Wave:
    """One wave of a real incident's posts."""

    offset: timedelta  # after the incident's first wave begins
    shares: tuple[float, ...]  # of the incident's posts, per 10 minutes


@cache
def incident_shapes() -> dict[str, tuple[Wave, ...]]:
    """The real incidents' waves, by incident name."""
    rows: dict[tuple[str, int], list[tuple[int, float]]] = {}
    with INCIDENT_SHAPES.open(newline="") as file:
        for row in csv.DictReader(file):
            rows.setdefault((row["shape"], int(row["wave"])), []).append(
                (int(row["minute"]), float(row["share"]))
            )
    shapes: dict[str, list[Wave]] = {}
    for (name, _), bins in sorted(rows.items()):
        bins.sort()
        offset = timedelta(minutes=bins[0][0])
        shapes.setdefault(name, []).append(Wave(offset, tuple(share for _, share in bins)))
    return {name: tuple(waves) for name, waves in shapes.items()}


@dataclass(frozen=True)
class RepostBurst:
    """One story syndicated or shared many times within the hour: one cluster."""

    start: datetime
    end: datetime
    copies: int
    negative: bool


@dataclass
class Stream:
    settings: StreamSettings
    mentions: list[Mention] = field(default_factory=list)
    spikes: list[InjectedSpike] = field(default_factory=list)
    events: list[KnownEvent] = field(default_factory=list)
    bursts: list[RepostBurst] = field(default_factory=list)

    @property
    def scored_spikes(self) -> list[InjectedSpike]:
        return [s for s in self.spikes if s.start >= self.settings.scored_from]


def generate(settings: StreamSettings = StreamSettings()) -> Stream:
    """The whole stream, deterministic for the settings (seed included)."""
    return _Generator(settings).run()


def replay(es: Elasticsearch, stream: Stream) -> int:
    """Bulk-create every mention (clusters as generated), refresh once; the count written."""
    install(es)  # what `earshot setup` makes: the bench runs as the admin
    written, _ = helpers.bulk(es, _create_actions(stream.mentions), chunk_size=2_000)
    es.indices.refresh(index=MENTIONS)
    return written


def _create_actions(mentions: list[Mention]) -> Iterator[dict]:
    for mention in mentions:
        yield {
            "_op_type": "create",
            "_index": mentions_index(mention.published),
            "_id": mention.id,
            "_source": to_document(mention, mention.fetched),
        }


def expected_rate(at: datetime) -> float:
    """Relative volume at this moment (mean 1 over a week): the rhythm without noise."""
    return HOURLY[at.hour] * WEEKDAY[at.weekday()] / _RHYTHM_MEAN


_RHYTHM_MEAN = float(np.mean(HOURLY)) * float(np.mean(WEEKDAY))
_ATTEMPTS = 10_000


def _span(waves: tuple[Wave, ...]) -> timedelta:
    last = waves[-1]
    return last.offset + BIN * len(last.shares)


def _clashes(
    start: datetime,
    longest: timedelta,
    taken: list[tuple[datetime, datetime]],
    clearance: timedelta,
) -> bool:
    """Whether [start, start + longest], widened by clearance, touches anything planned."""
    return any(
        start - clearance < end and begin < start + longest + clearance for begin, end in taken
    )


class _Generator:
    def __init__(self, settings: StreamSettings):
        self.s = settings
        self.rng = np.random.default_rng(settings.seed)
        self.stream = Stream(settings)
        self.recent: deque[Mention] = deque(maxlen=200)
        self.signatures: dict[str, tuple[int, ...]] = {}

    def run(self) -> Stream:
        self._plan_events()
        self._plan_spikes()
        self._plan_bursts()
        self._background()
        for spike in self.stream.spikes:
            self._spike(spike)
        for burst in self.stream.bursts:
            self._burst(burst)
        for event in self.stream.events:
            self._event(event)
        self.stream.mentions.sort(key=lambda m: m.published)
        return self.stream

    # -- planning ----------------------------------------------------------------

    def _plan_events(self) -> None:
        """A few events per week, fixed in kind, at plausible times of day."""
        if not self.s.events:
            return
        plans = (  # (day offset in the week, hour, hours long, kind, name, topics, places)
            (5, 15, 3, "football", "Lincoln City v Boston United", ["public-order"], ["Lincoln"]),
            (2, 6, 5, "operation", "Operation Sweep drugs warrants", ["drugs"], ["Boston"]),
            (3, 18, 3, "protest", "Town centre march", ["public-order"], ["Grantham"]),
            (1, 11, 2, "campaign", "Bobby Bear school visits", [], []),
        )
        for week in range(self.s.weeks):
            monday = self.s.start + timedelta(weeks=week)
            for day, hour, hours, kind, name, topics, places in plans[week % 2 :: 2]:
                start = monday + timedelta(days=day, hours=hour)
                self.stream.events.append(
                    KnownEvent(
                        name=f"{name} (week {week + 1})",
                        kind=kind,
                        start=start,
                        end=start + timedelta(hours=hours),
                        topics=topics,
                        places=places,
                    )
                )

    def _plan_spikes(self) -> None:
        """Non-overlapping; a third at the evening peak; two in scored weeks inside events."""
        sizes: list[SpikeSize] = ["small", "medium", "large"]
        taken: list[tuple[datetime, datetime]] = [(e.start, e.end) for e in self.stream.events]
        scored_events = [e for e in self.stream.events if e.start >= self.s.scored_from]
        for n, event in enumerate(e for e in scored_events if e.kind in {"football", "operation"}):
            if n >= 2:
                break
            start = event.start + timedelta(minutes=int(self.rng.integers(30, 90)))
            self._add_spike(start, ("large", "medium")[n], event)
        shapes = list(incident_shapes().items()) if self.s.real_shapes else []
        for week in range(self.s.weeks):
            scored = week >= self.s.baseline_weeks
            real = scored and bool(shapes)
            count = self.s.spikes_per_week if scored else self.s.history_spikes_per_week
            count = REAL_SPIKES_PER_WEEK if real else count
            monday = self.s.start + timedelta(weeks=week)
            placed = attempts = 0
            while placed < count:
                if placed % 3 == 0:
                    hour = float(self.rng.uniform(18, 21))
                else:
                    hour = float(
                        self.rng.choice(
                            [self.rng.uniform(7, 23), self.rng.uniform(0, 7)], p=[0.85, 0.15]
                        )
                    )
                start = monday + timedelta(days=int(self.rng.integers(0, 7)), hours=hour)
                start = start.replace(
                    minute=start.minute - start.minute % 5, second=0, microsecond=0
                )
                name, waves = shapes[(placed + week) % len(shapes)] if real else ("", ())
                longest = _span(waves) if real else timedelta(hours=4)
                if _clashes(start, longest, taken, clearance=timedelta(hours=6)):
                    attempts += 1
                    if attempts > _ATTEMPTS:
                        raise ValueError(f"cannot fit {count} spikes into week {week + 1}")
                    continue
                if real:
                    self._add_incident(start, name, waves)
                else:
                    self._add_spike(start, sizes[(placed + week) % 3], None)
                taken.append((start, start + longest))
                placed += 1

    def _add_incident(self, start: datetime, name: str, waves: tuple[Wave, ...]) -> None:
        """A real incident's waves as spikes of one story, its posts in the real proportions,
        scaled to a large spike's size for a county force."""
        (low, high), _ = SPIKE_SIZES["large"]
        total = int(self.rng.integers(low, high + 1))
        first = self._add_spike(start, "large", None)  # draws the story, topic and place
        self.stream.spikes.remove(first)
        for n, wave in enumerate(waves, 1):
            negative = round(total * sum(wave.shares))
            self.stream.spikes.append(
                replace(
                    first,
                    start=start + wave.offset,
                    end=start + wave.offset + BIN * len(wave.shares),
                    negative=negative,
                    distinct=negative - round(negative * 0.2),
                    shape=f"{name} wave {n}" if len(waves) > 1 else name,
                    profile=wave.shares,
                )
            )

    def _add_spike(
        self, start: datetime, size: SpikeSize, event: KnownEvent | None
    ) -> InjectedSpike:
        (low, high), lengths = SPIKE_SIZES[size]
        negative = int(self.rng.integers(low, high + 1))
        minutes = int(self.rng.choice(lengths))
        if event is not None:
            topic, place = (event.topics or ["public-order"])[0], (event.places or ["Lincoln"])[0]
            topic = "officer-conduct" if event.kind == "operation" else topic
        else:
            topic = str(
                self.rng.choice(
                    [
                        "officer-conduct",
                        "response-times",
                        "custody",
                        "stop-and-search",
                        "contact-999-101",
                    ]
                )
            )
            place = str(self.rng.choice([p.name for p in PLACES], p=PLACE_WEIGHTS))
        reposts = round(negative * 0.2)
        spike = InjectedSpike(
            start=start,
            end=start + timedelta(minutes=minutes),
            size=size,
            negative=negative,
            distinct=negative - reposts,
            topic=topic,
            place=place,
            story=str(self.rng.choice(_SPIKE_STORIES)),
            event=event.name if event is not None else None,
        )
        self.stream.spikes.append(spike)
        return spike

    def _plan_bursts(self) -> None:
        taken = [(s.start, s.end) for s in self.stream.spikes] + [
            (e.start, e.end) for e in self.stream.events
        ]
        for week in range(self.s.weeks):
            monday = self.s.start + timedelta(weeks=week)
            placed = attempts = 0
            while placed < self.s.bursts_per_week:
                start = monday + timedelta(
                    days=int(self.rng.integers(0, 7)), hours=float(self.rng.uniform(7, 22))
                )
                if _clashes(start, timedelta(hours=1), taken, clearance=timedelta(hours=3)):
                    attempts += 1
                    if attempts > _ATTEMPTS:
                        raise ValueError(f"cannot fit {self.s.bursts_per_week} bursts into week")
                    continue
                minutes = int(self.rng.integers(20, 60))
                burst = RepostBurst(
                    start,
                    start + timedelta(minutes=minutes),
                    int(self.rng.integers(10, 26)),
                    bool(self.rng.random() < 0.6),
                )
                self.stream.bursts.append(burst)
                taken.append((burst.start, burst.end))
                placed += 1

    # -- mentions ----------------------------------------------------------------

    def _background(self) -> None:
        minutes = self.s.weeks * 7 * 24 * 60
        hours = minutes // 60
        noise = np.repeat(self.rng.gamma(self.s.dispersion, 1 / self.s.dispersion, hours), 60)
        days = self.s.weeks * 7
        concentration = 150
        shares = np.repeat(
            self.rng.beta(
                self.s.negative_share * concentration,
                (1 - self.s.negative_share) * concentration,
                days,
            ),
            24 * 60,
        )
        rhythm = np.array(
            [expected_rate(self.s.start + timedelta(hours=h)) for h in range(hours)]
        ).repeat(60)
        counts = self.rng.poisson(self.s.per_hour / 60 * rhythm * noise)
        for minute in np.flatnonzero(counts):
            at = self.s.start + timedelta(minutes=int(minute))
            for _ in range(int(counts[minute])):
                self._mention(at, negative=bool(self.rng.random() < shares[minute]))

    def _mention(
        self,
        minute: datetime,
        *,
        negative: bool,
        topic: str | None = None,
        place: str | None = None,
        story: str | None = None,
        repost_of: Mention | None = None,
    ) -> Mention:
        published = minute + timedelta(seconds=float(self.rng.uniform(0, 60)))
        if (
            repost_of is None
            and story is None
            and self.recent
            and self.rng.random() < self.s.repost_share
        ):
            repost_of = self.recent[int(self.rng.integers(0, len(self.recent)))]
        number = len(self.stream.mentions)
        source, kind = SOURCES[int(self.rng.choice(len(SOURCES), p=SOURCE_WEIGHTS))]
        ident = mention_id("bench", f"{self.s.seed}-{number}")
        if repost_of is not None:
            mention = repost_of.model_copy(
                update={
                    "id": ident,
                    "source": source,
                    "source_kind": kind,
                    "url": f"https://{source}.example/{ident}",
                    "published": published,
                    "fetched": published + timedelta(minutes=float(self.rng.uniform(1, 15))),
                }
            )
        else:
            topic = topic or str(self.rng.choice(TOPICS, p=TOPIC_WEIGHTS))
            if place is None and self.rng.random() < 0.6:
                place = str(self.rng.choice([p.name for p in PLACES], p=PLACE_WEIGHTS))
            text = self._text(negative, topic, place, story)
            score = (
                -float(self.rng.uniform(0.3, 0.9))
                if negative
                else float(self.rng.uniform(-0.04, 0.8))
            )
            label = "negative" if negative else ("positive" if score >= 0.05 else "neutral")
            feeling = Sentiment(score=round(score, 3), label=label)
            mention = Mention(
                id=ident,
                source=source,
                source_kind=kind,
                url=f"https://{source}.example/{ident}",
                title=text[:80],
                text=text,
                author=None,  # alerts are about talk, not people: no authors needed
                published=published,
                fetched=published + timedelta(minutes=float(self.rng.uniform(1, 15))),
                force_terms=("Lincolnshire Police",),
                tone=feeling,
                toward_force=feeling,
                topics=(topic,),
                places=tuple(p for p in PLACES if p.name == place),
                in_area=place is not None,
                language="en",
                signature=self._signature(text),
                cluster=ident,
            )
        self.stream.mentions.append(mention)
        self.recent.append(mention)
        return mention

    def _text(self, negative: bool, topic: str, place: str | None, story: str | None) -> str:
        words = _NEGATIVE if negative else (_POSITIVE if topic == "praise-thanks" else _NEUTRAL)
        pick = lambda options: str(self.rng.choice(options))  # noqa: E731
        where = f"in {place}" if place else "across the county"
        about = story or f"{topic.replace('-', ' ')} {pick(_FILLER)}"
        return (
            f"Lincolnshire Police {pick(words)} {about} {where} {pick(_FILLER)}, "
            f"{pick(words)} as {pick(_FILLER)} post {int(self.rng.integers(0, 1_000_000))}"
        )

    def _signature(self, text: str) -> tuple[int, ...]:
        if text not in self.signatures:
            self.signatures[text] = signature(text)
        return self.signatures[text]

    def _spike(self, spike: InjectedSpike) -> None:
        """Rises fast and tails off; a fifth re-post the lead story; some defend the force."""
        minutes = (spike.end - spike.start) / timedelta(minutes=1)
        if spike.profile:
            shares = np.array(spike.profile) / sum(spike.profile)
            bins = self.rng.choice(len(shares), size=spike.negative, p=shares)
            offsets = np.sort((bins + self.rng.uniform(0, 1, spike.negative)) * BIN.seconds / 60)
        else:
            offsets = np.sort(self.rng.triangular(0, minutes * 0.25, minutes, spike.negative))
        lead: Mention | None = None
        for n, offset in enumerate(offsets):
            at = spike.start + timedelta(minutes=int(offset))
            repost = lead if (lead is not None and n >= spike.distinct) else None
            made = self._mention(
                at,
                negative=True,
                topic=spike.topic,
                place=spike.place,
                story=spike.story,
                repost_of=repost,
            )
            lead = lead or made
        for offset in self.rng.uniform(0, minutes, spike.negative // 4):
            at = spike.start + timedelta(minutes=int(offset))
            self._mention(
                at, negative=False, topic=spike.topic, place=spike.place, story=spike.story
            )

    def _burst(self, burst: RepostBurst) -> None:
        minutes = (burst.end - burst.start) / timedelta(minutes=1)
        lead = self._mention(burst.start, negative=burst.negative, story="article shared widely")
        for offset in np.sort(self.rng.uniform(0, minutes, burst.copies - 1)):
            self._mention(
                burst.start + timedelta(minutes=int(offset)),
                negative=burst.negative,
                repost_of=lead,
            )

    def _event(self, event: KnownEvent) -> None:
        """Extra talk for the event's length: more of everything, a little more negative."""
        lift, share = {
            "football": (2.0, 0.28),
            "operation": (1.5, 0.30),
            "protest": (2.5, 0.33),
        }.get(event.kind, (1.5, 0.10))
        topic = event.topics[0] if event.topics else "appeal"
        place = event.places[0] if event.places else None
        minute = event.start
        while minute < event.end:
            rate = self.s.per_hour / 60 * expected_rate(minute) * lift
            for _ in range(int(self.rng.poisson(rate))):
                self._mention(
                    minute, negative=bool(self.rng.random() < share), topic=topic, place=place
                )
            minute += timedelta(minutes=1)
