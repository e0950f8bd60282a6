"""Erase a person's mentions everywhere Earshot keeps them, when they ask.

A person is found by one post's address (`by_url`) or by their handle (`by_author`: the
keyed pseudonym, or the handle itself where it is kept). Their mentions are deleted; the
alerts that quoted them as evidence lose those entries and nothing else; and a kept digest
whose text quoted one of them has its text and HTML replaced by a note, keeping its figures
and charts, which are counts. (A digest's words are clipped and cleaned when rendered, so
they cannot be matched back to a post reliably; its link can, and a post with no web link
is matched by the day the digest covered, erring towards removing.)

Alerts and digests are changed before the mentions are deleted, so an erasure that fails
half-way finds the same mentions when run again. The audit record names the person only
by a fingerprint: the trail must not keep what was erased.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import UTC, datetime

from elasticsearch import Elasticsearch, helpers

from earshot.alerts.model import ALERTS
from earshot.core.near_duplicates import canonical_url
from earshot.core.pseudonym import author_key
from earshot.core.safe_text import safe_link
from earshot.digest.archive import DIGESTS
from earshot.store import audit
from earshot.store.indices import ERASED, MENTIONS, ensure_index

_HUNT = {"ignore_unavailable": True, "allow_no_indices": True}


@dataclass(frozen=True)
class Person:
    """Who asked, as the mention indices can find them, and as the audit trail names them."""

    query: dict
    audit_target: str
    urls: frozenset[str] = frozenset()  # addresses to match where mentions are no longer kept


def by_url(url: str) -> Person:
    url = url.strip()
    if not url:
        raise ValueError("--url is empty: give the address of the post to erase")
    forms = {url, canonical_url(url) or url}
    return Person(
        query={
            "bool": {
                "should": [
                    {"terms": {"url.full": sorted(forms)}},
                    {"terms": {"earshot.canonical_url": sorted(forms)}},
                ],
                "minimum_should_match": 1,
            }
        },
        audit_target=f"url:{hashlib.sha256(url.encode()).hexdigest()}",
        urls=frozenset(forms),
    )


def by_author(handle: str) -> Person:
    """The handle with or without @, in any case. Raises PseudonymKeyMissing without the key:
    the pseudonym is how most of a person's posts are found, and how the audit names them."""
    bare = handle.strip().lstrip("@")
    if not bare:
        raise ValueError("--author is empty: give the handle of the person to erase")
    pseudonym = author_key(bare)
    names = [
        {"term": {"user.name": {"value": n, "case_insensitive": True}}} for n in (bare, f"@{bare}")
    ]
    return Person(
        query={
            "bool": {
                "should": [{"term": {"user.id": pseudonym}}, *names],
                "minimum_should_match": 1,
            }
        },
        audit_target=f"author:{pseudonym}",
    )


@dataclass(frozen=True)
class _Found:
    id: str
    index: str
    published: datetime
    url: str | None


@dataclass(frozen=True)
class Erasure:
    """What was (or, before `--yes`, would be) removed, by place."""

    target: str
    mentions: tuple[str, ...]
    alerts: tuple[str, ...]  # alerts that lost evidence entries
    alert_evidence: int  # entries removed from those alerts
    digests: tuple[str, ...]  # digests whose text was replaced
    applied: bool

    def counts(self) -> dict[str, int]:
        return {
            "mentions": len(self.mentions),
            "alerts": len(self.alerts),
            "alert_evidence": self.alert_evidence,
            "digests": len(self.digests),
        }


def erase(es: Elasticsearch, person: Person, *, apply: bool, actor: str | None = None) -> Erasure:
    """With apply=False, only find: nothing changes and nothing is recorded."""
    found = _mentions(es, person)
    ids = {m.id for m in found}
    urls = person.urls | {m.url for m in found if m.url}
    alerts = _alerts_quoting(es, ids, urls)
    digests = _digests_quoting(es, found, urls)
    erasure = Erasure(
        target=person.audit_target,
        mentions=tuple(sorted(ids)),
        alerts=tuple(sorted(alerts)),
        alert_evidence=sum(removed for removed, _ in alerts.values()),
        digests=tuple(sorted(digests)),
        applied=apply,
    )
    if apply and (found or alerts or digests):
        for alert_id, (_, kept) in alerts.items():
            es.update(index=ALERTS, id=alert_id, doc={"evidence": {"mentions": kept}})
        for digest_id in digests:
            es.update(index=DIGESTS, id=digest_id, doc=_redacted())
        _remember_erased(es, ids)
        deletes = ({"_op_type": "delete", "_index": m.index, "_id": m.id} for m in found)
        helpers.bulk(es, deletes, ignore_status=(404,))
        es.indices.refresh(index=f"{MENTIONS},{ALERTS},{DIGESTS}", **_HUNT)
        audit.record(es, "erasure", person.audit_target, after=erasure.counts(), actor=actor)
    return erasure


def _mentions(es: Elasticsearch, person: Person) -> list[_Found]:
    es.indices.refresh(index=MENTIONS, **_HUNT)
    hits = helpers.scan(
        es,
        index=MENTIONS,
        query={"query": person.query},
        _source_includes=["@timestamp", "url.full"],
        **_HUNT,
    )
    return [
        _Found(
            id=hit["_id"],
            index=hit["_index"],
            published=datetime.fromisoformat(hit["_source"]["@timestamp"]),
            url=(hit["_source"].get("url") or {}).get("full"),
        )
        for hit in hits
    ]


def _alerts_quoting(
    es: Elasticsearch, ids: set[str], urls: set[str]
) -> dict[str, tuple[int, list[dict]]]:
    """Each alert quoting the person: how many entries go, and the evidence that stays."""
    if not (ids or urls) or not es.indices.exists(index=ALERTS):
        return {}
    es.indices.refresh(index=ALERTS)
    query = {
        "bool": {
            "should": [
                {"terms": {"evidence.mentions.id": sorted(ids)}},
                {"terms": {"evidence.mentions.url": sorted(urls)}},
            ],
            "minimum_should_match": 1,
        }
    }
    quoting = {}
    for hit in helpers.scan(
        es, index=ALERTS, query={"query": query}, _source_includes=["evidence.mentions"]
    ):
        listed = hit["_source"].get("evidence", {}).get("mentions", [])
        kept = [m for m in listed if m.get("id") not in ids and m.get("url") not in urls]
        quoting[hit["_id"]] = (len(listed) - len(kept), kept)
    return quoting


def _digests_quoting(es: Elasticsearch, found: list[_Found], urls: set[str]) -> set[str]:
    if not es.indices.exists(index=DIGESTS):
        return set()
    es.indices.refresh(index=DIGESTS)
    # A digest's text puts each listed post's link on a line of its own: match it whole, so
    # erasing .../post/1 leaves a digest that listed .../post/12 alone.
    links = sorted(link for link in map(safe_link, urls) if link)
    linked = re.compile("|".join(rf"(?<!\S){re.escape(link)}(?!\S)" for link in links) or "(?!)")
    unlinked = [m.published for m in found if not safe_link(m.url)]
    quoting = set()
    for hit in helpers.scan(es, index=DIGESTS, _source_includes=["period", "text"]):
        doc = hit["_source"]
        start = datetime.fromisoformat(doc["period"]["start"])
        end = datetime.fromisoformat(doc["period"]["end"])
        text = doc.get("text") or ""
        if linked.search(text) or any(start <= p < end for p in unlinked):
            quoting.add(hit["_id"])
    return quoting


def _remember_erased(es: Elasticsearch, ids: set[str]) -> None:
    """Keep the erased mentions' ids (hashes of source and post id: nothing of the person),
    so a feed or search that still carries a post never indexes it again. Retention drops
    them with the mentions' period."""
    ensure_index(es, ERASED, {"dynamic": "strict", "properties": {"erased": {"type": "date"}}})
    now = datetime.now(UTC).isoformat()
    erased = ({"_index": ERASED, "_id": i, "_source": {"erased": now}} for i in sorted(ids))
    helpers.bulk(es, erased, refresh="wait_for")


def _redacted() -> dict:
    note = (
        f"Earshot removed the text of this digest on {datetime.now(UTC):%Y-%m-%d}: it quoted "
        "a post erased at its author's request. Its figures and charts are kept."
    )
    return {"text": note, "html": f"<!doctype html><html><body><p>{note}</p></body></html>"}
