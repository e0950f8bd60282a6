"""`python -m bench.toward_force_speed`: what the learned half of toward_force costs per text,
next to the policing lexicon (VADER) it reads, on the texts of `make bench`.

The model must stay cheap beside VADER: a sparse dot product over the text's words.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from bench.enrichment import texts
from enrichment.learned import features
from enrichment.sentiment import TowardForce, opening

ROUNDS = 5


def microseconds_per_text(work: Callable[[], object], count: int) -> float:
    """Best of ROUNDS passes, so a busy moment on the machine does not decide the figure."""
    best = float("inf")
    for _ in range(ROUNDS):
        started = time.perf_counter()
        work()
        best = min(best, time.perf_counter() - started)
    return best / count * 1e6


def main() -> None:
    started = time.perf_counter()
    judge = TowardForce.for_force(["Lincolnshire Police", "Lincs Police", "@LincsPolice"])
    built = time.perf_counter() - started
    items = [opening(t) for t in texts()]
    scores = [judge.lexicon_score(t) for t in items]

    def lexicon() -> None:
        for text in items:
            judge.lexicon_score(text)

    def model() -> None:
        for text, score in zip(items, scores, strict=True):
            judge.learned.judge(features(text, lexicon_score=score, is_reply=True))

    print(f"texts: {len(items)}, best of {ROUNDS}; judge built (model loaded) in {built:.2f} s")
    for name, work in (
        ("policing lexicon (VADER)", lexicon),
        ("learned model (features + dot product)", model),
    ):
        print(f"{name:<40}{microseconds_per_text(work, len(items)):>8.0f} µs/text")


if __name__ == "__main__":
    main()
