"""Who may do what, on the real node: each of Earshot's roles can do its job and no more.

This node cannot hold native roles, users or API keys: they live in the `.security` index,
whose mapping uses the `pattern_capture` filter of the analysis-common module, and Elastic's
test distribution ships without that module. So these tests give the very role definitions
`earshot setup` puts (`earshot.governance.security.ROLES`) to the node's file realm
(roles.yml, users),
which applies them with the same privilege engine, and then make Earshot's own calls as a
user holding each role: exactly what the pipeline's API key (whose role descriptor is the
writer role) or a person given the role may do.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from functools import partial

import pytest
from elasticsearch import AuthorizationException, Elasticsearch

from earshot.alerts.lifecycle import Situation, acknowledge, apply, list_alerts
from earshot.alerts.model import (
    ALERTS,
    Evidence,
    StatusChange,
)
from earshot.alerts.notify import deliver_pending
from earshot.alerts.run import evaluate
from earshot.core.clock import LocalDay
from earshot.core.mail import Delivery
from earshot.core.paths import DEFAULT_PROFILE
from earshot.core.profile import Retention
from earshot.digest.archive import DIGESTS, mark_sent
from earshot.digest.daily import build_and_keep
from earshot.governance.erasure import by_author, by_url, erase
from earshot.governance.retention import apply_retention
from earshot.governance.security import ADMIN_ROLE, ANALYST_ROLE, MAINTENANCE_ROLE, WRITER_ROLE
from earshot.store import audit
from earshot.store.cursors import load_cursor, load_cursors, note_failure, save_cursor
from earshot.store.indices import CURSORS, ERASED, MENTIONS
from earshot.store.local_node import LocalNode
from earshot.store.mentions import index_mentions, set_status, stored_since
from earshot.store.story_lease import LEASE_ID, deciding_stories
from earshot.store.tombstones import remember
from listeners import load_profile
from tests.alert_helpers import an_alert, at, burst, keep_alert, put_mentions
from tests.file_realm import realm_users
from tests.integration.test_store import mention

NOVEMBER = datetime(2026, 11, 21, 7, 0, tzinfo=UTC)
LAST_YEAR = datetime(2025, 3, 14, 9, 0, tzinfo=UTC)
# Somebody else's data in the force's cluster; the second merely looks like Earshot's.
OTHER_INDICES = ("other-index", "earshot-notes")
USERS = {
    WRITER_ROLE: "earshot-pipeline",
    MAINTENANCE_ROLE: "earshot-maintenance",
    ANALYST_ROLE: "earshot-analyst",
    ADMIN_ROLE: "dpo",
}


def _client(**auth) -> Elasticsearch:
    return Elasticsearch(os.environ["EARSHOT_ELASTICSEARCH_URL"], request_timeout=30, **auth)


@pytest.fixture(scope="module")
def passwords(es_node: LocalNode) -> Iterator[dict[str, str]]:
    """One user per role this module needs, in the node's file realm."""
    with realm_users(es_node, USERS) as passwords:
        yield passwords


def _as(role: str, passwords: dict[str, str]) -> Elasticsearch:
    user = USERS[role]
    return _client(basic_auth=(user, passwords[user]))


@pytest.fixture
def pipeline(es: Elasticsearch, passwords: dict[str, str]) -> Elasticsearch:
    return _as(WRITER_ROLE, passwords)


@pytest.fixture
def maintenance(es: Elasticsearch, passwords: dict[str, str]) -> Elasticsearch:
    return _as(MAINTENANCE_ROLE, passwords)


@pytest.fixture
def analyst(es: Elasticsearch, passwords: dict[str, str]) -> Elasticsearch:
    return _as(ANALYST_ROLE, passwords)


@pytest.fixture
def admin(es: Elasticsearch, passwords: dict[str, str]) -> Elasticsearch:
    return _as(ADMIN_ROLE, passwords)


@pytest.fixture
def other_indices(es: Elasticsearch) -> tuple[str, ...]:
    for index in OTHER_INDICES:
        # Made afresh: the node outlives a test, and other tests keep notes in such indices.
        es.options(ignore_status=404).indices.delete(index=index)
        es.index(index=index, id="1", document={"note": "not Earshot's"}, refresh=True)
    return OTHER_INDICES


def _cannot(*calls) -> None:
    for call in calls:
        with pytest.raises(AuthorizationException):
            call()


def _forbidden_security_changes(client: Elasticsearch) -> tuple:
    return (
        lambda: client.security.put_role(name="earshot_more", cluster=["all"]),
        lambda: client.security.put_user(username="intruder", password="long-enough-1", roles=[]),
        lambda: client.security.change_password(username="kibana_system", password="x" * 16),
        lambda: client.security.create_api_key(name="more", role_descriptors={}),
        lambda: client.cluster.put_settings(persistent={"action.auto_create_index": "true"}),
    )


# The pipeline's writer role: every call the DAGs make, in Earshot's indices only.


@pytest.mark.elasticsearch
def test_the_writer_role_runs_everything_a_collect_run_does(pipeline):
    # collect_source: cursor, exactly-once indexing under the story lease, cursor again
    # (setup made the indices).
    assert load_cursor(pipeline, "news") == {}
    with deciding_stories(pipeline, "news"):
        report = index_mentions(pipeline, [mention(1, published=NOVEMBER), mention(2)])
    assert not pipeline.exists(index=CURSORS, id=LEASE_ID)  # given back for the next source
    save_cursor(pipeline, "news", {"etag": '"abc"'})
    assert report.new == 2
    assert index_mentions(pipeline, [mention(1, published=NOVEMBER)]).already_indexed == 1
    assert load_cursor(pipeline, "news") == {"etag": '"abc"'}
    note_failure(pipeline, "blog", "HTTP 503")  # a source that could not be heard
    assert load_cursors(pipeline, ["news", "blog"])["blog"]["health"]["last_error"] == "HTTP 503"
    pipeline.indices.refresh(index=MENTIONS)
    hits = pipeline.search(index="earshot-mentions-2026.11", size=0, track_total_hits=True)
    assert hits["hits"]["total"]["value"] == 2
    assert stored_since(pipeline, None) == 2  # announce: anything stored to wake the alerts


@pytest.mark.elasticsearch
def test_the_writer_role_keeps_alerts_digests_and_the_audit_trail(pipeline):
    index_mentions(pipeline, [mention(1, published=NOVEMBER)])
    alert = an_alert(NOVEMBER)
    keep_alert(pipeline, alert)
    pipeline.update(index=ALERTS, id=alert.id, doc={"status": "acknowledged"}, refresh=True)
    audit.record(pipeline, "alert.acknowledge", alert.id, before={"status": "open"})
    set_status(pipeline, mention(1, published=NOVEMBER).id, "in-hand")

    day = LocalDay(NOVEMBER.date())
    profile = load_profile(DEFAULT_PROFILE)
    digest_id = build_and_keep(pipeline, profile, day, run="manual", to=["command@force.example"])
    mark_sent(pipeline, digest_id, Delivery("<1@force.example>", ("command@force.example",), ()))

    assert pipeline.get(index=ALERTS, id=alert.id)["_source"]["status"] == "acknowledged"
    assert pipeline.get(index=DIGESTS, id=digest_id)["_source"]["status"] == "sent"
    assert pipeline.indices.exists(index=f"{audit.AUDIT}-{datetime.now(UTC):%Y.%m}")


@pytest.mark.elasticsearch
def test_the_writer_role_runs_the_alerts_dag_and_its_notifications(es, pipeline, mailbox):
    profile = load_profile(DEFAULT_PROFILE)
    now = at("2026-11-18 10:15")
    put_mentions(pipeline, burst(now - timedelta(minutes=15), 12))
    evaluate(pipeline, profile, now)  # detection, evidence, gone-quiet sources, the lifecycle
    spike = Situation(
        "negative-spike",
        "all",
        15,
        Evidence(window_start=now, window_end=now, count=12, baseline=1.0, probability=1e-6),
    )
    # The same situation again, should detection not have opened it: one alert either way.
    apply(
        pipeline,
        [spike],
        now=now,
        channels=["email"],
        settings=profile.alerts,
    )
    delivered = deliver_pending(pipeline, profile, now)
    alert = list_alerts(pipeline)[0]
    acknowledge(pipeline, alert.id, by="duty.officer")  # `earshot alerts ack`, as Earshot

    assert delivered.sent and mailbox.messages()
    assert es.get(index=ALERTS, id=alert.id)["_source"]["status"] == "acknowledged"
    assert [r["actor"]["name"] for r in audit.history(es, action="alert.acknowledge")] == [
        "duty.officer"
    ]


@pytest.mark.elasticsearch
def test_the_writer_and_maintenance_roles_run_erasure_and_retention(
    es, pipeline, maintenance, other_indices
):
    """`earshot erase` runs with the pipeline's key, the maintenance DAG with its own."""
    old, current = mention(1, published=LAST_YEAR), mention(2, published=NOVEMBER)
    index_mentions(pipeline, [old, current])
    save_cursor(pipeline, "news", {})
    resolved = an_alert(LAST_YEAR).model_copy(
        update={"status": "resolved", "resolved": StatusChange(at=LAST_YEAR, by="analyst")}
    )
    keep_alert(pipeline, resolved)
    es.index(
        index=f"{audit.AUDIT}-2024.01",
        document={"@timestamp": "2024-01-10T09:00:00+00:00", "action": "erasure", "target": "x"},
        refresh=True,
    )

    deleted = apply_retention(maintenance, Retention(), NOVEMBER)
    erased = erase(pipeline, by_url(current.url), apply=True)

    assert erased.mentions == (current.id,)

    assert {d.index for d in deleted} == {
        "earshot-mentions-2025.03",
        "earshot-audit-2024.01",
        ALERTS,
    }
    assert es.indices.get(index="earshot-mentions-*").keys() == {"earshot-mentions-2026.11"}
    assert es.count(index=MENTIONS)["count"] == 0
    assert es.count(index=ALERTS)["count"] == 0
    assert load_cursor(es, "news") == {}
    assert es.count(index=CURSORS)["count"] == 1
    for index in other_indices:
        assert es.count(index=index)["count"] == 1


@pytest.mark.elasticsearch
def test_the_writer_role_cannot_read_write_or_create_other_indices(pipeline, other_indices):
    for index in other_indices:
        _cannot(
            partial(pipeline.search, index=index),
            partial(pipeline.get, index=index, id="1"),
            partial(pipeline.index, index=index, document={"note": "by the pipeline"}),
            partial(pipeline.delete, index=index, id="1"),
        )
    _cannot(
        lambda: pipeline.indices.create(index="not-earshot"),
        lambda: pipeline.indices.create(index="earshot-something"),
        lambda: pipeline.index(index="earshot-mentions-notes", document={"message": "x"}),
    )


@pytest.mark.elasticsearch
def test_the_writer_role_deletes_no_index_it_does_not_own(es, pipeline, other_indices):
    keep_alert(pipeline, an_alert(NOVEMBER))
    # Its single indices lose documents to retention, never the whole index.
    for index in (*other_indices, CURSORS, ALERTS):
        _cannot(partial(pipeline.indices.delete, index=index))
        assert es.indices.exists(index=index)


@pytest.mark.elasticsearch
def test_the_writer_role_adds_audit_records_but_cannot_edit_one(es, pipeline):
    audit.record(pipeline, "mention.status", "m1", before={"status": "new"})
    record = es.search(index=audit.AUDIT)["hits"]["hits"][0]
    _cannot(
        lambda: pipeline.index(index=record["_index"], id=record["_id"], document={"action": "x"}),
        lambda: pipeline.update(index=record["_index"], id=record["_id"], doc={"action": "x"}),
    )
    assert es.get(index=record["_index"], id=record["_id"])["_source"]["action"] == "mention.status"


@pytest.mark.elasticsearch
def test_the_writer_role_cannot_delete_an_alert_or_a_digest(es, pipeline):
    """Erasure only redacts them, and retention has its own key: a leaked pipeline key must
    not be able to wipe the alerts and digests a review of the force's response relies on."""
    alert = an_alert(NOVEMBER)
    keep_alert(pipeline, alert)
    profile = load_profile(DEFAULT_PROFILE)
    day = LocalDay(NOVEMBER.date())
    digest_id = build_and_keep(pipeline, profile, day, run="manual", to=["command@force.example"])
    _cannot(
        partial(pipeline.delete, index=ALERTS, id=alert.id),
        partial(pipeline.delete, index=DIGESTS, id=digest_id),
    )
    assert es.exists(index=ALERTS, id=alert.id)
    assert es.exists(index=DIGESTS, id=digest_id)


@pytest.mark.elasticsearch
def test_the_writer_role_cannot_change_security(pipeline):
    _cannot(*_forbidden_security_changes(pipeline))


# Analysts: read mentions and alerts; every change goes through Earshot's commands.


@pytest.mark.elasticsearch
def test_the_analyst_role_searches_mentions_and_alerts(pipeline, analyst):
    index_mentions(pipeline, [mention(1, published=NOVEMBER)])
    keep_alert(pipeline, an_alert(NOVEMBER))
    pipeline.indices.refresh(index=MENTIONS)
    assert analyst.search(index=MENTIONS)["hits"]["total"]["value"] == 1
    assert analyst.search(index=ALERTS)["hits"]["total"]["value"] == 1


@pytest.mark.elasticsearch
def test_the_analyst_role_cannot_write_or_delete_anything(es, pipeline, analyst):
    m = mention(1, published=NOVEMBER)
    index_mentions(pipeline, [m])
    alert = an_alert(NOVEMBER)
    keep_alert(pipeline, alert)
    month = "earshot-mentions-2026.11"
    _cannot(
        lambda: analyst.index(index=month, document={"message": "by an analyst"}),
        lambda: analyst.update(index=month, id=m.id, doc={"earshot": {"status": "done"}}),
        lambda: analyst.update(index=ALERTS, id=alert.id, doc={"status": "resolved"}),
        lambda: analyst.delete(index=month, id=m.id),
        lambda: analyst.delete(index=ALERTS, id=alert.id),
        lambda: analyst.indices.delete(index=month),
        lambda: analyst.indices.delete(index=ALERTS),
        lambda: audit.record(analyst, "mention.status", m.id),
    )
    assert es.get(index=month, id=m.id)["_source"]["earshot"]["status"] == "new"


@pytest.mark.elasticsearch
def test_the_analyst_role_sees_no_cursors_digests_audit_or_other_indices(
    pipeline, analyst, other_indices
):
    audit.record(pipeline, "mention.status", "m1")
    for index in (CURSORS, audit.AUDIT, DIGESTS, *other_indices):
        _cannot(partial(analyst.search, index=index))


# The administrator: Earshot's indices and audit trail, nothing else, no security.


@pytest.mark.elasticsearch
def test_the_admin_role_reads_the_audit_trail_and_deletes_earshot_indices(es, pipeline, admin):
    m = mention(1, published=NOVEMBER)
    index_mentions(pipeline, [m])
    keep_alert(pipeline, an_alert(NOVEMBER))
    audit.record(pipeline, "alert.acknowledge", "a1", actor="comms-analyst-7")
    assert [r["actor"]["name"] for r in audit.history(admin)] == ["comms-analyst-7"]

    assert erase(admin, by_author(m.author), apply=True).mentions == (m.id,)
    admin.indices.delete(index=ALERTS)
    admin.indices.delete(index="earshot-mentions-2026.11")
    assert not es.indices.exists(index=ALERTS)
    assert [r["action"] for r in audit.history(admin)] == ["erasure", "alert.acknowledge"]


@pytest.mark.elasticsearch
def test_the_admin_role_cannot_touch_other_indices_audit_records_or_security(
    es, pipeline, admin, other_indices
):
    audit.record(pipeline, "erasure", "https://news.example/1")
    record = es.search(index=audit.AUDIT)["hits"]["hits"][0]
    for index in other_indices:
        _cannot(
            partial(admin.search, index=index),
            partial(admin.index, index=index, document={"note": "by Earshot's admin"}),
            partial(admin.indices.delete, index=index),
        )
        assert es.indices.exists(index=index)
    _cannot(
        lambda: admin.indices.create(index="not-earshot"),
        lambda: admin.index(index=record["_index"], id=record["_id"], document={"action": "x"}),
        lambda: admin.delete(index=record["_index"], id=record["_id"]),
        # dropped and written again without the records that did not suit
        lambda: admin.indices.delete(index=record["_index"]),
        *_forbidden_security_changes(admin),
    )
    assert es.get(index=record["_index"], id=record["_id"])["_source"]["action"] == "erasure"


# Least privilege for the keys: nothing about templates or mappings for the pipeline, whole
# months only with the maintenance key, audit records and tombstones append-only, and an index
# merely named like Earshot's never behind Earshot's aliases.


@pytest.mark.elasticsearch
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


@pytest.mark.elasticsearch
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


@pytest.mark.elasticsearch
def test_the_writer_cannot_delete_a_month(es, pipeline):
    index_mentions(pipeline, [mention(1, published=LAST_YEAR)])
    audit.record(pipeline, "mention.status", "m1")
    audit_month = f"{audit.AUDIT}-{datetime.now(UTC):%Y.%m}"
    _cannot(
        partial(pipeline.indices.delete, index="earshot-mentions-2025.03"),
        partial(pipeline.indices.delete, index=audit_month),
    )
    assert es.indices.exists(index=f"earshot-mentions-2025.03,{audit_month}")


@pytest.mark.elasticsearch
def test_the_writer_cannot_delete_or_overwrite_an_audit_record(es, pipeline):
    audit.record(pipeline, "erasure", "https://news.example/1")
    record = es.search(index=audit.AUDIT)["hits"]["hits"][0]
    _cannot(
        partial(pipeline.delete, index=record["_index"], id=record["_id"]),
        partial(pipeline.index, index=record["_index"], id=record["_id"], document={}),
    )
    assert es.get(index=record["_index"], id=record["_id"])["_source"]["action"] == "erasure"


@pytest.mark.elasticsearch
def test_the_writer_adds_tombstones_but_cannot_delete_or_overwrite_one(es, pipeline):
    remember(pipeline, ["m1"], ["https://news.example/1"])
    remember(pipeline, ["m1"], [])  # erasing the same post again is no error
    _cannot(
        partial(pipeline.delete, index=ERASED, id="m1"),
        partial(pipeline.index, index=ERASED, id="m1", document={"erased": "2000-01-01"}),
    )
    assert es.get(index=ERASED, id="m1")["_source"]["erased"] > "2026"


@pytest.mark.elasticsearch
def test_the_maintenance_key_drops_an_expired_month_and_nothing_current(es, pipeline, maintenance):
    index_mentions(pipeline, [mention(1, published=LAST_YEAR), mention(2, published=NOVEMBER)])
    deleted = apply_retention(maintenance, Retention(), NOVEMBER)
    assert "earshot-mentions-2025.03" in {d.index for d in deleted if d.whole_index}
    assert list(es.indices.get(index="earshot-mentions-*")) == ["earshot-mentions-2026.11"]


@pytest.mark.elasticsearch
def test_the_maintenance_key_cannot_delete_an_audit_record(es, pipeline, maintenance):
    audit.record(pipeline, "erasure", "https://news.example/1")
    record = es.search(index=audit.AUDIT)["hits"]["hits"][0]
    _cannot(partial(maintenance.delete, index=record["_index"], id=record["_id"]))
    assert es.get(index=record["_index"], id=record["_id"])["_source"]["action"] == "erasure"


@pytest.mark.elasticsearch
def test_the_maintenance_key_cannot_delete_a_tombstone(es, pipeline, maintenance):
    remember(pipeline, ["m1"], [])
    _cannot(partial(maintenance.delete, index=ERASED, id="m1"))
    assert es.exists(index=ERASED, id="m1")


@pytest.mark.elasticsearch
def test_the_maintenance_key_cannot_write_mentions_templates_or_others_indices(es, maintenance):
    es.index(index="team-b-notes", id="1", document={"note": "not Earshot's"}, refresh=True)
    _cannot(
        lambda: index_mentions(maintenance, [mention(1, published=NOVEMBER)]),
        lambda: maintenance.indices.put_index_template(name="x", index_patterns=["team-b-*"]),
        lambda: maintenance.indices.delete(index="team-b-notes"),
    )
    es.indices.delete(index="team-b-notes")


@pytest.mark.elasticsearch
def test_an_index_merely_named_like_earshots_does_not_join_the_alias(es, pipeline, analyst):
    index_mentions(pipeline, [mention(1, published=NOVEMBER)])
    for foreign in ("earshot-mentions-xyz", "earshot-mentions-2026.11-copy"):
        es.index(index=foreign, document={"message": "team B's record"}, refresh=True)
        assert not es.indices.exists_alias(name=MENTIONS, index=foreign)
    pipeline.indices.refresh(index=MENTIONS)
    assert analyst.count(index=MENTIONS)["count"] == 1
    _cannot(partial(analyst.search, index="earshot-mentions-xyz"))
