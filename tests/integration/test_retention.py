"""Retention deletes exactly what is older than the profile says, and nothing else."""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from elasticsearch import Elasticsearch, helpers

from earshot.alerts.model import (
    ALERTS,
    Alert,
    Evidence,
    StatusChange,
    alert_id,
    ensure_alerts,
    to_document,
)
from earshot.core.profile import Retention
from earshot.digest.archive import DIGESTS, ensure_archive
from earshot.governance.retention import RetentionRefused, apply_retention, expire
from earshot.store import audit
from earshot.store.indices import CURSORS, ERASED, MENTIONS, ensure_indices
from tests.node_way import interleaving

# As of 03:30 on 15 November 2026, with the default periods (cut-offs in CUTOFF_DAYS).
AS_OF = datetime(2026, 11, 15, 3, 30, tzinfo=UTC)
BYSTANDERS = ("earshot-mentions-notes", "earshot-audit-2024.09-export")
OTHER_INDEX = "other-index"


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


@dataclass(frozen=True)
class Seeded:
    """The ids that must remain after retention as of AS_OF, by index pattern."""

    mentions: set[str]
    alerts: set[str]
    digests: set[str]
    cursors: set[str]
    audit: set[str]
    erased: set[str]


def seed(es: Elasticsearch) -> Seeded:
    """Records of every kind spanning longer than their retention periods, plus indices that
    look like Earshot's but are not, and one that is nobody's business of ours."""
    ensure_indices(es)
    ensure_alerts(es)
    ensure_archive(es)
    audit.ensure_audit(es)
    mentions = {
        "feb": "2026-02-10T12:00",  # whole month expired
        "apr-first": "2026-04-01T00:00",
        "apr-last": "2026-04-30T23:59",  # whole month expired, to its last minute
        "may-early": "2026-05-02T09:00",  # straddling month: expired
        "may-cutoff": "2026-05-19T03:29",  # a minute before the cut-off: expired
        "may-late": "2026-05-25T09:00",  # straddling month: kept
        "jun": "2026-06-15T12:00",
        "aug": "2026-08-01T12:00",
        "oct": "2026-10-31T23:00",
        "nov": "2026-11-14T08:00",
    }
    for name, published in mentions.items():
        es.index(
            index=f"{MENTIONS}-{published[:7].replace('-', '.')}",
            id=name,
            document={"@timestamp": at(published).isoformat(), "message": name},
        )
    # A late mention filed under an old month keeps that month's index alive.
    es.index(
        index=f"{MENTIONS}-2026.01",
        id="filed-late",
        document={"@timestamp": at("2026-06-02T10:00").isoformat()},
    )
    es.index(
        index=f"{MENTIONS}-2026.01",
        id="jan",
        document={"@timestamp": at("2026-01-20T10:00").isoformat()},
    )
    for bystander in BYSTANDERS:
        es.index(index=bystander, id="note", document={"@timestamp": "2020-01-01T00:00:00Z"})
    es.options(ignore_status=404).indices.delete(index=OTHER_INDEX)
    es.index(index=OTHER_INDEX, id="theirs", document={"@timestamp": "2020-01-01T00:00:00Z"})

    alerts = {
        "resolved-long-ago": ("2025-09-01T10:00", "resolved", "2025-10-01T10:00"),
        "still-open": ("2025-09-01T11:00", "open", None),
        "acknowledged-never-resolved": ("2025-09-02T11:00", "acknowledged", None),
        "opened-old-resolved-recently": ("2025-11-01T10:00", "resolved", "2025-12-01T10:00"),
        "recent": ("2026-05-01T10:00", "resolved", "2026-05-02T10:00"),
    }
    alert_ids = {}
    for key, (opened, status, resolved) in alerts.items():
        alert = _alert(key, at(opened), status, at(resolved) if resolved else None)
        es.index(index=ALERTS, id=alert.id, document=to_document(alert))
        alert_ids[key] = alert.id

    for digest_id, period_end in {
        "2025-10-01.run": "2025-10-02T00:00",
        "2025-11-14.run": "2025-11-15T00:00",  # ended just before the cut-off
        "2025-11-20.run": "2025-11-21T00:00",
        "2026-11-14.run": "2026-11-15T00:00",
    }.items():
        end = at(period_end)
        es.index(
            index=DIGESTS,
            id=digest_id,
            document={
                "date": (end - timedelta(days=1)).date().isoformat(),
                "period": {"start": (end - timedelta(days=1)).isoformat(), "end": end.isoformat()},
                "text": "figures",
            },
        )

    for source, updated in {"old-blog": "2026-07-01T00:00", "news": "2026-11-15T03:00"}.items():
        es.index(
            index=CURSORS,
            id=source,
            document={"source": source, "state": {}, "updated": at(updated).isoformat()},
        )

    for mention_id, erased in {
        "erased-long-ago": "2026-03-01T10:00",
        "erased": "2026-10-01T10:00",
    }.items():
        es.index(index=ERASED, id=mention_id, document={"erased": at(erased).isoformat()})

    for record_id, when in {
        "audit-sep-2024": "2024-09-10T10:00",  # whole month expired
        # The straddling month is kept whole until all of it has expired: the maintenance key
        # may drop an audit month, never delete a record from one.
        "audit-nov-2024-early": "2024-11-02T10:00",
        "audit-nov-2024-late": "2024-11-20T10:00",
        "audit-jun-2025": "2025-06-01T10:00",
    }.items():
        es.index(
            index=f"{audit.AUDIT}-{when[:7].replace('-', '.')}",
            id=record_id,
            document={
                "@timestamp": at(when).isoformat(),
                "action": "mention.status",
                "target": "m1",
                "actor": {"name": "analyst", "principal": "elastic"},
            },
        )
    es.indices.refresh(index="earshot-*," + OTHER_INDEX)
    return Seeded(
        mentions={"may-late", "jun", "aug", "oct", "nov", "filed-late"},
        alerts={
            alert_ids[k]
            for k in ("still-open", "acknowledged-never-resolved", "opened-old-resolved-recently")
        }
        | {alert_ids["recent"]},
        digests={"2025-11-20.run", "2026-11-14.run"},
        cursors={"news"},
        audit={"audit-nov-2024-early", "audit-nov-2024-late", "audit-jun-2025"},
        erased={"erased-long-ago", "erased"},  # tombstones never expire
    )


def _alert(key: str, opened: datetime, status: str, resolved: datetime | None) -> Alert:
    return Alert(
        id=alert_id("negative-spike", key, 60, opened),
        rule="negative-spike",
        key=key,
        window_minutes=60,
        status=status,
        opened=opened,
        updated=resolved or opened,
        message=f"Negative talk: {key}",
        evidence=Evidence(
            window_start=opened - timedelta(hours=1),
            window_end=opened,
            count=9,
            baseline=1.5,
            probability=0.0001,
        ),
        resolved=StatusChange(at=resolved, by="engine") if resolved else None,
    )


def remaining(es: Elasticsearch, index: str) -> set[str]:
    es.indices.refresh(index=index, ignore_unavailable=True, allow_no_indices=True)
    hits = es.search(
        index=index, size=1000, source=False, ignore_unavailable=True, allow_no_indices=True
    )["hits"]["hits"]
    return {hit["_id"] for hit in hits}


def assert_only_unexpired_remain(es: Elasticsearch, seeded: Seeded) -> None:
    assert remaining(es, f"{MENTIONS}-2*") == seeded.mentions
    assert remaining(es, ALERTS) == seeded.alerts
    assert remaining(es, DIGESTS) == seeded.digests
    assert remaining(es, CURSORS) == seeded.cursors
    assert remaining(es, ERASED) == seeded.erased
    kept_audit = {i for i in remaining(es, f"{audit.AUDIT}-2*") if i.startswith("audit-")}
    assert kept_audit == seeded.audit
    for index in (*BYSTANDERS, OTHER_INDEX):
        assert remaining(es, index) == {"theirs" if index == OTHER_INDEX else "note"}, index
    months = set(es.indices.get(index=f"{MENTIONS}-2*"))
    assert months == {f"{MENTIONS}-2026.{m:02d}" for m in (1, 5, 6, 8, 10, 11)}
    assert f"{audit.AUDIT}-2024.09" not in es.indices.get(index=f"{audit.AUDIT}-*")


CUTOFF_DAYS = {
    "mentions": "2026-05-19",
    "alerts": "2025-11-15",
    "digests": "2025-11-15",
    "cursors": "2026-08-17",
    "audit": "2024-11-15",
}
EXPECTED_DELETIONS = {
    # (kind, index): (documents deleted, whole index)
    ("mentions", f"{MENTIONS}-2026.01"): (1, False),
    ("mentions", f"{MENTIONS}-2026.02"): (1, True),
    ("mentions", f"{MENTIONS}-2026.04"): (2, True),
    ("mentions", f"{MENTIONS}-2026.05"): (2, False),
    ("alerts", ALERTS): (1, False),
    ("digests", DIGESTS): (2, False),
    ("cursors", CURSORS): (1, False),
    ("audit", f"{audit.AUDIT}-2024.09"): (1, True),
}


def assert_each_deletion_audited_once(es: Elasticsearch, actor: str) -> None:
    records = audit.history(es, action="retention.delete")
    assert len(records) == len(EXPECTED_DELETIONS)
    by_target = {(r["after"]["kind"], r["target"]): r for r in records}
    assert by_target.keys() == EXPECTED_DELETIONS.keys()
    for key, (deleted, whole) in EXPECTED_DELETIONS.items():
        record = by_target[key]
        assert record["after"]["deleted"] == deleted, key
        assert record["after"]["whole_index"] is whole, key
        assert record["after"]["cutoff"].startswith(CUTOFF_DAYS[key[0]])
        assert record["actor"]["name"] == actor and audit.principal(record) == "elastic"
        assert record["@timestamp"]


@pytest.mark.elasticsearch
def test_retention_deletes_exactly_the_expired_records_of_every_kind(es):
    seeded = seed(es)
    deletions = apply_retention(es, Retention(), AS_OF, actor="dpo-test")
    assert {(d.kind, d.index): (d.deleted, d.whole_index) for d in deletions} == (
        EXPECTED_DELETIONS
    )
    assert_only_unexpired_remain(es, seeded)
    assert_each_deletion_audited_once(es, "dpo-test")


@pytest.mark.elasticsearch
def test_a_second_run_on_the_same_day_deletes_nothing_and_records_nothing(es):
    seed(es)
    apply_retention(es, Retention(), AS_OF)
    before = len(audit.history(es))
    assert apply_retention(es, Retention(), AS_OF) == []
    assert len(audit.history(es)) == before


@pytest.mark.elasticsearch
def test_shorter_periods_in_the_profile_delete_more(es):
    seed(es)
    apply_retention(es, Retention(mentions_days=30, cursors_days=1), AS_OF)
    assert remaining(es, f"{MENTIONS}-2*") == {"oct", "nov"}
    assert remaining(es, CURSORS) == {"news"}  # updated half an hour before the run
    assert remaining(es, "earshot-mentions-notes") == {"note"}


@pytest.mark.elasticsearch
def test_what_a_run_deleted_before_elasticsearch_refused_the_rest_is_audited(es):
    """A run stopped part way (here a write block; a 429, the task's timeout or a node lost
    alike) has already deleted its earlier requests' documents for good: each is recorded."""
    ensure_indices(es)
    stale = at("2026-01-01T00:00").isoformat()
    helpers.bulk(
        es,
        (
            {"_index": CURSORS, "_id": f"s{n}", "source": f"s{n}", "state": {}, "updated": stale}
            for n in range(2500)
        ),
        refresh=True,
    )

    def block_writes() -> None:
        es.indices.put_settings(index=CURSORS, settings={"index.blocks.write": True})

    node = os.environ["EARSHOT_ELASTICSEARCH_URL"]
    password = os.environ["EARSHOT_ELASTICSEARCH_PASSWORD"]
    try:
        with interleaving(node, block_writes, before="/_search/scroll") as way:
            through = Elasticsearch(way, basic_auth=("elastic", password), request_timeout=60)
            with pytest.raises(RetentionRefused, match="blocked"):
                expire(through, "cursors", Retention(), AS_OF, actor="airflow:earshot_maintenance")
    finally:
        es.indices.put_settings(index=CURSORS, settings={"index.blocks.write": False})
    es.indices.refresh(index=CURSORS)
    gone = 2500 - es.count(index=CURSORS)["count"]
    assert gone > 0
    recorded = audit.history(es, action="retention.delete")
    assert sum(r["after"]["deleted"] for r in recorded) == gone
    assert {r["actor"]["name"] for r in recorded} == {"airflow:earshot_maintenance"}
