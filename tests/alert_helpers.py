"""Mentions at chosen times, for alert tests and benchmarks: a rhythmic background of talk
about the force, injected bursts of negative talk, and a way to put them into Elasticsearch
as if each had been collected a few minutes after it was published."""

from __future__ import annotations

import math
import random
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

from elasticsearch import Elasticsearch, helpers

from earshot.alerts.detect import Spike
from earshot.alerts.evidence import gather
from earshot.alerts.model import ALERTS, Alert, Evidence, EvidenceMention
from earshot.alerts.model import to_document as alert_document
from earshot.core.clock import FORCE_TIME_ZONE
from earshot.core.model import Mention, Place, Sentiment, mention_id
from earshot.core.near_duplicates import canonical_url, signature
from earshot.core.paths import DEFAULT_PROFILE
from earshot.core.profile import Profile
from earshot.store.clusters import assign_clusters
from earshot.store.indices import MENTIONS, mentions_index
from earshot.store.mentions import to_document
from listeners import load_profile

# Everyday talk: words a quiet week is made of.
EVERYDAY = (
    "traffic",
    "appeal",
    "witnesses",
    "patrol",
    "burglary",
    "roads",
    "community",
    "officers",
    "station",
    "village",
    "festival",
    "advice",
)
# What any post is padded with, so that no two generated posts look like copies.
FILLER = (
    "today",
    "again",
    "morning",
    "people",
    "street",
    "heard",
    "saw",
    "near",
    "town",
    "centre",
    "car",
    "park",
    "school",
    "shop",
    "night",
    "week",
    "told",
    "says",
    "local",
    "family",
    "friends",
    "road",
    "bridge",
    "market",
)
LINCOLN = Place(name="Lincoln", lat=53.2307, lon=-0.5406)


def talk(
    n: int,
    at: datetime,
    *,
    tone: float = -0.6,
    source: str = "news",
    topics: Iterable[str] = (),
    places: Iterable[Place] = (),
    words: Iterable[str] = EVERYDAY,
    story: str | None = None,
    by_force: bool = False,
    url: str | None = None,
    risk_flags: tuple[str, ...] = (),
) -> Mention:
    """One public mention of the force at `at`. `tone` is the score toward the force; the
    same `story` gives the same text (near-duplicates, one cluster); `n` makes it unique."""
    label = "positive" if tone >= 0.05 else "negative" if tone <= -0.05 else "neutral"
    if story is None:
        rng, words = random.Random(n), list(words)
        chosen = rng.sample(words, k=min(4, len(words))) + rng.sample(FILLER, k=8)
        rng.shuffle(chosen)
        text = f"Lincolnshire Police {' '.join(chosen)} ({n})"
    else:
        text = f"Lincolnshire Police {story} — everyone is sharing this story about the force"
    link = url or f"https://{source}.example/{n}"
    return Mention(
        id=mention_id(source, link),
        source=source,
        source_kind="rss",
        url=link,
        title=text[:80],
        text=text,
        author=f"writer{n % 7}",
        published=at,
        fetched=at,
        by_force=by_force,
        force_terms=("Lincolnshire Police",),
        tone=Sentiment(score=tone, label=label),
        toward_force=Sentiment(score=tone, label=label),
        topics=tuple(topics),
        places=tuple(places),
        in_area=bool(places),
        canonical_url=canonical_url(link),
        signature=signature(text),
        risk_flags=risk_flags,
    )


def burst(
    start: datetime,
    count: int,
    *,
    minutes: int = 15,
    first: int = 1_000_000,
    **kwargs,
) -> list[Mention]:
    """`count` negative mentions spread evenly over `minutes` from `start`."""
    step = timedelta(minutes=minutes) / max(count, 1)
    return [talk(first + i, start + step * i, **kwargs) for i in range(count)]


def hourly_rate(at: datetime, base: float = 4.0) -> float:
    """Mentions an hour: quiet at night, busy in the day, the evening rise, calmer weekends,
    all on UK clocks, as people live."""
    local = at.astimezone(FORCE_TIME_ZONE)
    hour = local.hour + local.minute / 60
    daily = 0.25 + 0.75 * max(0.0, math.sin(math.pi * (hour - 6) / 16))
    evening = 1.8 if 18 <= local.hour < 22 else 1.0
    weekly = 0.7 if local.weekday() >= 5 else 1.0
    return base * daily * evening * weekly


def rhythmic_history(
    start: datetime,
    end: datetime,
    *,
    seed: int = 7,
    base: float = 4.0,
    negative_share: float = 0.3,
    sources: tuple[str, ...] = ("news", "forum"),
    first: int = 0,
) -> list[Mention]:
    """A quiet but living stream of talk between `start` and `end`: Poisson arrivals each
    quarter hour at `hourly_rate`, a steady share of it negative toward the force."""
    rng = random.Random(seed)
    mentions, n, at = [], first, start
    while at < end:
        expected = hourly_rate(at, base) / 4
        for _ in range(_poisson(rng, expected)):
            tone = -0.6 if rng.random() < negative_share else rng.choice((0.0, 0.5))
            when = at + timedelta(seconds=rng.randrange(15 * 60))
            mentions.append(talk(n, when, tone=tone, source=rng.choice(sources)))
            n += 1
        at += timedelta(minutes=15)
    return mentions


def put_mentions(
    es: Elasticsearch, mentions: list[Mention], *, ingest_lag: timedelta = timedelta(minutes=5)
) -> None:
    """Index as collection would (clusters assigned, the store's document shape), but with
    `event.ingested` a little after publication rather than now, so histories look
    collected as they happened. Refreshes, so the next search sees them."""
    clustered = assign_clusters(es, mentions)
    actions = (
        {
            "_op_type": "create",
            "_index": mentions_index(m.published),
            "_id": m.id,
            "_source": to_document(m, m.published + ingest_lag),
        }
        for m in clustered
    )
    helpers.bulk(es, actions, chunk_size=1_000)
    es.indices.refresh(index=MENTIONS)


def watching(*sources: str) -> Profile:
    """The demo profile collecting these sources instead of its own (feeds like its first),
    so only their silence is watched."""
    profile = load_profile(DEFAULT_PROFILE)
    feed = profile.sources[0]
    named = [feed.model_copy(update={"name": source}) for source in sources]
    return profile.model_copy(update={"sources": named})


def at(text: str) -> datetime:
    """A UTC time from 'YYYY-MM-DD HH:MM'."""
    return datetime.strptime(text, "%Y-%m-%d %H:%M").replace(tzinfo=UTC)


def _poisson(rng: random.Random, mean: float) -> int:
    threshold, k, product = math.exp(-mean), 0, rng.random()
    while product > threshold:
        k += 1
        product *= rng.random()
    return k


def an_alert(opened: datetime) -> Alert:
    """An open negative-spike alert with one story in its evidence."""
    return Alert(
        id=f"alert-{opened:%Y%m%d%H%M}",
        rule="negative-spike",
        key="all",
        window_minutes=60,
        opened=opened,
        updated=opened,
        message="Negative talk about the force is up",
        evidence=Evidence(
            window_start=opened,
            window_end=opened,
            count=12,
            baseline=2.0,
            probability=0.0001,
            mentions=(EvidenceMention(id="m1", title="a story", url=None, source="news"),),
        ),
    )


# Two negative posts of one window: one flagged, whose words only the desk may show.
WITHHELD_WORDS = "I am going to end it all tonight"
PLAIN_WORDS = "nobody came when my shed was broken into"
WITHHELD_LINK = "https://forum.example/end-it-all-tonight"
WITHHELD_ID = mention_id("news", WITHHELD_LINK)


def evidence_with_withheld_words(es: Elasticsearch, opened: datetime) -> Evidence:
    """The evidence the pipeline gathers for an hour holding both posts."""
    start = opened - timedelta(hours=1)
    return gathered_evidence(
        es,
        opened,
        [
            talk(1, start, story=WITHHELD_WORDS, risk_flags=("self-harm",), url=WITHHELD_LINK),
            talk(2, start, story=PLAIN_WORDS, url="https://news.example/shed"),
        ],
    )


def gathered_evidence(es: Elasticsearch, opened: datetime, mentions: list[Mention]) -> Evidence:
    """The evidence the pipeline gathers for the hour before `opened`, holding `mentions`."""
    put_mentions(es, mentions)
    spike = Spike(
        key="all",
        window_minutes=60,
        window_start=opened - timedelta(hours=1),
        window_end=opened,
        count=len(mentions),
        baseline=1.0,
        probability=0.001,
        share=1.0,
        baseline_share=0.1,
    )
    return gather(es, spike, baseline_weeks=1, force_handles=[])


def keep_alert(es: Elasticsearch, alert: Alert) -> None:
    es.index(index=ALERTS, id=alert.id, document=alert_document(alert), refresh=True)
