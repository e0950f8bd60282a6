"""Erase a person's mentions everywhere Earshot keeps them, when they ask.

A person is found by one post's address (`by_url`: that post exactly, however it was
shared, and never a neighbour at an address that canonicalises alike) or by their handle
(`by_author`: the keyed pseudonym, or the handle itself where it is kept). Their mentions
are deleted, and every other kind of record that may quote them changes as its own package
says (its erasure hook, listed in `HOOKS`): alerts lose those evidence entries, kept
digests their text. Erasing an author also takes their @handle out of other people's posts
and out of alert evidence: the others' words are theirs and stay, the handle is not.
Tombstones (store/tombstones.py) keep the posts from coming back.

The audit record is written first, before anything changes: an erasure that fails half-way
has its record (run again, it finds what is left and records that too), where one written
last was lost with a node that stopped after the deletes. Other records are changed before
the mentions are deleted, so an erasure that fails half-way finds the same mentions when run
again. The audit record names the person only by a fingerprint: the trail must not keep
what was erased.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

from elasticsearch import Elasticsearch, helpers

from earshot.alerts import records as alert_records
from earshot.core.errors import EarshotError
from earshot.core.near_duplicates import canonical_url, identity_url
from earshot.core.pseudonym import author_key
from earshot.digest import records as digest_records
from earshot.store import audit, naming, tombstones
from earshot.store.fields import AUTHOR_KEY, CANONICAL_LINK, HANDLE, LINK, LINK_SHARED, PUBLISHED
from earshot.store.indices import MENTIONS
from earshot.store.keeping import ErasedMention, Erasing, ErasureHook, Redaction
from earshot.store.mentions import refusal_reason

# Every kind of record that may quote a mention, or name its author in someone else's words.
HOOKS: tuple[ErasureHook, ...] = (
    naming.redact_handles,
    alert_records.redact_quotes,
    digest_records.redact_quotes,
)

_HUNT = {"ignore_unavailable": True, "allow_no_indices": True}


class ErasureIncomplete(EarshotError):
    """Elasticsearch refused some of the deletes: what is left is found again next time."""


class NotOnePost(EarshotError):
    """`--url` named a page others' reviews or comments share, not one person's post."""


@dataclass(frozen=True)
class Person:
    """Who asked, as the mention indices can find them, and as the audit trail names them."""

    query: dict
    audit_target: str
    urls: frozenset[str] = frozenset()  # addresses to match where mentions are no longer kept
    # The one post asked about, as `identity_url` gives it: what `query` finds is kept only
    # if it is at this address.
    post: str | None = None
    handle: str | None = None  # bare: how other people's posts may name them


def by_url(url: str) -> Person:
    """The post at `url`, however it was shared (tracking parameters, www., http). Not
    canonical_url's idea of the same article: `#/post/1` and `#/post/2` of a one-page site,
    or `?s=111` and `?s=222`, are two people's posts, and only the one asked about goes."""
    url = url.strip()
    if not url:
        raise ValueError("--url is empty: give the address of the post to erase")
    if urlsplit(url).scheme not in ("http", "https"):
        raise ValueError(
            f"--url {url[:80]!r} is not a web address: give it whole, as https://…, as the post "
            "was stored with it"
        )
    post = identity_url(url) or url
    return Person(
        query={
            "bool": {
                "should": [
                    {"terms": {LINK: sorted({url, post})}},
                    # candidates stored with tracking parameters; `post` picks among them
                    {"term": {CANONICAL_LINK: canonical_url(url) or url}},
                ],
                "minimum_should_match": 1,
            }
        },
        audit_target=f"url:{hashlib.sha256(url.encode()).hexdigest()}",
        urls=frozenset({url, post}),
        post=post,
    )


def by_author(handle: str) -> Person:
    """The handle with or without @, in any case. Raises PseudonymKeyMissing without the key:
    the pseudonym is how most of a person's posts are found, and how the audit names them."""
    bare = handle.strip().lstrip("@")
    if not bare:
        raise ValueError("--author is empty: give the handle of the person to erase")
    pseudonym = author_key(bare)
    names = [{"term": {HANDLE: {"value": n, "case_insensitive": True}}} for n in (bare, f"@{bare}")]
    return Person(
        query={
            "bool": {
                "should": [{"term": {AUTHOR_KEY: pseudonym}}, *names],
                "minimum_should_match": 1,
            }
        },
        audit_target=f"author:{pseudonym}",
        handle=bare,
    )


@dataclass(frozen=True)
class Erasure:
    """What was (or, before `--yes`, would be) removed, by place."""

    target: str
    mentions: tuple[str, ...]
    found: tuple[ErasedMention, ...]  # the mentions, with their addresses, in id order
    redactions: tuple[Redaction, ...]  # what each other kind of record loses
    applied: bool

    def counts(self) -> dict[str, int]:
        counts = {"mentions": len(self.mentions)}
        for redaction in self.redactions:
            counts |= redaction.counts
        return counts

    @property
    def recorded(self) -> bool:
        """Whether it was applied and found anything: only then is it in the audit trail."""
        return self.applied and any(self.counts().values())

    def changed(self) -> dict[str, tuple[str, ...]]:
        """The ids of the records removed or changed, by what they are: mention, alert, …"""
        return {"mention": self.mentions} | {
            r.place: tuple(sorted(r.updates)) for r in self.redactions
        }


def erase(es: Elasticsearch, person: Person, *, apply: bool, actor: str | None = None) -> Erasure:
    """With apply=False, only find: nothing changes and nothing is recorded."""
    if person.post is not None and _shared_page(es, person):
        raise NotOnePost(
            "that address is the page of several people's reviews or comments, not one "
            "post: erasing by it would take theirs from alerts and digests too; erase the "
            "person with --author"
        )
    found = _mentions(es, person)
    erasing = Erasing(
        mentions=tuple(found),
        links=person.urls | {m.link for m in found if m.link},
        handles=frozenset({person.handle.lower()} if person.handle else ()),
    )
    redactions = tuple(hook(es, erasing) for hook in HOOKS)
    erasure = Erasure(
        target=person.audit_target,
        mentions=tuple(sorted(erasing.ids)),
        found=tuple(sorted(found, key=lambda m: m.id)),
        redactions=redactions,
        applied=apply,
    )
    if erasure.recorded:
        audit.record(es, "erasure", person.audit_target, after=erasure.counts(), actor=actor)
        for redaction in redactions:
            for record_id, doc in redaction.updates.items():
                index = redaction.homes.get(record_id, redaction.index)
                es.update(index=index, id=record_id, doc=doc)
        tombstones.remember(es, erasing.ids, erasing.links)
        deletes = (
            {"_op_type": "delete", "_index": index, "_id": m.id} for m, index in found.items()
        )
        # Every chunk tried, so the count of those left is true: raising at the first
        # refused chunk of 500 told an author of 1,200 "500 not deleted" when none were.
        _, failed = helpers.bulk(es, deletes, raise_on_error=False)
        # One gone meanwhile (retention, another erasure) is erased: not a refusal.
        refused = [item for e in failed for item in e.values() if item.get("status") != 404]
        if refused:
            first = refused[0]
            raise ErasureIncomplete(
                f"{len(refused)} of the {len(found)} mentions were not deleted "
                f"({refusal_reason(first)[:200]}); the erasure is in the audit trail: run the same "
                "command again to finish it"
            )
        indices = ",".join([MENTIONS, *(r.index for r in redactions)])
        es.indices.refresh(index=indices, **_HUNT)
    return erasure


def _mentions(es: Elasticsearch, person: Person) -> dict[ErasedMention, str]:
    """The person's mentions, each with the monthly index it is kept in."""
    es.indices.refresh(index=MENTIONS, **_HUNT)
    hits = helpers.scan(
        es,
        index=MENTIONS,
        query={"query": person.query},
        _source_includes=[PUBLISHED, LINK, LINK_SHARED],
        **_HUNT,
    )
    found = {
        ErasedMention(
            id=hit["_id"],
            published=datetime.fromisoformat(hit["_source"][PUBLISHED]),
            link=_own_link(hit["_source"]),
        ): hit["_index"]
        for hit in hits
    }
    if person.post is None:
        return found
    return {m: index for m, index in found.items() if identity_url(m.link) == person.post}


def _own_link(doc: dict) -> str | None:
    """A mention at an address others share (a comment at its post's, a review at its
    place's) has no link of its own: erasing by that address would take everyone's comments
    there, and a tombstone on it would keep every later one out."""
    url = doc.get("url") or {}
    return None if url.get("shared") else url.get("full")


def _shared_page(es: Elasticsearch, person: Person) -> bool:
    shared = {"bool": {"filter": [person.query, {"term": {LINK_SHARED: True}}]}}
    return es.count(index=MENTIONS, query=shared, **_HUNT)["count"] > 0
