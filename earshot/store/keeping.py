"""What each kind of record tells governance about keeping it: how long it is kept, and
what of it an erasure must change. The packages that own the records (the store itself,
alerts, the digest) each declare their own; earshot.governance composes them, so the
knowledge of an alert's evidence or a digest's text stays with the alerts and the digest.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from elasticsearch import Elasticsearch

from earshot.core.profile import Retention


@dataclass(frozen=True)
class RetentionRule:
    """One kind of record, and when a record of it has expired."""

    kind: str  # as the audit trail and the maintenance DAG name it
    index: str  # the index, or the monthly indices' name before "-YYYY.MM"
    days: Callable[[Retention], int]  # its period, from the profile's `retention`
    expired: Callable[[str], dict]  # the query for its records older than an ISO cut-off
    monthly: bool = False
    # Never deleted record by record (the audit trail): a month goes whole once all of it
    # has expired, so the key that runs retention needs no right to delete a single record.
    whole_months_only: bool = False


def older_than(field: str) -> Callable[[str], dict]:
    """Expired when `field` is before the cut-off."""
    return lambda cutoff: {"range": {field: {"lt": cutoff}}}


@dataclass(frozen=True)
class ErasedMention:
    id: str
    published: datetime
    link: str | None


@dataclass(frozen=True)
class Erasing:
    """The mentions an erasure removes, as other records may quote them: by id, by any
    address the post was shared at (which outlives an expired mention), or, for a post with
    no link, by when it was published."""

    mentions: tuple[ErasedMention, ...]
    links: frozenset[str]
    # The person's handle, bare and lower-cased, as other people's words may name them:
    # only an erasure by author knows it.
    handles: frozenset[str] = frozenset()

    @property
    def ids(self) -> frozenset[str]:
        return frozenset(m.id for m in self.mentions)


@dataclass(frozen=True)
class Redaction:
    """What an erasure changes in one index: each record's id with the fields that replace
    its own. Found first and applied after, so a look before erasing changes nothing."""

    place: str  # what one record is, as the erase command lists it: "alert", "digest"
    index: str
    updates: dict[str, dict]
    counts: dict[str, int]  # for the audit record and the command's summary
    # Where a record lives when its kind is kept in monthly indices behind `index`.
    homes: dict[str, str] = field(default_factory=dict)


# Finds what quotes the mentions in one kind of record.
ErasureHook = Callable[[Elasticsearch, Erasing], Redaction]
