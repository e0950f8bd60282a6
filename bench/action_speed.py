"""`python -m bench.action_speed`: what the action's learned second opinion costs per text,
next to the rules alone, on the enriched texts of `make bench`."""

from __future__ import annotations

from datetime import UTC, datetime

from bench.enrichment import texts
from bench.evaluation import text_mention
from bench.toward_force_speed import ROUNDS, microseconds_per_text
from earshot.core.paths import DEFAULT_PROFILE
from enrichment import Enricher
from enrichment.response import by_rules, recommend
from listeners import load_profile


def main() -> None:
    enricher = Enricher.for_profile(load_profile(DEFAULT_PROFILE))
    now = datetime.now(UTC)
    mentions = [
        enricher.enrich(text_mention(text, id=str(i), source="bench", now=now))
        for i, text in enumerate(texts())
    ]
    print(f"texts: {len(mentions)}, best of {ROUNDS}")
    for name, decide in (("rules alone", by_rules), ("rules + learned second opinion", recommend)):
        cost = microseconds_per_text(lambda d=decide: [d(m) for m in mentions], len(mentions))
        print(f"{name:<40}{cost:>8.0f} µs/text")


if __name__ == "__main__":
    main()
