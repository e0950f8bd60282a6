"""An analyst whose Elasticsearch password changes while they are signed in to the desk:
the desk signs in to Elasticsearch as each person, so from then on every search it makes
for them is refused. Their own file-realm user, so no other test's users change."""

from __future__ import annotations

import httpx
import pytest

from earshot.governance.security import ANALYST_ROLE
from tests.file_realm import realm_users

PERSON = "pat.changed"


@pytest.mark.elasticsearch
def test_a_password_changed_mid_session_signs_the_person_out_and_says_why(desk, es_node, es):
    with realm_users(es_node, {ANALYST_ROLE: PERSON}) as before:
        client = httpx.Client(base_url=desk, follow_redirects=False, timeout=30)
        signed_in = client.post("/signin", data={"username": PERSON, "password": before[PERSON]})
        assert signed_in.status_code == 303, signed_in.text
        assert client.get("/").status_code == 200
        with realm_users(es_node, {ANALYST_ROLE: PERSON}):  # a new password, the old refused
            sent_away = client.get("/")
            assert sent_away.status_code == 303, sent_away.text  # not a server error
            assert sent_away.headers["location"] == "/signin"
            told = client.get("/signin")
            assert "no longer accepts the password you signed in with" in told.text
            # The session is over: no page is served from it again, even unexplained.
            assert client.get("/alerts").headers["location"] == "/signin?next=%2Falerts"
            assert "no longer accepts" not in client.get("/signin").text
