"""`earshot setup --check` on the real node, and what the pipeline does on a cluster setup has
not prepared: one line naming `earshot setup`, never an index nothing shaped."""

from __future__ import annotations

import copy

import pytest

from earshot.app.collect import collect_source
from earshot.core.paths import DEFAULT_PROFILE
from earshot.governance.install import check
from earshot.store.audit import AUDIT_TEMPLATE, CREDENTIALS
from earshot.store.indices import (
    CURSORS,
    CURSORS_MAPPING,
    ERASED,
    MENTIONS,
    MENTIONS_TEMPLATE,
    NotInstalled,
)
from earshot.store.mentions import index_mentions
from listeners import load_profile
from tests.integration.test_cli import earshot
from tests.integration.test_store import mention

pytestmark = pytest.mark.elasticsearch

INSTALLED = {
    "ingest pipeline earshot-audit-credentials",
    "audit months run earshot-audit-credentials",
    "index template earshot-mentions",
    "index template earshot-audit",
    "alias earshot-mentions",
    "alias earshot-audit",
    "index earshot-cursors",
    "index earshot-erased",
    "index earshot-alerts",
    "index earshot-digests",
}


def test_check_passes_each_index_item_setup_installed(es):
    index_mentions(es, [mention(1)])
    results = {r.item: r for r in check(es)}
    assert {item for item, r in results.items() if r.ok} == INSTALLED
    # This node cannot hold native roles (tests/file_realm.py): --check says so, as a failure.
    assert {item for item, r in results.items() if not r.ok} == {
        "role earshot_writer",
        "role earshot_maintenance",
        "role earshot_analyst",
        "role earshot_responder",
        "role earshot_admin",
    }


def test_check_names_a_missing_template_and_a_foreign_index_behind_the_alias(es):
    es.indices.delete_index_template(name="earshot-audit")
    es.indices.create(index="earshot-mentions-notes", aliases={MENTIONS: {}})
    results = {r.item: r for r in check(es)}
    assert (
        results["index template earshot-audit"].ok,
        results["index template earshot-audit"].detail,
    ) == (False, "missing")
    assert not results["alias earshot-mentions"].ok
    assert "earshot-mentions-notes" in results["alias earshot-mentions"].detail


def test_check_names_a_field_an_older_setup_did_not_map(es):
    """An upgraded Earshot writes fields its strict mappings had not got until setup runs
    again; --check says which, where presence alone had passed."""
    older = {**CURSORS_MAPPING, "properties": dict(CURSORS_MAPPING["properties"])}
    del older["properties"]["health"]
    es.indices.delete(index=CURSORS)
    es.indices.create(index=CURSORS, mappings=older)
    result = {r.item: r for r in check(es)}["index earshot-cursors"]
    assert (result.ok, result.detail) == (False, "mapping lacks health")


def test_check_names_a_field_an_older_template_did_not_map_inside_an_object(es):
    """`url.shared` came inside `url`: a template without it passed, and the next month's
    index refused every review and comment stored at a shared page."""
    older = copy.deepcopy(MENTIONS_TEMPLATE)
    del older["template"]["mappings"]["properties"]["url"]["properties"]["shared"]
    es.indices.put_index_template(**older)
    result = {r.item: r for r in check(es)}["index template earshot-mentions"]
    assert (result.ok, result.detail) == (False, "mapping lacks url.shared")


def test_check_names_an_audit_trail_that_would_believe_the_writer_about_who_it_is(es):
    """Without the pipeline a record says only what the key that wrote it claimed."""
    older = copy.deepcopy(AUDIT_TEMPLATE)
    del older["template"]["settings"]["index.final_pipeline"]
    es.indices.put_index_template(**older)
    es.ingest.delete_pipeline(id=CREDENTIALS)
    results = {r.item: r for r in check(es)}
    assert not results["index template earshot-audit"].ok
    assert CREDENTIALS in results["index template earshot-audit"].detail
    assert not results[f"ingest pipeline {CREDENTIALS}"].ok


def test_check_names_an_audit_month_made_to_skip_the_credentials_pipeline(es):
    """The pipeline's and the desk's roles may make the next audit month; made with a final
    pipeline of its own, its records would carry whatever credentials the client wrote."""
    es.indices.create(index="earshot-audit-2099.12", settings={"index.final_pipeline": "_none"})
    result = {r.item: r for r in check(es)}["audit months run earshot-audit-credentials"]
    assert (result.ok, result.detail) == (
        False,
        "earshot-audit-2099.12 do not: the client signs their records",
    )


def test_the_check_command_prints_pass_or_fail_per_item_and_fails_overall(es):
    es.indices.delete(index=CURSORS)
    result = earshot("setup", "--check")
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    assert "pass  index template earshot-mentions: 1200 monthly index names, by name" in lines
    assert "FAIL  index earshot-cursors: missing" in lines
    assert lines[-1].endswith("run `earshot setup` as an admin.")


def test_collect_on_a_cluster_setup_has_not_prepared_names_earshot_setup(es):
    es.indices.delete(index=f"{CURSORS},{ERASED}")
    profile = load_profile(DEFAULT_PROFILE)
    with pytest.raises(
        NotInstalled, match=r"no earshot-cursors, earshot-erased: run `earshot setup`"
    ):
        collect_source(es, profile, profile.sources[0].name)
    assert not es.indices.exists(index=CURSORS)
