"""Tombstones: what was erased at its author's request, kept so it is never indexed again.

A post is known again by its mention id (a hash of the source and the platform's stable id
for it) or by its address as `identity_url` gives it, so a re-share with `utm_*` or `fbclid`
parameters, or the same post heard through another source, is still the erased post. Both
are kept only as hashes: nothing of the person. They are kept for good, the least that
keeps the promise: a post whose feed gives no date is dated when it is heard, so were its
tombstone to expire, the next run would store it again.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from datetime import UTC, datetime

from elasticsearch import Elasticsearch, helpers

from earshot.core.model import Mention
from earshot.core.near_duplicates import identity_url
from earshot.store.indices import ERASED, require_installed

_LOOKUP_BATCH = 1_000


def link_key(url: str | None) -> str | None:
    """The hash a tombstone keeps of an address."""
    identity = identity_url(url)
    return hashlib.sha256(identity.encode()).hexdigest() if identity else None


def remember(es: Elasticsearch, ids: Iterable[str], links: Iterable[str]) -> None:
    """Tombstones for the erased mentions' ids and for every address the post was at.
    Append-only (the pipeline's key may only add them): a post erased again keeps the
    tombstone it has."""
    require_installed(es, ERASED)
    now = datetime.now(UTC).isoformat()
    by_id = ({"_id": i, "_source": {"erased": now}} for i in sorted(ids))
    keys = sorted({key for key in map(link_key, links) if key})
    by_link = ({"_id": f"link:{key}", "_source": {"erased": now, "link": key}} for key in keys)
    stones = (
        {"_op_type": "create", "_index": ERASED, **stone}
        for source in (by_id, by_link)
        for stone in source
    )
    helpers.bulk(es, stones, ignore_status=(409,))
    # Once for the whole erasure: a refresh wait on every bulk chunk took about a second each.
    es.indices.refresh(index=ERASED)


def erased_links(es: Elasticsearch, mentions: list[Mention]) -> list[str]:
    """The ids of the mentions at an erased post's address (their own ids are looked up with
    the stored ones: store/mentions.py). A mention at an address others share is not the
    post erased there: a new comment on an erased comment's post is someone else's."""
    keys: dict[str, list[str]] = {}
    for mention in mentions:
        if not mention.link_shared and (key := link_key(mention.url)):
            keys.setdefault(key, []).append(mention.id)
    found: list[str] = []
    wanted = sorted(keys)
    for start in range(0, len(wanted), _LOOKUP_BATCH):
        batch = wanted[start : start + _LOOKUP_BATCH]
        hits = es.search(
            index=ERASED,
            query={"terms": {"link": batch}},
            size=len(batch),
            source=["link"],
            ignore_unavailable=True,
            allow_no_indices=True,
        )["hits"]["hits"]
        found.extend(i for hit in hits for i in keys[hit["_source"]["link"]])
    return found
