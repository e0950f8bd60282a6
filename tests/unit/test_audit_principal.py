"""Who wrote an audit record, as `earshot audit` shows it. The shape of `actor.credentials`
is what Elasticsearch's `set_security_user` processor writes (its documented properties:
username, realm, authentication_type, api_key with id, name and metadata); the test node
holds no API keys, so the key's form is checked here."""

from __future__ import annotations

from earshot.store.audit import principal


def test_a_record_an_api_key_wrote_names_the_user_and_the_key():
    record = {
        "actor": {
            "name": "airflow:earshot_collect",
            "credentials": {
                "username": "earshot-setup",
                "authentication_type": "API_KEY",
                "realm": {"name": "_es_api_key", "type": "_es_api_key"},
                "api_key": {"id": "VuaCfGcBCdbkQm-e5aOx", "name": "earshot-writer"},
            },
        }
    }
    assert principal(record) == "earshot-setup, API key earshot-writer"


def test_a_key_named_by_the_client_alone_is_not_believed():
    """The processor adds to what the client sent: an `api_key` the client wrote beside a
    password sign-in is not the node's word."""
    record = {
        "actor": {
            "credentials": {
                "username": "analyst1",
                "authentication_type": "REALM",
                "api_key": {"name": "earshot-writer"},
            }
        }
    }
    assert principal(record) == "analyst1"


def test_a_record_from_before_the_pipeline_shows_what_its_client_said():
    assert principal({"actor": {"principal": "elastic"}}) == "elastic"
    assert principal({"actor": {"name": "dpo"}}) == "unknown"
