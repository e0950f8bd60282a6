"""`make bench-ingest`: one RSS source through Earshot's collect next to the plain loop a user
would write (httpx → feedparser → VADER → `helpers.bulk` with `create`).

Both run in this process against the same local Elasticsearch node and the same feed served
on loopback, alternately, each from an empty index, so a busy moment on the shared machine
falls on both. The figure to read is the ratio (median of the pairs), not the absolute rates.
"""

from __future__ import annotations

import argparse
import gc
import hashlib
import random
import statistics
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from xml.sax.saxutils import escape

import feedparser
import httpx
import yaml
from elasticsearch import Elasticsearch, helpers
from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

from bench.enrichment import texts
from bench.private_node import private_node
from earshot.app.collect import collect_source
from earshot.app.feed_server import FeedServer, Route
from earshot.core.paths import DEFAULT_PROFILE
from earshot.governance.install import install
from earshot.store.indices import CURSORS, MENTIONS, mentions_index
from listeners import load_profile

SOURCE = "bench-feed"
PLAIN_INDEX = "plain-bench"
FORCE = "Lincolnshire Police"
START = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)  # 20,000 minutes back stays in one month


def feed(count: int, seed: int = 7, off_topic: float = 0.0) -> bytes:
    """`count` distinct items with real tweet and mention texts, each naming the force but
    for an `off_topic` share, as a keyword search brings in talk about other things."""
    rng = random.Random(seed)
    pool = texts()
    items = []
    for i in range(count):
        words = rng.choice(pool)
        # Drawn only when asked for, so the default feed is the one earlier figures used.
        if off_topic and rng.random() < off_topic:
            title, text = words[:90], f"{words} (report {i})"
        else:
            title, text = f"{FORCE}: {words[:90]}", f"{words} ({FORCE}, report {i})"
        link = f"https://news.example/story/{i}"
        published = format_datetime(START - timedelta(minutes=i))
        items.append(
            f"<item><title>{escape(title)}</title><link>{link}</link>"
            f"<guid>{link}</guid><description>{escape(text)}"
            f"</description><pubDate>{published}</pubDate></item>"
        )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0"><channel>'
        "<title>Bench news</title><link>https://news.example/</link>"
        f"<description>bench</description>{''.join(items)}</channel></rss>"
    ).encode()


def plain_loop(es: Elasticsearch, url: str) -> int:
    """What a user would write by hand: no enrichment beyond VADER, no duplicates, no cursor."""
    analyzer = SentimentIntensityAnalyzer()
    parsed = feedparser.parse(httpx.get(url, timeout=60).content)
    actions = (
        {
            "_op_type": "create",
            "_index": PLAIN_INDEX,
            "_id": hashlib.sha256(entry.id.encode()).hexdigest(),
            "_source": {
                "title": entry.title,
                "text": entry.summary,
                "link": entry.link,
                "published": entry.published,
                "sentiment": analyzer.polarity_scores(f"{entry.title} {entry.summary}")["compound"],
            },
        }
        for entry in parsed.entries
    )
    stored, _ = helpers.bulk(es, actions, chunk_size=500)
    return stored


def earshot_collect(es: Elasticsearch, profile_path: Path) -> int:
    """Items handled: stored, or dropped with the reason counted (only off-topic items are)."""
    report = collect_source(es, load_profile(profile_path), SOURCE)
    return report.new + report.not_about_force


def timed(run: Callable[[], int], expected: int) -> float:
    started = time.perf_counter()
    stored = run()
    elapsed = time.perf_counter() - started
    if stored != expected:
        raise SystemExit(f"handled {stored} of {expected} items: the figures would mean nothing")
    return expected / elapsed


def clear(es: Elasticsearch) -> None:
    """Each run meets no stored mention, cursor or cluster, but finds its indices made (and
    Earshot's audit of the profile kept), as on the second day of a deployment; and no
    garbage the other run left, which would make one run pay for the other's. Outside the
    timed part."""
    names = es.indices.get(index=f"{MENTIONS}-*,{CURSORS},{PLAIN_INDEX}", ignore_unavailable=True)
    if names:
        es.indices.delete(index=",".join(names))
    install(es)  # as `earshot setup` does
    es.indices.create(index=mentions_index(START))
    es.indices.create(index=PLAIN_INDEX)
    gc.collect()


def write_profile(folder: Path, url: str, size: int) -> Path:
    """The source's size cap raised to the bench feed's size: 20,000 items are over 5 MB."""
    profile = yaml.safe_load(DEFAULT_PROFILE.read_text())
    profile["sources"] = [{"kind": "rss", "name": SOURCE, "url": url, "max_bytes": size}]
    path = folder / "profile.yaml"
    path.write_text(yaml.safe_dump(profile))
    return path


def measure(es: Elasticsearch, folder: Path, count: int, pairs: int, off_topic: float) -> None:
    body = feed(count, off_topic=off_topic)
    with FeedServer({"/feed.rss": Route(body)}) as server:
        url = server.url("/feed.rss")
        profile = write_profile(folder, url, len(body))
        rates: dict[str, list[float]] = {"plain": [], "earshot": []}
        for _ in range(pairs):
            for name, run in (
                ("plain", lambda: plain_loop(es, url)),
                ("earshot", lambda: earshot_collect(es, profile)),
            ):
                clear(es)
                rates[name].append(timed(run, count))
    plain, earshot = (statistics.median(rates[k]) for k in ("plain", "earshot"))
    ratios = [e / p for e, p in zip(rates["earshot"], rates["plain"], strict=True)]
    print(
        f"N={count:>6,}  plain loop {plain:>8,.0f} items/s   Earshot collect {earshot:>8,.0f}"
        f" items/s   Earshot / plain {statistics.median(ratios):.3f}"
        f" (pairs: {', '.join(f'{r:.3f}' for r in ratios)})"
    )
    if off_topic:  # the last run was Earshot's: what it kept of the feed
        es.indices.refresh(index=MENTIONS)
        print(f"  Earshot kept {es.count(index=MENTIONS)['count']:,} of {count:,} items")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--items", type=int, nargs="+", default=[2_000, 20_000])
    parser.add_argument("--pairs", type=int, default=3)
    parser.add_argument(
        "--off-topic",
        type=float,
        default=0.0,
        help="share of items that do not name the force (the issue's figure is at 0)",
    )
    args = parser.parse_args()
    with private_node("ingest", request_timeout=120) as (es, folder):
        print(
            f"median of {args.pairs} alternating pairs, same node, same process; "
            f"{args.off_topic:.0%} of items do not name the force"
        )
        for count in args.items:
            measure(es, folder, count, args.pairs, args.off_topic)


if __name__ == "__main__":
    main()
