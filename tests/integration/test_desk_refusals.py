"""What the desk says when Elasticsearch answers but refuses it: a person whose user may not
read what the desk shows, a search the node will not run, the desk's own credentials
refused. Never "Internal Server Error": a page naming what is wrong, as guarded as any
other. Its own users of the node's file realm, so no other test's users change."""

from __future__ import annotations

import re

import httpx
import pytest

from earshot.governance.security import ANALYST_ROLE
from earshot.store import audit
from earshot.store.indices import ensure_indices, mentions_index
from tests.desk_helpers import ANALYST, PUBLISHED, index_mention, serve_desk
from tests.file_realm import realm_users

KIBANA_ONLY = "kim.kibana"  # a Kibana user never given an Earshot role


@pytest.fixture(scope="module")
def passwords(es_node):
    with realm_users(es_node, {ANALYST_ROLE: ANALYST, "kibana_admin": KIBANA_ONLY}) as made:
        yield made


def _signed_in(desk: str, user: str, password: str) -> httpx.Client:
    client = httpx.Client(base_url=desk, follow_redirects=False, timeout=60)
    signed_in = client.post("/signin", data={"username": user, "password": password})
    assert signed_in.status_code == 303, signed_in.text
    return client


def _guarded(answer: httpx.Response) -> None:
    assert answer.headers["content-security-policy"].endswith("frame-ancestors 'none'")
    assert answer.headers["cache-control"] == "no-store"


@pytest.mark.elasticsearch
def test_a_user_without_an_earshot_role_is_told_what_elasticsearch_refused_them(
    desk, passwords, es
):
    ensure_indices(es)
    client = _signed_in(desk, KIBANA_ONLY, passwords[KIBANA_ONLY])
    for path in ("/", "/queue/rows", "/alerts"):
        refused = client.get(path)
        assert refused.status_code == 403, (path, refused.text)
        assert "Elasticsearch does not let your user do this" in refused.text
        assert "earshot_analyst" in refused.text  # the role to ask for
        _guarded(refused)
    # In Elasticsearch's own words, for whoever runs it: which privilege, which user.
    assert f"unauthorized for user [{KIBANA_ONLY}]" in client.get("/").text


@pytest.mark.elasticsearch
@pytest.mark.parametrize("credentials", ["wrong key", "without the privilege"])
def test_a_reveal_the_desks_own_credentials_cannot_record_shows_nothing_and_says_why(
    passwords, es, monkeypatch, credentials
):
    """The desk's own key records who chose to see a risk-flagged post's words, and the
    words are shown only once that record is written."""
    ensure_indices(es)
    index_mention(es, "risky", "words about self-harm", risk_flags=("self-harm",))
    if credentials == "wrong key":
        monkeypatch.setenv("EARSHOT_ELASTICSEARCH_API_KEY", "bm90LWEta2V5Om5vdC1hLXNlY3JldA==")
    else:  # a user who may read, not write the audit trail
        monkeypatch.setenv("EARSHOT_ELASTICSEARCH_USER", ANALYST)
        monkeypatch.setenv("EARSHOT_ELASTICSEARCH_PASSWORD", passwords[ANALYST])
    with serve_desk() as desk:
        client = _signed_in(desk, ANALYST, passwords[ANALYST])
        csrf = re.search(r'name="csrf" value="([^"]+)"', client.get("/item/risky").text).group(1)
        refused = client.post("/item/risky?do=reveal", data={"csrf": csrf})
    assert refused.status_code == 500
    assert "The words stay withheld" in refused.text
    assert "Elasticsearch refused the desk's own credentials" in refused.text
    assert "words about self-harm" not in refused.text
    _guarded(refused)
    assert audit.history(es, action="mention.reveal") == []


@pytest.mark.elasticsearch
def test_a_search_elasticsearch_will_not_run_is_named_on_a_guarded_page(desk, passwords, es):
    """A month's index made by hand before `earshot setup`, its stories' field as text:
    Elasticsearch cannot fold copies on it, and says so (400)."""
    ensure_indices(es)
    as_text = {"properties": {"earshot": {"properties": {"cluster": {"type": "text"}}}}}
    es.indices.create(index=mentions_index(PUBLISHED), mappings=as_text)
    index_mention(es, "m1", "Why did nobody answer 101 last night?")
    client = _signed_in(desk, ANALYST, passwords[ANALYST])
    refused = client.get("/")
    assert refused.status_code == 500
    assert "Elasticsearch refused what the desk asked of it (400)" in refused.text
    assert "no fault of yours: tell whoever runs Earshot" in refused.text
    assert "earshot.cluster" in refused.text  # in its own words
    _guarded(refused)
