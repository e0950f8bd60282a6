"""Enrichment: pure functions over a Mention and the profile. No I/O, so fast and testable."""

from __future__ import annotations

from earshot.model import Mention
from enrichment.relevance import ForceMatcher
from enrichment.sentiment import tone


def enrich(mention: Mention, force: ForceMatcher) -> Mention:
    words = f"{mention.title}\n{mention.text}"
    return mention.model_copy(update={"force_terms": force.terms_in(words), "tone": tone(words)})


__all__ = ["ForceMatcher", "enrich"]
