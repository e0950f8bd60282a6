"""Which story a new mention belongs to: the cluster of an earlier mention with the same
canonical URL, else of one of another kind of feed with the same story key (a news search
result and the publisher's own item: earshot.store.story_keys), else of one with a
near-identical text (earshot.core.near_duplicates), else a story of its own.

Looked up in Elasticsearch, so clusters survive restarts and span sources: the batch's
canonical URLs in one exact lookup per chunk, and its band keys in one search per chunk
(a multi-search, one per mention, when a big story shares them), the candidates sharing
most bands first, then the most recent. Mentions of one
batch are matched to each other in memory, so nothing need be searchable yet.

A story a mention starts is named by its canonical URL (`story_started_by`), so copies at
one address start one story even when looked up at once by two writers. Collect tasks
running side by side take turns (earshot/store/story_lease.py): copies that meet only by
story key or by their text cannot be named alike beforehand.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from elasticsearch import Elasticsearch

from earshot.core.model import Mention
from earshot.core.near_duplicates import SAME_STORY, bands, similarity
from earshot.store.indices import MENTIONS
from earshot.store.story_keys import stored_stories

CANDIDATES = 20
CHUNK = 200
# Canonical URLs per exact lookup: one term and at most one hit each, so a round trip to
# Elasticsearch costs more than a long list (as with ids, store/mentions.py).
URL_CHUNK = 1_000
# Stored mentions sharing a band with a chunk, fetched at once; ranked here when no more.
POOL = 1_000
PER_KEY = 5  # mentions of this batch kept per band key: the story's latest few stand for it
_BANDS = "earshot.near_duplicate.bands"
_SIGNATURE = "earshot.near_duplicate.signature"
_URL = "earshot.canonical_url"
_SEARCH = {"index": MENTIONS, "ignore_unavailable": True, "allow_no_indices": True}


@dataclass(frozen=True, eq=False)  # told apart by identity: hashing 64 numbers costs more
class Earlier:
    cluster: str
    signature: tuple[int, ...]


def assign_clusters(es: Elasticsearch, mentions: list[Mention]) -> list[Mention]:
    """The mentions, oldest first, each with `cluster` set to the story heard before it that
    it is a copy of, or None when it starts one."""
    ordered = sorted(mentions, key=lambda m: m.published)
    # Band keys are hashes: made once per mention, not once per lookup.
    keys = [bands(m.signature) for m in ordered]
    by_url = _stored_by_url(es, ordered)
    stories = stored_stories(es, ordered)
    stored = _stored_near(es, keys)
    by_key: dict[str, list[Earlier]] = defaultdict(list)
    placed = []
    for mention, own, earlier in zip(ordered, keys, stored, strict=True):
        in_batch = [e for key in own for e in reversed(by_key[key][-PER_KEY:])]
        heard = (
            by_url.get(mention.canonical_url or "")
            or stories.of(mention)
            or _most_similar(mention, in_batch + earlier)
        )
        cluster = heard or story_started_by(mention)
        if mention.canonical_url:
            by_url.setdefault(mention.canonical_url, cluster)
        stories.add(mention.story_key, mention.source_kind, cluster)
        here = Earlier(cluster, mention.signature)
        for key in own:
            by_key[key].append(here)
        placed.append(mention.model_copy(update={"cluster": heard}))
    return placed


def story_started_by(mention: Mention) -> str:
    """The name of the story a mention starts: its canonical URL's, so that every copy at
    that address names the same story however many tasks start it at once (a hash: an
    erased post's address must not stay readable on its copies). Without an address, its
    own id, the name every story stored before this naming keeps (nothing is migrated).

    Not its story key: the publisher's own item, which that key joins, always has an
    address (its link), so the two could not be named alike; and a name from the key alone
    would join one site's same headline a week apart in one feed, which story keys never do.
    """
    if not mention.canonical_url:
        return mention.id
    return "url-" + hashlib.sha256(mention.canonical_url.encode()).hexdigest()[:32]


def _most_similar(mention: Mention, candidates: list[Earlier]) -> str | None:
    """Candidates come most recent first, so of two equally similar the later story wins.
    One that shares several bands is listed once per band: judged once."""
    best, best_score = None, 0.0
    for candidate in dict.fromkeys(candidates):
        score = similarity(mention.signature, candidate.signature)
        if score > best_score:
            best, best_score = candidate, score
    return best.cluster if best and best_score >= SAME_STORY else None


def _stored_by_url(es: Elasticsearch, mentions: list[Mention]) -> dict[str, str]:
    """The story each canonical URL already stored belongs to (that of its first mention)."""
    urls = sorted({m.canonical_url for m in mentions if m.canonical_url})
    found: dict[str, str] = {}
    for start in range(0, len(urls), URL_CHUNK):
        chunk = urls[start : start + URL_CHUNK]
        hits = es.search(
            **_SEARCH,
            query={"terms": {_URL: chunk}},
            collapse={"field": _URL},
            sort=[{"@timestamp": "asc"}],
            size=len(chunk),
            source=["earshot.cluster", _URL],
        )["hits"]["hits"]
        for hit in hits:
            earshot = hit["_source"]["earshot"]
            found[earshot["canonical_url"]] = earshot.get("cluster", hit["_id"])
    return found


def _stored_near(es: Elasticsearch, keys: list[list[str]]) -> list[list[Earlier]]:
    """For each mention's band keys, stored mentions sharing one: most bands shared first,
    then newest."""
    found: list[list[Earlier]] = [[] for _ in keys]
    signed = [i for i, own in enumerate(keys) if own]
    for start in range(0, len(signed), CHUNK):
        chunk = {i: keys[i] for i in signed[start : start + CHUNK]}
        pool = _pool(es, chunk.values())
        for i, earlier in (
            _ranked_by_elasticsearch(es, chunk)
            if pool is None
            else {i: _ranked(pool, set(own)) for i, own in chunk.items()}
        ).items():
            found[i] = earlier
    return found


def _pool(es: Elasticsearch, keys: Iterable[list[str]]) -> list[tuple[set[str], Earlier]] | None:
    """Every stored mention sharing a band key with any of the chunk's, newest first: one
    search for the chunk, as most texts have no near-duplicate stored. None when there are
    more than POOL (a big story re-shared all day); each mention then asks on its own."""
    wanted = sorted({key for own in keys for key in own})
    hits = es.search(
        **_SEARCH,
        query={"terms": {_BANDS: wanted}},
        size=POOL,
        track_total_hits=POOL + 1,
        sort=[{"@timestamp": "desc"}],
        source=["earshot.cluster", _SIGNATURE, _BANDS],
    )["hits"]
    if hits["total"]["value"] > POOL:
        return None
    return [
        (set(hit["_source"]["earshot"]["near_duplicate"]["bands"]), _earlier(hit))
        for hit in hits["hits"]
    ]


def _ranked(pool: list[tuple[set[str], Earlier]], keys: set[str]) -> list[Earlier]:
    """As `_candidate_query` ranks them: most bands shared, then newest (the pool's order)."""
    shared = [(len(keys & stored), earlier) for stored, earlier in pool]
    ranked = sorted((s for s in shared if s[0]), key=lambda s: -s[0])
    return [earlier for _, earlier in ranked[:CANDIDATES]]


def _ranked_by_elasticsearch(
    es: Elasticsearch, keys: dict[int, list[str]]
) -> dict[int, list[Earlier]]:
    """One search per mention in a multi-search, each returning its CANDIDATES best."""
    searches: list[dict] = []
    for own in keys.values():
        searches += [_SEARCH, _candidate_query(own)]
    found: dict[int, list[Earlier]] = {}
    for i, response in zip(keys, es.msearch(searches=searches)["responses"], strict=True):
        if "error" in response:
            raise RuntimeError(f"near-duplicate lookup failed: {response['error']}")
        found[i] = [_earlier(hit) for hit in response["hits"]["hits"]]
    return found


def _candidate_query(keys: list[str]) -> dict:
    # One point per band shared, so the score is how many of its bands a candidate shares.
    shared = [{"constant_score": {"filter": {"term": {_BANDS: key}}}} for key in keys]
    return {
        "size": CANDIDATES,
        "query": {"bool": {"should": shared}},
        "_source": ["earshot.cluster", _SIGNATURE],
        "sort": ["_score", {"@timestamp": "desc"}],
    }


def _earlier(hit: dict) -> Earlier:
    earshot = hit["_source"]["earshot"]
    return Earlier(
        cluster=earshot.get("cluster", hit["_id"]),
        signature=tuple(earshot.get("near_duplicate", {}).get("signature", [])),
    )
