"""The read side: figures and lists that people see, straight from Elasticsearch aggregations."""

from __future__ import annotations

from dataclasses import dataclass

from elasticsearch import Elasticsearch

from store.indices import MENTIONS


@dataclass(frozen=True)
class MentionCounts:
    total: int
    by_source: dict[str, int]
    by_tone: dict[str, int]


@dataclass(frozen=True)
class NegativeMention:
    title: str
    url: str | None
    source: str
    score: float


def mention_counts(es: Elasticsearch) -> MentionCounts:
    response = es.search(
        index=MENTIONS,
        size=0,
        track_total_hits=True,
        ignore_unavailable=True,
        aggs={
            "by_source": {"terms": {"field": "event.provider", "size": 500}},
            "by_tone": {"terms": {"field": "earshot.tone.label", "size": 10}},
        },
    )
    aggs = response.get("aggregations", {})
    return MentionCounts(
        total=response["hits"]["total"]["value"],
        by_source=_buckets(aggs.get("by_source")),
        by_tone=_buckets(aggs.get("by_tone")),
    )


def most_negative(es: Elasticsearch, limit: int = 5) -> list[NegativeMention]:
    response = es.search(
        index=MENTIONS,
        size=limit,
        ignore_unavailable=True,
        query={"term": {"earshot.tone.label": "negative"}},
        sort=[{"earshot.tone.score": "asc"}, {"@timestamp": "desc"}],
        source_includes=["earshot.title", "url.full", "event.provider", "earshot.tone.score"],
    )
    return [
        NegativeMention(
            title=hit["_source"]["earshot"]["title"],
            url=hit["_source"].get("url", {}).get("full"),
            source=hit["_source"]["event"]["provider"],
            score=hit["_source"]["earshot"]["tone"]["score"],
        )
        for hit in response["hits"]["hits"]
    ]


def _buckets(agg: dict | None) -> dict[str, int]:
    return {b["key"]: b["doc_count"] for b in (agg or {}).get("buckets", [])}
