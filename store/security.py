"""Who may do what in Elasticsearch: the pipeline writes, analysts read, nobody else's data.

The pipeline gets an API key limited to Earshot's own indices, so a leaked Airflow secret
cannot read or delete anything else in the force's cluster. Analysts get a read-only role.
The writer's privileges are exactly what the pipeline's own calls need (tests/test_setup.py
runs those calls as a user holding this role, and each privilege dropped breaks one of them);
`collect` re-applies the index template every run, hence the one cluster privilege.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass

from elasticsearch import Elasticsearch, NotFoundError

from store.indices import MENTIONS

WRITER_ROLE = "earshot_writer"
ANALYST_ROLE = "earshot_analyst"
WRITER_KEY_NAME = "earshot-writer"

WRITER_PRIVILEGES: dict = {
    "cluster": ["manage_index_templates"],  # ensure_indices re-applies the template each run
    "indices": [
        {
            "names": ["earshot-*"],
            "privileges": [
                "create_index",  # a new month's index, the cursor index
                "index",  # mentions (bulk create), cursors, status updates, new mapping fields
                "read",  # the already-indexed lookup, cursors
                "view_index_metadata",  # does the alias / cursor index exist yet
                "maintenance",  # refresh before the already-indexed lookup
            ],
        }
    ],
}
ANALYST_PRIVILEGES: dict = {
    "cluster": [],
    "indices": [
        {
            "names": [f"{MENTIONS}*", "earshot-alerts*"],
            "privileges": ["read", "view_index_metadata"],
        }
    ],
    # Kibana: read-only use of every app (Discover, dashboards) in the default space.
    "applications": [
        {
            "application": "kibana-.kibana",
            "privileges": ["space_read"],
            "resources": ["space:default"],
        }
    ],
}
_ABOUT = {"application": "earshot"}


@dataclass(frozen=True)
class ApiKey:
    id: str
    encoded: str  # what clients send: base64 of "id:secret"

    @classmethod
    def from_encoded(cls, encoded: str) -> ApiKey | None:
        try:
            key_id, _, _ = base64.b64decode(encoded, validate=True).decode().partition(":")
        except (ValueError, UnicodeDecodeError):
            return None
        return cls(id=key_id, encoded=encoded) if key_id else None


def ensure_roles(es: Elasticsearch) -> None:
    """Idempotent: a newer Earshot's privileges replace the older ones."""
    es.security.put_role(
        name=WRITER_ROLE,
        description="Earshot's pipeline: writes mentions and cursors, in earshot-* only",
        metadata=_ABOUT,
        **WRITER_PRIVILEGES,
    )
    es.security.put_role(
        name=ANALYST_ROLE,
        description="Earshot's comms analysts: read mentions and alerts, use Kibana read-only",
        metadata=_ABOUT,
        **ANALYST_PRIVILEGES,
    )


def create_writer_key(es: Elasticsearch) -> ApiKey:
    """A key carrying the writer role's privileges, owned by whoever runs setup."""
    created = es.security.create_api_key(
        name=WRITER_KEY_NAME,
        role_descriptors={WRITER_ROLE: WRITER_PRIVILEGES},
        metadata={**_ABOUT, "purpose": "the Airflow pipeline writes mentions"},
    )
    return ApiKey(id=created["id"], encoded=created["encoded"])


def renew_writer_key(es: Elasticsearch, key: ApiKey) -> bool:
    """Bring a still-valid key up to today's writer privileges. False if it is no longer valid."""
    try:
        found = es.security.get_api_key(id=key.id, owner=True)["api_keys"]
    except NotFoundError:
        return False
    if not found or found[0].get("invalidated") or found[0].get("name") != WRITER_KEY_NAME:
        return False
    es.security.update_api_key(id=key.id, role_descriptors={WRITER_ROLE: WRITER_PRIVILEGES})
    return True


def retire_writer_keys(es: Elasticsearch, *, keep: ApiKey) -> list[str]:
    """Invalidate every other writer key setup made, so a lost key file leaves none behind."""
    keys = es.security.get_api_key(name=WRITER_KEY_NAME, owner=True, active_only=True)
    stale = [k["id"] for k in keys["api_keys"] if k["id"] != keep.id]
    if stale:
        es.security.invalidate_api_key(ids=stale)
    return stale


def set_kibana_system_password(es: Elasticsearch, password: str) -> None:
    """Kibana logs in to Elasticsearch as the built-in `kibana_system` user."""
    es.security.change_password(username="kibana_system", password=password)
