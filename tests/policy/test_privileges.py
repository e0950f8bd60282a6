"""Least privilege for the pipeline's keys, on the real node's file realm (tests/file_realm.py):
the writer writes Earshot's current indices and nothing about templates or mappings; whole
months go only with the maintenance key; audit records and tombstones are append-only for the
pipeline; an index that is merely named like Earshot's never joins Earshot's aliases.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, datetime
from functools import partial

import pytest
from elasticsearch import AuthorizationException, Elasticsearch

from earshot.alerts.model import ALERTS
from earshot.core.profile import Retention
from earshot.governance.retention import apply_retention
from earshot.governance.security import ANALYST_ROLE, MAINTENANCE_ROLE, WRITER_ROLE
from earshot.store import audit
from earshot.store.indices import ERASED, MENTIONS
from earshot.store.local_node import LocalNode
from earshot.store.mentions import IndexingError, index_mentions
from earshot.store.tombstones import remember
from tests.file_realm import realm_users
from tests.integration.test_store import mention

pytestmark = pytest.mark.elasticsearch

NOVEMBER = datetime(2026, 11, 21, 7, 0, tzinfo=UTC)
LAST_YEAR = datetime(2025, 3, 14, 9, 0, tzinfo=UTC)
USERS = {
    WRITER_ROLE: "earshot-pipeline",
    MAINTENANCE_ROLE: "earshot-maintenance",
    ANALYST_ROLE: "earshot-analyst",
}


@pytest.fixture(scope="module")
def passwords(es_node: LocalNode) -> Iterator[dict[str, str]]:
    with realm_users(es_node, USERS) as passwords:
        yield passwords


def _as(role: str, passwords: dict[str, str]) -> Elasticsearch:
    user = USERS[role]
    return Elasticsearch(
        os.environ["EARSHOT_ELASTICSEARCH_URL"],
        request_timeout=30,
        basic_auth=(user, passwords[user]),
    )


@pytest.fixture
def pipeline(es: Elasticsearch, passwords: dict[str, str]) -> Elasticsearch:
    return _as(WRITER_ROLE, passwords)


@pytest.fixture
def maintenance(es: Elasticsearch, passwords: dict[str, str]) -> Elasticsearch:
    return _as(MAINTENANCE_ROLE, passwords)


@pytest.fixture
def analyst(es: Elasticsearch, passwords: dict[str, str]) -> Elasticsearch:
    return _as(ANALYST_ROLE, passwords)


def _cannot(*calls) -> None:
    for call in calls:
        with pytest.raises(AuthorizationException):
            call()


def test_the_writer_cannot_put_a_template_that_would_take_in_another_teams_index(es, pipeline):
    _cannot(
        lambda: pipeline.indices.put_index_template(
            name="team-b-into-earshot",
            index_patterns=["team-b-*"],
            priority=500,
            template={"aliases": {MENTIONS: {}}},
        ),
        lambda: pipeline.indices.put_index_template(
            name="block-team-b",
            index_patterns=["team-b-*"],
            priority=500,
            template={"settings": {"index.blocks.write": True}},
        ),
        lambda: pipeline.indices.delete_index_template(name=MENTIONS),
    )
    assert not es.indices.exists_index_template(name="team-b-into-earshot")
    assert es.indices.exists_index_template(name=MENTIONS)


def test_the_writer_cannot_put_a_mapping(es, pipeline):
    index_mentions(pipeline, [mention(1, published=NOVEMBER)])
    audit.record(pipeline, "mention.status", "m1")
    _cannot(
        partial(pipeline.indices.put_mapping, index=MENTIONS, properties={"x": {"type": "text"}}),
        partial(pipeline.indices.put_mapping, index=ALERTS, properties={"x": {"type": "text"}}),
        partial(pipeline.indices.put_mapping, index=ERASED, properties={"x": {"type": "text"}}),
        partial(
            pipeline.indices.put_mapping, index=audit.AUDIT, properties={"x": {"type": "text"}}
        ),
    )
    assert (
        "x"
        not in es.indices.get_mapping(index=MENTIONS)["earshot-mentions-2026.11"]["mappings"][
            "properties"
        ]
    )


def test_the_writer_cannot_delete_a_month(es, pipeline):
    index_mentions(pipeline, [mention(1, published=LAST_YEAR)])
    audit.record(pipeline, "mention.status", "m1")
    audit_month = f"{audit.AUDIT}-{datetime.now(UTC):%Y.%m}"
    _cannot(
        partial(pipeline.indices.delete, index="earshot-mentions-2025.03"),
        partial(pipeline.indices.delete, index=audit_month),
    )
    assert es.indices.exists(index=f"earshot-mentions-2025.03,{audit_month}")


def test_the_writer_cannot_delete_or_overwrite_an_audit_record(es, pipeline):
    audit.record(pipeline, "erasure", "https://news.example/1")
    record = es.search(index=audit.AUDIT)["hits"]["hits"][0]
    _cannot(
        partial(pipeline.delete, index=record["_index"], id=record["_id"]),
        partial(pipeline.index, index=record["_index"], id=record["_id"], document={}),
    )
    assert es.get(index=record["_index"], id=record["_id"])["_source"]["action"] == "erasure"


def test_the_writer_adds_tombstones_but_cannot_delete_or_overwrite_one(es, pipeline):
    remember(pipeline, ["m1"], ["https://news.example/1"])
    remember(pipeline, ["m1"], [])  # erasing the same post again is no error
    _cannot(
        partial(pipeline.delete, index=ERASED, id="m1"),
        partial(pipeline.index, index=ERASED, id="m1", document={"erased": "2000-01-01"}),
    )
    assert es.get(index=ERASED, id="m1")["_source"]["erased"] > "2026"


def test_the_maintenance_key_drops_an_expired_month_and_nothing_current(es, pipeline, maintenance):
    index_mentions(pipeline, [mention(1, published=LAST_YEAR), mention(2, published=NOVEMBER)])
    deleted = apply_retention(maintenance, Retention(), NOVEMBER)
    assert "earshot-mentions-2025.03" in {d.index for d in deleted if d.whole_index}
    assert list(es.indices.get(index="earshot-mentions-*")) == ["earshot-mentions-2026.11"]


def test_the_maintenance_key_cannot_write_mentions_templates_or_others_indices(es, maintenance):
    es.index(index="team-b-notes", id="1", document={"note": "not Earshot's"}, refresh=True)
    with pytest.raises(IndexingError, match="unauthorized"):
        index_mentions(maintenance, [mention(1, published=NOVEMBER)])
    _cannot(
        lambda: maintenance.indices.put_index_template(name="x", index_patterns=["team-b-*"]),
        lambda: maintenance.indices.delete(index="team-b-notes"),
    )
    es.indices.delete(index="team-b-notes")


def test_an_index_merely_named_like_earshots_does_not_join_the_alias(es, pipeline, analyst):
    index_mentions(pipeline, [mention(1, published=NOVEMBER)])
    for foreign in ("earshot-mentions-xyz", "earshot-mentions-2026.11-copy"):
        es.index(index=foreign, document={"message": "team B's record"}, refresh=True)
        assert not es.indices.exists_alias(name=MENTIONS, index=foreign)
    pipeline.indices.refresh(index=MENTIONS)
    assert analyst.count(index=MENTIONS)["count"] == 1
    _cannot(partial(analyst.search, index="earshot-mentions-xyz"))
