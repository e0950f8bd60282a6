"""Where Earshot's collect spends its time, next to the plain loop of `make bench-ingest`:
wall-clock seconds per stage of one source's run (median of the rounds after a warm one),
and what the ratio to the plain loop would be if enrichment cost nothing — how far the
issue's 0.5 is out of reach of everything but enrichment.

    python -m bench.ingest_stages [--items 2000] [--rounds 3]

Each stage is timed by wrapping the function that does it, for this process only.
"""

from __future__ import annotations

import argparse
import functools
import statistics
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from bench.ingest import clear, earshot_collect, feed, plain_loop, timed, write_profile
from bench.private_node import private_node
from earshot.app import collect
from earshot.app.feed_server import FeedServer, Route
from earshot.store import mentions
from enrichment import Enricher
from listeners.rss import RssListener

PLAIN = "plain loop, whole"
EARSHOT = "Earshot collect, whole"
# (owner, attribute, stage): each stage is the time spent inside that function.
STAGES = (
    (RssListener, "listen", "fetch and parse the feed"),
    (Enricher, "for_profile", "build the enricher"),
    (Enricher, "judge", "judge relevance"),
    (Enricher, "complete", "complete the kept"),
    (collect, "index_mentions", "index (lookups, clusters, bulk write)"),
    (mentions, "assign_clusters", "  of which the near-duplicate lookup"),
)


@contextmanager
def timed_stages(spent: dict[str, float]) -> Iterator[None]:
    # As stored (a classmethod stays one), so each is put back exactly.
    originals = [(owner, name, vars(owner)[name]) for owner, name, _ in STAGES]
    for owner, name, stage in STAGES:
        setattr(owner, name, _timer(getattr(owner, name), stage, spent))
    try:
        yield
    finally:
        for owner, name, original in originals:
            setattr(owner, name, original)


def _timer(work: Callable, stage: str, spent: dict[str, float]) -> Callable:
    @functools.wraps(work)
    def timed(*args: object, **kwargs: object) -> object:
        started = time.perf_counter()
        try:
            return work(*args, **kwargs)
        finally:
            spent[stage] += time.perf_counter() - started

    return timed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--items", type=int, default=2_000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    body = feed(args.items)
    rounds: list[dict[str, float]] = []
    with (
        private_node("ingest-stages", request_timeout=120) as (es, folder),
        FeedServer({"/feed.rss": Route(body)}) as server,
    ):
        url = server.url("/feed.rss")
        profile = write_profile(folder, url, len(body))
        for _ in range(args.rounds + 1):  # the first warms the models and the node
            spent: dict[str, float] = defaultdict(float)
            # `timed` (make bench-ingest's) refuses a run that stored fewer than all items.
            clear(es)
            spent[PLAIN] = args.items / timed(lambda: plain_loop(es, url), args.items)
            clear(es)
            with timed_stages(spent):
                spent[EARSHOT] = args.items / timed(
                    lambda: earshot_collect(es, profile), args.items
                )
            rounds.append(spent)
    rounds = rounds[1:]
    print(f"N={args.items:,}, wall-clock seconds, median of {args.rounds} rounds after a warm one")
    names = [PLAIN, EARSHOT, *(s for _, _, s in STAGES)]
    for name in names:
        print(f"  {name:<40}{statistics.median(r[name] for r in rounds):>8.2f}")
    free = [r[PLAIN] / (r[EARSHOT] - r["judge relevance"] - r["complete the kept"]) for r in rounds]
    ratios = [r[PLAIN] / r[EARSHOT] for r in rounds]
    print(
        f"Earshot / plain: {statistics.median(ratios):.3f}; "
        f"were enrichment free: {statistics.median(free):.3f}"
    )


if __name__ == "__main__":
    main()
