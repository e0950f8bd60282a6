"""`make bench`: mentions per second of enrichment next to VADER alone, same texts: as
collect runs it (every text judged for relevance, the kept ones completed), every text
enriched whole (as `make eval` does), and the kept texts alone enriched whole, so the
saving from dropping early is never read as a cheaper mention.

The texts are the VADER tweets and the police-labelled mentions in tests/data/. Building
the Enricher (gazetteer, regexes, language models) is a one-off per process and is
reported on its own line. The two sides run in alternating rounds, so the figure to read on
a shared machine is the ratio (the median of the rounds'), not the absolute rates.
"""

from __future__ import annotations

import csv
import statistics
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

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


def per_second(work: Callable[[Any], object], items: Sequence[object]) -> float:
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
    heard = [text_mention(text, id="b", source="bench", now=now) for text in items]
    enricher.enrich(heard[0])  # loads the language models and VADER's lexicon
    built = time.perf_counter() - started
    kept = [m for m in heard if enricher.judge(m).kept]
    kept_texts = [m.text for m in kept]

    def as_collect_runs_it(mention: Mention) -> Mention | None:
        judged = enricher.judge(mention)
        return enricher.complete(judged) if judged.kept else None

    # Each figure next to VADER on the same texts, in alternating passes, so a busy moment
    # on the shared machine falls on both sides of a ratio; the ratio is the median of the
    # rounds', the rates each side's best.
    figures = {
        "as collect runs it (judge all, complete the kept)": (as_collect_runs_it, heard, items),
        "every text enriched whole (as make eval does)": (enricher.enrich, heard, items),
        f"only the {len(kept):,} kept texts, enriched whole": (enricher.enrich, kept, kept_texts),
    }
    print(f"texts: {len(items):,} (VADER tweets + police-labelled mentions), {ROUNDS} rounds;")
    print(f"{len(kept):,} of them are kept (about the force, or in its area and about policing)")
    print(f"one-off Enricher build incl. gazetteer and language models: {built:.1f} s")
    for name, (work, mentions, plain) in figures.items():
        rounds = [(per_second(tone, plain), per_second(work, mentions)) for _ in range(ROUNDS)]
        ratios = [f / v for v, f in rounds]
        print(f"\n{name}")
        print(f"  {'VADER alone (tone), best round':<38}{max(v for v, _ in rounds):>10,.0f} /s")
        print(f"  {'enrichment, best round':<38}{max(f for _, f in rounds):>10,.0f} /s")
        print(
            f"  {'enrichment / VADER alone':<38}{statistics.median(ratios):>10.3f}"
            f"   (median of rounds: {', '.join(f'{r:.3f}' for r in ratios)})"
        )


if __name__ == "__main__":
    main()
