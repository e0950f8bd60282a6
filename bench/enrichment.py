"""`make bench`: mentions per second for full enrichment next to VADER alone, same texts.

The texts are the VADER tweets and the police-labelled mentions in tests/data/. Building
the Enricher (gazetteer, regexes, language models) is a one-off per process and is
reported on its own line. The two sides run in alternating rounds, so the figure to read on
a shared machine is the ratio (the median of the rounds'), not the absolute rates.
"""

from __future__ import annotations

import csv
import statistics
import time
from collections.abc import Callable
from datetime import UTC, datetime

from bench.evaluation import DATA, load_examples, text_mention
from earshot.core.model import Mention
from earshot.core.paths import DEFAULT_PROFILE
from enrichment import Enricher
from enrichment.sentiment import tone
from listeners import load_profile

ROUNDS = 5


def texts() -> list[str]:
    with (DATA / "vader_tweets_ground_truth.tsv").open(encoding="utf-8", newline="") as f:
        tweets = [row[2] for row in csv.reader(f, delimiter="\t", quoting=csv.QUOTE_NONE)]
    return tweets + [e["text"] for e in load_examples()]


def per_second(work: Callable[[str], object], items: list[str]) -> float:
    """By this process's CPU time: the other processes on a shared machine barely move it,
    where they swing wall-clock rates several-fold (enrichment does no I/O to wait on)."""
    started = time.process_time()
    for item in items:
        work(item)
    return len(items) / (time.process_time() - started)


def main() -> None:
    items = texts()
    started = time.perf_counter()
    enricher = Enricher.for_profile(load_profile(DEFAULT_PROFILE))
    now = datetime.now(UTC)

    def enrich(text: str) -> Mention:
        return enricher.enrich(text_mention(text, id="b", source="bench", now=now))

    enrich(items[0])  # loads the language models and VADER's lexicon
    built = time.perf_counter() - started
    # Alternating passes, so a busy moment on the shared machine falls on both sides of a
    # ratio; the ratio is the median of the rounds', the rates each side's best.
    rounds = [(per_second(tone, items), per_second(enrich, items)) for _ in range(ROUNDS)]
    vader = max(v for v, _ in rounds)
    full = max(f for _, f in rounds)
    ratios = [f / v for v, f in rounds]
    print(f"texts: {len(items)} (VADER tweets + police-labelled mentions), {ROUNDS} rounds")
    print(f"one-off Enricher build incl. gazetteer and language models: {built:.1f} s")
    print(f"{'VADER alone (tone), best round':<40}{vader:>10,.0f} mentions/s")
    print(f"{'full enrichment, best round':<40}{full:>10,.0f} mentions/s")
    print(
        f"{'full enrichment / VADER alone':<40}{statistics.median(ratios):>10.3f}"
        f"   (median of alternating rounds: {', '.join(f'{r:.3f}' for r in ratios)})"
    )


if __name__ == "__main__":
    main()
