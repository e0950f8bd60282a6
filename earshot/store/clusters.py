"""Which story a new mention belongs to: the cluster of an earlier mention with the same
canonical URL or a near-identical text (enrichment/duplicates.py), else its own.

Looked up in Elasticsearch (band keys and canonical URLs are keywords, one multi-search
per chunk), so clusters survive restarts and span sources; mentions of one batch are
matched to each other through the same keys in memory.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from elasticsearch import Elasticsearch

from earshot.core.model import Mention
from earshot.core.near_duplicates import SAME_STORY, bands, similarity
from earshot.store.indices import MENTIONS

CANDIDATES = 20
CHUNK = 200
PER_KEY = 5  # earlier mentions kept per band key: a story's first few stand for it


@dataclass(frozen=True)
class Earlier:
    cluster: str
    canonical_url: str | None
    signature: tuple[int, ...]


def assign_clusters(es: Elasticsearch, mentions: list[Mention]) -> list[Mention]:
    """The mentions, oldest first, each with `cluster` set."""
    ordered = sorted(mentions, key=lambda m: m.published)
    stored = _stored_candidates(es, ordered)
    by_key: dict[str, list[Earlier]] = defaultdict(list)
    placed = []
    for mention, earlier in zip(ordered, stored, strict=True):
        keys = _keys(mention)
        in_batch = [e for key in keys for e in by_key.get(key, [])]
        cluster = _best_cluster(mention, earlier + in_batch) or mention.id
        me = Earlier(cluster, mention.canonical_url, mention.signature)
        for key in keys:
            if len(by_key[key]) < PER_KEY:
                by_key[key].append(me)
        placed.append(mention.model_copy(update={"cluster": cluster}))
    return placed


def _keys(mention: Mention) -> list[str]:
    url = [f"url:{mention.canonical_url}"] if mention.canonical_url else []
    return url + bands(mention.signature)


def _best_cluster(mention: Mention, candidates: list[Earlier]) -> str | None:
    for candidate in candidates:
        if mention.canonical_url and candidate.canonical_url == mention.canonical_url:
            return candidate.cluster
    best = max(candidates, key=lambda c: similarity(mention.signature, c.signature), default=None)
    if best and similarity(mention.signature, best.signature) >= SAME_STORY:
        return best.cluster
    return None


def _stored_candidates(es: Elasticsearch, mentions: list[Mention]) -> list[list[Earlier]]:
    found: list[list[Earlier]] = []
    for start in range(0, len(mentions), CHUNK):
        chunk = mentions[start : start + CHUNK]
        searches: list[dict] = []
        for mention in chunk:
            searches += [{"index": MENTIONS, "ignore_unavailable": True}, _candidate_query(mention)]
        responses = es.msearch(searches=searches)["responses"] if chunk else []
        for response in responses:
            if "error" in response:
                raise RuntimeError(f"near-duplicate lookup failed: {response['error']}")
            found.append([_earlier(hit) for hit in response["hits"]["hits"]])
    return found


def _candidate_query(mention: Mention) -> dict:
    should: list[dict] = [{"terms": {"earshot.near_duplicate.bands": bands(mention.signature)}}]
    if mention.canonical_url:
        should.append({"term": {"earshot.canonical_url": mention.canonical_url}})
    return {
        "size": CANDIDATES,
        "query": {"bool": {"should": should, "minimum_should_match": 1}},
        "_source": ["earshot.cluster", "earshot.canonical_url", "earshot.near_duplicate"],
        "sort": [{"@timestamp": "asc"}],
    }


def _earlier(hit: dict) -> Earlier:
    earshot = hit["_source"]["earshot"]
    return Earlier(
        cluster=earshot.get("cluster", hit["_id"]),
        canonical_url=earshot.get("canonical_url"),
        signature=tuple(earshot.get("near_duplicate", {}).get("signature", [])),
    )
