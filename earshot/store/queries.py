"""The read side: figures and lists that people see, straight from Elasticsearch aggregations.

Nothing here groups, lists or picks mentions by author (were people ever counted, it would be
by their pseudonym, `user.id`), so no figure or list becomes one person's history.
"""

from __future__ import annotations

from dataclasses import dataclass

from elasticsearch import Elasticsearch

from earshot.store.fields import (
    CLUSTER,
    LINK,
    MESSAGE,
    MOST_URGENT_FIRST,
    PUBLISHED,
    RELEVANCE,
    RESPONSE,
    RESPONSE_ACTION,
    SOURCE,
    STATUS,
    TIES_SETTLED,
    TITLE,
    TONE,
    TOWARD_FORCE,
    TOWARD_FORCE_SCORE,
    negative,
)
from earshot.store.indices import MENTIONS


@dataclass(frozen=True)
class MentionCounts:
    total: int
    by_source: dict[str, int]
    by_tone: dict[str, int]
    by_toward_force: dict[str, int]
    by_relevance: dict[str, int]  # why kept: named, reply, local-policing


@dataclass(frozen=True)
class Listed:
    """A mention as a list shows it: enough to judge it and follow the link."""

    title: str
    url: str | None
    source: str
    toward_force: float
    action: str
    priority: int
    reasons: list[str]


_LISTED_FIELDS = [TITLE, MESSAGE, LINK, SOURCE, "earshot.toward_force", RESPONSE]


def mention_counts(es: Elasticsearch) -> MentionCounts:
    response = es.search(
        index=MENTIONS,
        size=0,
        track_total_hits=True,
        ignore_unavailable=True,
        aggs={
            "by_source": {"terms": {"field": SOURCE, "size": 500}},
            "by_tone": {"terms": {"field": TONE, "size": 10}},
            "by_toward_force": {"terms": {"field": TOWARD_FORCE, "size": 10}},
            "by_relevance": {"terms": {"field": RELEVANCE, "size": 10}},
        },
    )
    aggs = response.get("aggregations", {})
    return MentionCounts(
        total=response["hits"]["total"]["value"],
        by_source=_buckets(aggs.get("by_source")),
        by_tone=_buckets(aggs.get("by_tone")),
        by_toward_force=_buckets(aggs.get("by_toward_force")),
        by_relevance=_buckets(aggs.get("by_relevance")),
    )


def most_negative(es: Elasticsearch, limit: int = 5) -> list[Listed]:
    """Most negative toward the force: criticism of the force, not grim crime news."""
    return _listed(
        es,
        query=negative(),
        sort=[{TOWARD_FORCE_SCORE: "asc"}, {PUBLISHED: "desc"}, *TIES_SETTLED],
        limit=limit,
    )


def response_queue(es: Elasticsearch, limit: int = 10) -> list[Listed]:
    """What still needs a response, most urgent first."""
    return _listed(
        es,
        query={
            "bool": {
                "filter": [{"term": {STATUS: "new"}}],
                "must_not": [{"term": {RESPONSE_ACTION: "no-action"}}],
            }
        },
        sort=MOST_URGENT_FIRST,
        limit=limit,
    )


def _listed(es: Elasticsearch, *, query: dict, sort: list, limit: int) -> list[Listed]:
    """One line per story, its first copy in `sort`'s order, as the desk lists them: a story
    heard from ten sites is answered once."""
    response = es.search(
        index=MENTIONS,
        size=limit,
        ignore_unavailable=True,
        query=query,
        sort=sort,
        collapse={"field": CLUSTER},
        source_includes=_LISTED_FIELDS,
    )
    return [_as_listed(hit["_source"]) for hit in response["hits"]["hits"]]


def _as_listed(doc: dict) -> Listed:
    earshot = doc["earshot"]
    response = earshot.get("response", {})
    return Listed(
        title=earshot["title"] or doc.get("message", "")[:120],
        url=doc.get("url", {}).get("full"),
        source=doc["event"]["provider"],
        toward_force=earshot.get("toward_force", {}).get("score", 0.0),
        action=response.get("action", "no-action"),
        priority=response.get("priority", 0),
        reasons=response.get("reasons", []),
    )


def _buckets(agg: dict | None) -> dict[str, int]:
    return {b["key"]: b["doc_count"] for b in (agg or {}).get("buckets", [])}
