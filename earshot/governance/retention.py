"""Keep each kind of record only as long as the profile says, and delete nothing else.

Monthly indices (mentions, audit) are dropped whole once their month has ended before the
cut-off and they hold nothing newer. The mentions' month that straddles the cut-off loses
only its expired documents; an audit month is kept whole until all of it has expired (up to
a month past `audit_days`), since no key may delete a single audit record. Single indices
(alerts, digests, cursors) lose expired documents. Erasure tombstones never expire: a post
its feed gives no date is dated whenever it is heard, so only its tombstone keeps it out,
for as long as the feed carries it (store/tombstones.py). Only indices whose names parse
exactly as Earshot's are touched: a user's `earshot-mentions-old` matches the wildcard but
is not Earshot's, so it stays. There is no ILM or delete_by_query in every cluster Earshot
runs on, so documents are found by search and deleted in bulk, a page at a time.
Every deletion is audited, each bulk request's as soon as it returns. A package that owns
a kind of record (alerts, the digest) says how it expires (its `RETENTION` rule); `RULES`
lists them all.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import closing
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from itertools import islice

from elasticsearch import Elasticsearch, helpers

from earshot.alerts import records as alert_records
from earshot.core.errors import EarshotError
from earshot.core.profile import Retention
from earshot.digest import records as digest_records
from earshot.store import audit
from earshot.store.fields import PUBLISHED
from earshot.store.indices import CURSORS, MENTIONS
from earshot.store.keeping import RetentionRule, older_than
from earshot.store.mentions import refusal_reason

# Every kind of record, each with its own package's rule where the record is that package's.
RULES: tuple[RetentionRule, ...] = (
    RetentionRule("mentions", MENTIONS, lambda r: r.mentions_days, older_than(PUBLISHED), True),
    alert_records.RETENTION,
    digest_records.RETENTION,
    RetentionRule("cursors", CURSORS, lambda r: r.cursors_days, older_than("updated")),
    RetentionRule(
        "audit",
        audit.AUDIT,
        lambda r: r.audit_days,
        older_than("@timestamp"),
        monthly=True,
        whole_months_only=True,
    ),
)
KINDS: tuple[str, ...] = tuple(rule.kind for rule in RULES)
_BY_KIND = {rule.kind: rule for rule in RULES}
# Documents deleted per bulk request, and so at most per audit record.
_PAGE = 1000


class RetentionRefused(EarshotError):
    """Elasticsearch refused some expired documents' deletion (a write block, a full queue):
    what it did delete is recorded, the rest is left for a retry or the next night."""


@dataclass(frozen=True)
class Deletion:
    """What one index lost: the whole index, or its expired documents."""

    kind: str
    index: str
    deleted: int
    cutoff: str
    whole_index: bool


def apply_retention(
    es: Elasticsearch, retention: Retention, now: datetime, *, actor: str | None = None
) -> list[Deletion]:
    """Every kind, as of `now` (the run's date, not the clock, so a re-run deletes the same)."""
    return [d for kind in KINDS for d in expire(es, kind, retention, now, actor=actor)]


def expire(
    es: Elasticsearch, kind: str, retention: Retention, now: datetime, *, actor: str | None = None
) -> list[Deletion]:
    """Delete one kind's records older than its retention period; audit each deletion as
    soon as it is made: a later month or page failing (a refusal, the task's timeout, a node
    lost) must not leave an earlier one, gone for good, with no record."""
    rule = _BY_KIND[kind]
    cutoff = kept_since(kind, retention, now)
    if rule.monthly:  # made one month at a time, so each is audited before the next
        deletions: Iterator[Deletion] = (
            deletion
            for index, month_end in _months(es, rule.index, before=cutoff)
            for deletion in _expire_month(es, rule, index, month_end, cutoff)
        )
    else:
        expired = rule.expired(cutoff.isoformat())
        deletions = _expire_documents(es, kind, rule.index, cutoff, expired)
    done = []
    for deletion in deletions:
        if not deletion.deleted:
            continue
        done.append(deletion)
        audit.record(
            es,
            "retention.delete",
            deletion.index,
            after={k: v for k, v in asdict(deletion).items() if k != "index"},
            actor=actor,
        )
    return done


def kept_since(kind: str, retention: Retention, now: datetime) -> datetime:
    """The cut-off for one kind as of `now`. Collection refuses mentions older than it too:
    stored, they would be deleted that night and heard again by the next run."""
    return _utc(now) - timedelta(days=_BY_KIND[kind].days(retention))


def _utc(moment: datetime) -> datetime:
    """A plain UTC datetime. A naive one is UTC, as Airflow's dates are; an aware one goes
    through its timestamp, since Airflow's pendulum dates do not all convert otherwise."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return datetime.fromtimestamp(moment.timestamp(), UTC)


_MONTH = re.compile(r"(\d{4})\.(\d{2})")


def _months(es: Elasticsearch, prefix: str, *, before: datetime) -> list[tuple[str, datetime]]:
    """Earshot's monthly indices whose month began before the cut-off, with the month's end."""
    found = []
    for name in es.indices.get(index=f"{prefix}-*"):
        match = _MONTH.fullmatch(name.removeprefix(f"{prefix}-"))
        if not match or not 1 <= int(match[2]) <= 12:
            continue
        year, month = int(match[1]), int(match[2])
        start = datetime(year, month, 1, tzinfo=UTC)
        end = datetime(year + month // 12, month % 12 + 1, 1, tzinfo=UTC)
        if start < before:
            found.append((name, end))
    return found


def _expire_month(
    es: Elasticsearch, rule: RetentionRule, index: str, month_end: datetime, cutoff: datetime
) -> Iterator[Deletion]:
    expired = rule.expired(cutoff.isoformat())
    es.indices.refresh(index=index)
    total = es.count(index=index)["count"]
    kept = es.count(index=index, query={"bool": {"must_not": [expired]}})["count"]
    if month_end <= cutoff and kept == 0:
        es.indices.delete(index=index)
        yield Deletion(rule.kind, index, total, cutoff.isoformat(), whole_index=True)
    elif not rule.whole_months_only:
        yield from _expire_documents(es, rule.kind, index, cutoff, expired)


def _expire_documents(
    es: Elasticsearch, kind: str, index: str, cutoff: datetime, expired: dict
) -> Iterator[Deletion]:
    """One Deletion per bulk request, each yielded (and so audited) before the next page is
    read; then, if Elasticsearch refused any of that request's deletions, RetentionRefused."""
    if not es.indices.exists(index=index):
        return
    es.indices.refresh(index=index)
    hits = helpers.scan(es, index=index, query={"query": expired}, _source=False, size=_PAGE)
    with closing(hits):
        while page := list(islice(hits, _PAGE)):
            result = es.bulk(
                operations=[{"delete": {"_index": h["_index"], "_id": h["_id"]}} for h in page],
                refresh="wait_for",
            )
            items = [item["delete"] for item in result["items"]]
            deleted = sum(item.get("result") == "deleted" for item in items)
            yield Deletion(kind, index, deleted, cutoff.isoformat(), whole_index=False)
            # A document gone meanwhile (an erasure) is not a refusal.
            refused = [item for item in items if item["status"] not in (200, 404)]
            if refused:
                raise RetentionRefused(
                    f"Elasticsearch refused to delete {len(refused)} of {index}'s expired "
                    f"documents, kept until retention runs again: {refusal_reason(refused[0])}"
                )
