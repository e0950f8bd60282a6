"""Which story a news search result and a publisher's own feed item share: their story key
(earshot.core.near_duplicates.story_key), matched only between kinds of feed.

A search engine's result and the publisher's item of the same article share no link (the
engine's is its redirect) and rarely enough words (the engine carries only the headline),
but they name the same site and headline. One site's own feed may well run the same
headline twice (a weekly round-up), so a key joins a story only across kinds of source, and
only within STORY_WINDOW of the batch. Looked up like canonical URLs: one exact lookup per
kind of source in the batch, per chunk of keys.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta

from elasticsearch import Elasticsearch

from earshot.core.model import Mention
from earshot.store.fields import PLATFORM, PUBLISHED, STORY_KEY
from earshot.store.indices import MENTIONS

CHUNK = 1_000  # keys per exact lookup, at most one hit each: as canonical URLs (clusters.py)
STORY_WINDOW = timedelta(days=3)  # a search engine lists an article within hours of its feed
_SEARCH = {"index": MENTIONS, "ignore_unavailable": True, "allow_no_indices": True}


class Stories:
    """Story keys → the story each kind of source has them in (the first one heard)."""

    def __init__(self) -> None:
        self._by_key: dict[str, dict[str, str]] = defaultdict(dict)

    def of(self, mention: Mention) -> str | None:
        """The story of another kind's mention with this one's key, if one was heard."""
        kinds = self._by_key.get(mention.story_key or "", {})
        return next((story for kind, story in kinds.items() if kind != mention.source_kind), None)

    def add(self, key: str | None, kind: str, story: str) -> None:
        if key:
            self._by_key[key].setdefault(kind, story)


def stored_stories(es: Elasticsearch, mentions: list[Mention]) -> Stories:
    """The stories stored mentions of another kind have the batch's keys in."""
    stories = Stories()
    keyed: dict[str, list[Mention]] = defaultdict(list)
    for mention in mentions:
        if mention.story_key:
            keyed[mention.source_kind].append(mention)
    for kind, batch in keyed.items():
        keys = sorted({m.story_key for m in batch if m.story_key})
        published = [m.published for m in batch]
        window = {
            "gte": (min(published) - STORY_WINDOW).isoformat(),
            "lte": (max(published) + STORY_WINDOW).isoformat(),
        }
        for start in range(0, len(keys), CHUNK):
            chunk = keys[start : start + CHUNK]
            query = {
                "bool": {
                    "filter": [{"terms": {STORY_KEY: chunk}}, {"range": {PUBLISHED: window}}],
                    "must_not": {"term": {PLATFORM: f"earshot.{kind}"}},
                }
            }
            hits = es.search(
                **_SEARCH,
                query=query,
                collapse={"field": STORY_KEY},
                sort=[{PUBLISHED: "asc"}],
                size=len(chunk),
                source=["earshot.cluster", STORY_KEY, PLATFORM],
            )["hits"]["hits"]
            for hit in hits:
                found = hit["_source"]
                story = found["earshot"].get("cluster", hit["_id"])
                other = found["event"]["dataset"].removeprefix("earshot.")
                stories.add(found["earshot"]["story_key"], other, story)
    return stories
