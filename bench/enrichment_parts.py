"""Where enrichment's time goes: CPU seconds for one pass over the `make bench` texts, for
full enrichment and for each part alone (best of 3 passes after a warm one, so lingua's
models are loaded). The parts, run in tight loops, sum to less than the whole: interleaved,
they share the processor's caches. `python -m bench.enrichment_parts`.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime

from bench.enrichment import texts
from bench.evaluation import text_mention
from earshot.core.near_duplicates import signature
from earshot.core.paths import DEFAULT_PROFILE
from enrichment import Enricher, language
from enrichment.claims import claims_about_force
from enrichment.risk import risk_flags
from enrichment.sentiment import tone
from listeners import load_profile

PASSES = 3


def seconds(work: Callable[[object], object], items: Sequence[object]) -> float:
    for item in items:
        work(item)
    best = float("inf")
    for _ in range(PASSES):
        started = time.process_time()
        for item in items:
            work(item)
        best = min(best, time.process_time() - started)
    return best


def main() -> None:
    enricher = Enricher.for_profile(load_profile(DEFAULT_PROFILE))
    now = datetime.now(UTC)
    mentions = [text_mention(t, id="b", source="bench", now=now) for t in texts()]
    words = [f"{m.title}\n{m.text}" for m in mentions]  # as Enricher.enrich joins them
    parts: dict[str, tuple[Callable[[object], object], Sequence[object]]] = {
        "full enrichment": (enricher.enrich, mentions),
        "VADER tone": (tone, words),
        "language": (language, words),
        "topics": (enricher.topics.tags, words),
        "risk flags": (risk_flags, words),
        "claims": (claims_about_force, words),
        "MinHash signature": (signature, words),
        "toward the force": (
            lambda w: enricher.toward_force.score(w, is_reply=False, plain_tone=None),
            words,
        ),
        "places": (lambda w: enricher.places.find(w, force_named=True), words),
    }
    print(f"{len(words)} texts, CPU s per pass (best of {PASSES})")
    for name, (work, items) in parts.items():
        print(f"{name:<20}{seconds(work, items):>8.3f}")


if __name__ == "__main__":
    main()
