"""The audit trail: every change a person or the pipeline makes is one record saying who,
when, what, and what it was before; and it can be read back from the command line."""

from __future__ import annotations

import os
from datetime import UTC, datetime

import pytest
from elasticsearch import Elasticsearch

from earshot.app.collect import collect_source
from earshot.app.feed_server import FeedServer, Route
from earshot.governance.install import install
from earshot.governance.security import RESPONDER_ROLE, WRITER_ROLE
from earshot.store import audit
from earshot.store.indices import MENTIONS, ensure_indices
from earshot.store.mentions import index_mentions, set_status
from listeners import load_profile
from tests.conftest import news_items, rss
from tests.file_realm import earshot_as, realm_users
from tests.integration.test_cli import earshot
from tests.integration.test_store import mention


@pytest.mark.elasticsearch
def test_a_status_change_is_one_record_with_who_and_before_after(es):
    ensure_indices(es)
    m = mention(1)
    index_mentions(es, [m])
    es.indices.refresh(index=MENTIONS)

    moved = earshot("status", m.id, "in-hand", EARSHOT_ACTOR="analyst.jones")
    assert moved.returncode == 0, moved.stderr
    [record] = audit.history(es)
    assert record["action"] == "mention.status"
    assert record["target"] == m.id
    assert record["before"] == {"status": "new"} and record["after"] == {"status": "in-hand"}
    assert record["actor"]["name"] == "analyst.jones" and audit.principal(record) == "elastic"
    assert record["@timestamp"]

    set_status(es, m.id, "in-hand")  # already in hand: nothing changes, nothing is recorded
    set_status(es, m.id, "done")
    assert [r["after"]["status"] for r in audit.history(es)] == ["done", "in-hand"]


@pytest.mark.elasticsearch
def test_an_analyst_moving_a_mention_on_with_her_own_user_is_named_in_the_audit(es, es_node):
    ensure_indices(es)
    m = mention(1)
    index_mentions(es, [m])
    es.indices.refresh(index=MENTIONS)

    with realm_users(es_node, {RESPONDER_ROLE: "rosa.responder"}) as passwords:
        wrong = earshot_as("rosa.responder", "not-her-password", "status", m.id, "in-hand")
        assert wrong.returncode == 1
        assert "refused the credentials (401)" in wrong.stderr
        assert audit.history(es) == []

        moved = earshot_as("rosa.responder", passwords["rosa.responder"], "status", m.id, "done")
    assert moved.returncode == 0, moved.stderr
    [record] = audit.history(es)
    assert record["actor"]["name"] == audit.principal(record) == "rosa.responder"
    assert record["after"] == {"status": "done"}
    assert es.get(index=f"{MENTIONS}-2026.11", id=m.id)["_source"]["earshot"]["status"] == "done"


@pytest.mark.elasticsearch
def test_a_changed_profile_is_recorded_once_per_change_however_many_sources_run(es, write_profile):
    feed = Route(rss(news_items(1, "appeal")))
    with FeedServer({"/a.rss": feed, "/b.rss": feed}) as server:
        sources = [{"name": n, "url": server.url(f"/{n}.rss")} for n in ("a", "b")]
        path = write_profile(sources)
        for name in ("a", "b"):
            collect_source(es, load_profile(), name)
        [first] = audit.history(es, action="profile.change")
        assert first["before"] == {}
        assert first["after"]["changed"] == sorted(load_profile().model_dump().keys())

        for name in ("a", "b"):  # the same profile again: nothing new to record
            collect_source(es, load_profile(), name)
        assert len(audit.history(es, action="profile.change")) == 1

        path.write_text(path.read_text().replace("mentions_days: 3650", "mentions_days: 3000"))
        for name in ("a", "b"):
            collect_source(es, load_profile(), name)
    changes = audit.history(es, action="profile.change")
    assert len(changes) == 2
    change = changes[0]
    assert change["after"]["changed"] == ["retention"]
    assert change["before"]["hash"] == first["after"]["hash"] != change["after"]["hash"]
    assert change["before"]["retention"]["mentions_days"] == 3650  # the tests' profile
    assert change["after"]["retention"]["mentions_days"] == 3000
    assert change["actor"]["name"] and audit.principal(change) == "elastic"


@pytest.mark.elasticsearch
def test_audit_command_shows_the_trail_newest_first_and_filters_by_action(es):
    audit.record(es, "mention.status", "m1", before={"status": "new"}, after={"status": "done"})
    audit.record(es, "erasure", "author:abc123", after={"mentions": 2}, actor="dpo")
    shown = earshot("audit", COLUMNS="250")
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout.index("erasure") < shown.stdout.index("mention.status")
    assert "dpo (elastic)" in shown.stdout
    only = earshot("audit", "--action", "erasure", "--limit", "5", COLUMNS="250")
    assert "author:abc123" in only.stdout and "mention.status" not in only.stdout
    assert "No audit records of alert.acknowledge." in earshot(
        "audit", "--action", "alert.acknowledge"
    ).stdout.replace("\n", " ")


@pytest.mark.elasticsearch
def test_audit_command_prints_stored_text_as_text(es):
    audit.record(es, "mention.status", "[bold red]x[/bold red]\x1b[2J\x1b]8;;https://evil/\x07")
    shown = earshot("audit", COLUMNS="250")
    assert shown.returncode == 0, shown.stderr
    assert "[bold red]x[/bold red]" in shown.stdout
    assert "\x1b" not in shown.stdout


@pytest.mark.elasticsearch
def test_a_record_names_the_credentials_that_wrote_it_whatever_the_writer_claims(es, es_node):
    """Any key that may add a record could claim to be anyone: the node, not the client,
    says which Elasticsearch user or API key made it."""
    with realm_users(es_node, {WRITER_ROLE: "earshot-pipeline"}) as passwords:
        pipeline = Elasticsearch(
            os.environ["EARSHOT_ELASTICSEARCH_URL"],
            basic_auth=("earshot-pipeline", passwords["earshot-pipeline"]),
        )
        month = f"{audit.AUDIT}-{datetime.now(UTC):%Y.%m}"

        def forge(actor: dict) -> None:
            record = {"@timestamp": datetime.now(UTC).isoformat(), "action": "erasure"}
            record |= {"target": "author:abc123", "actor": actor}
            created = pipeline.bulk(operations=[{"create": {"_index": month}}, record])
            assert not created["errors"], created
            pipeline.indices.refresh(index=audit.AUDIT)

        forge({"name": "dpo", "principal": "dpo"})
        assert "dpo (earshot-pipeline)" in earshot("audit", COLUMNS="250").stdout
        # A password's user claiming an API key's name: the node sets only what is true.
        forge({"name": "dpo", "credentials": {"username": "dpo", "api_key": {"name": "dpo-key"}}})
    shown = earshot("audit", COLUMNS="250").stdout
    assert shown.count("dpo (earshot-pipeline)") == 2
    assert "dpo-key" not in shown


@pytest.mark.elasticsearch
def test_setup_run_again_makes_a_month_an_older_earshot_made_name_the_credentials(es):
    audit.record(es, "mention.status", "m1")
    month = f"{audit.AUDIT}-{datetime.now(UTC):%Y.%m}"
    es.indices.put_settings(index=month, settings={"index.final_pipeline": None})
    install(es)
    audit.record(es, "mention.status", "m2", actor="analyst.jones", before={"status": "new"})
    newest = audit.history(es)[0]
    assert newest["target"] == "m2"
    assert newest["actor"]["credentials"]["username"] == "elastic"
