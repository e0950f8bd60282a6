"""`make bench-scale`: does the desk, the alerts, the digest and data protection hold when the
store is big? Fills a private local node with synthetic mentions over 90 days, then times the
queries a day's work makes and reports p50/p95 and the peak Python memory of each.

The mentions are real texts (the VADER tweets and the labelled police mentions) enriched
once by Earshot's own enricher, then copied with a daily rhythm across sources, authors,
stories and three incident bursts, so the fields the queries read have realistic values.
"""

from __future__ import annotations

import argparse
import logging
import random
import statistics
import time
import tracemalloc
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta

from elasticsearch import Elasticsearch, helpers

from bench.enrichment import texts
from bench.evaluation import text_mention
from bench.private_node import private_node
from earshot.alerts.run import evaluate
from earshot.core.clock import LocalDay
from earshot.core.model import Mention, mention_id
from earshot.core.paths import DEFAULT_PROFILE
from earshot.desk.work import Filters, queue
from earshot.digest.daily import build
from earshot.governance.erasure import by_author, erase
from earshot.governance.install import install
from earshot.governance.retention import apply_retention
from earshot.store.indices import MENTIONS
from earshot.store.mentions import to_document
from enrichment import Enricher
from listeners import load_profile

DAYS = 90
END = datetime(2026, 11, 30, 23, 0, tzinfo=UTC)
SOURCES = [  # (name, kind, share of the talk)
    ("lincolnshire-echo", "rss", 0.15),
    ("google-news", "news_search", 0.10),
    ("x-search", "x", 0.30),
    ("facebook-page", "facebook", 0.20),
    ("bluesky", "bluesky", 0.10),
    ("mastodon-social", "mastodon", 0.05),
    ("reddit-lincoln", "reddit", 0.10),
]
# Share of a day's talk in each hour (UTC): quiet at night, peaks at breakfast and evening.
HOURLY = [1, 1, 1, 1, 1, 2, 4, 7, 8, 7, 6, 6, 6, 6, 6, 6, 7, 8, 9, 9, 8, 6, 4, 2]
INCIDENTS = [(END - timedelta(days=d), 3.0) for d in (75, 40, 2)]  # (start, times the talk)
AUTHORS = 50_000


def mentions(count: int, seed: int = 11) -> Iterator[Mention]:
    rng = random.Random(seed)
    enricher = Enricher.for_profile(load_profile(DEFAULT_PROFILE))
    now = END
    templates = [
        enricher.enrich(text_mention(f"Lincolnshire Police {t}", id="t", source="bench", now=now))
        for t in texts()
    ]
    names, kinds, shares = zip(*SOURCES, strict=True)
    recent: list[str] = []
    for i in range(count):
        published = _moment(rng)
        template = rng.choice(templates)
        source = rng.choices(range(len(names)), weights=shares)[0]
        id_ = mention_id(names[source], f"scale-{i}")
        cluster = rng.choice(recent) if recent and rng.random() < 0.3 else id_
        recent = [*recent[-199:], id_]
        age = END - published
        yield template.model_copy(
            update={
                "id": id_,
                "source": names[source],
                "source_kind": kinds[source],
                "url": f"https://social.example/{names[source]}/{i}",
                "author": f"@resident{_author(rng)}",
                "published": published,
                "fetched": published + timedelta(minutes=rng.randint(1, 30)),
                "cluster": cluster,
                "status": "done" if age > timedelta(days=2) else rng.choice(["new", "in-hand"]),
            }
        )


def _author(rng: random.Random) -> int:
    """A fifth of the talk comes from 500 regulars (about 400 posts each in a million)."""
    return rng.randrange(500) if rng.random() < 0.2 else rng.randrange(500, AUTHORS)


def _moment(rng: random.Random) -> datetime:
    if rng.random() < 0.1:  # a tenth of the talk is about one of the incidents, in its first day
        start, _ = rng.choice(INCIDENTS)
        return start + timedelta(minutes=rng.randint(0, 24 * 60 - 1))
    day = END.date() - timedelta(days=rng.randint(0, DAYS - 1))
    hour = rng.choices(range(24), weights=HOURLY)[0]
    moment = datetime(day.year, day.month, day.day, hour, rng.randint(0, 59), tzinfo=UTC)
    return min(moment, END)


def fill(es: Elasticsearch, count: int) -> float:
    install(es)  # as `earshot setup` does
    started = time.perf_counter()
    actions = (
        {
            "_op_type": "create",
            "_index": f"{MENTIONS}-{m.published:%Y.%m}",
            "_id": m.id,
            "_source": to_document(m, m.fetched),
        }
        for m in mentions(count)
    )
    for ok, item in helpers.streaming_bulk(es, actions, chunk_size=2_000, raise_on_error=False):
        if not ok:
            raise SystemExit(f"a synthetic mention was refused: {item}")
    es.indices.refresh(index=MENTIONS)
    return time.perf_counter() - started


def percentiles(work: Callable[[int], object], runs: int) -> tuple[float, float, float]:
    """p50 and p95 in ms over `runs` after one untimed run (which makes indices a deployment
    already has), then the peak Python memory (MB) of one more run."""
    work(runs + 1)
    took = []
    for n in range(runs):
        started = time.perf_counter()
        work(n)
        took.append((time.perf_counter() - started) * 1000)
    tracemalloc.start()
    work(runs)
    peak = tracemalloc.get_traced_memory()[1] / 1e6
    tracemalloc.stop()
    cuts = statistics.quantiles(took, n=20, method="inclusive")
    return statistics.median(took), cuts[18], peak


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--mentions", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=20, help="timed runs of each step")
    args = parser.parse_args()
    logging.disable(logging.INFO)  # the client logs every request; the table is the output
    profile = load_profile(DEFAULT_PROFILE)
    with private_node("scale", request_timeout=300) as (es, _):
        filled = fill(es, args.mentions)
        stored = es.count(index=MENTIONS)["count"]
        print(f"{stored:,} mentions over {DAYS} days stored in {filled:.0f} s")
        # What a deployment must size its disks and shards by (as written, before merges).
        size = es.indices.stats(index=MENTIONS, metric="store")["_all"]["primaries"]["store"]
        print(
            f"primary store {size['size_in_bytes'] / 2**30:.2f} GiB, "
            f"{size['size_in_bytes'] / max(stored, 1):,.0f} bytes per mention"
        )
        steps: list[tuple[str, Callable[[int], object]]] = [
            ("response queue (desk)", lambda n: queue(es, Filters())),
            ("alerts evaluation", lambda n: evaluate(es, profile, END - timedelta(hours=n))),
            ("digest build", lambda n: build(es, profile, LocalDay(_day(n)))),
            ("erasure by author", lambda n: erase(es, by_author(f"resident{n}"), apply=True)),
            ("retention pass", lambda n: apply_retention(es, profile.retention, END)),
        ]
        print(f"{'step':<26}{'p50 ms':>10}{'p95 ms':>10}{'peak MB':>10}   ({args.runs} runs)")
        for name, work in steps:
            p50, p95, peak = percentiles(work, args.runs)
            print(f"{name:<26}{p50:>10,.0f}{p95:>10,.0f}{peak:>10,.1f}")


def _day(n: int) -> date:
    return (END - timedelta(days=n % DAYS)).date()


if __name__ == "__main__":
    main()
