"""Who may do what in Elasticsearch: the pipeline writes, analysts read, an administrator
looks after Earshot's indices and reads the audit trail; nobody gets anyone else's data.

The pipeline gets an API key limited to Earshot's own indices, so a leaked Airflow secret
cannot read, write or delete anything else in the force's cluster. Indices are named
exactly (monthly indices by a regular expression, never `earshot-*`), so an index of the
force's that merely starts with `earshot-` is nobody's business here. No role may manage
security, and no role can overwrite or edit an audit record: it is only added to, and
deleted by retention once expired. The writer's privileges are exactly what the pipeline's
own calls need (tests/policy/test_access.py runs those calls as a user holding this role).
"""

from __future__ import annotations

import base64
from dataclasses import dataclass

from elasticsearch import Elasticsearch, NotFoundError

from earshot.alerts.model import ALERTS
from earshot.desk.signin import RESPONDER
from earshot.digest.archive import DIGESTS
from earshot.store.audit import AUDIT
from earshot.store.indices import CURSORS, ERASED, MENTIONS

WRITER_ROLE = "earshot_writer"
ANALYST_ROLE = "earshot_analyst"
RESPONDER_ROLE = RESPONDER  # the desk checks it to show the workflow's buttons
ADMIN_ROLE = "earshot_admin"
WRITER_KEY_NAME = "earshot-writer"


def _months_of(alias: str) -> str:
    """The monthly indices behind `alias` (`earshot-mentions-2026.11`), and nothing else."""
    return f"/{alias}-[0-9]{{4}}\\.[0-9]{{2}}/"


MENTION_INDICES = [MENTIONS, _months_of(MENTIONS)]
AUDIT_INDICES = [AUDIT, _months_of(AUDIT)]
# One index each: retention deletes their documents, never the index.
SINGLE_INDICES = [CURSORS, ALERTS, DIGESTS, ERASED]

WRITER_PRIVILEGES: dict = {
    "cluster": ["manage_index_templates"],  # every run re-saves the mentions and audit templates
    "indices": [
        {
            "names": MENTION_INDICES,
            "privileges": [
                "create_index",  # a new month's index
                "auto_configure",  # a new label's field, added by dynamic mapping
                "index",  # mentions (bulk create), workflow status, new mapping fields
                "read",  # the already-indexed lookup; retention and erasure find what to delete
                "view_index_metadata",  # does the alias exist yet; which months are there
                "maintenance",  # refresh before the already-indexed lookup
                "delete",  # erasure; expired mentions of the month that straddles the cut-off
                "delete_index",  # retention drops whole expired months
            ],
        },
        {
            "names": SINGLE_INDICES,
            "privileges": [
                "create_index",  # on a fresh cluster
                "auto_configure",  # dynamic mapping updates on write
                "index",  # cursors, alerts and their deliveries, digests as built and sent
                "read",
                "view_index_metadata",
                "maintenance",
                "delete",  # retention and erasure, document by document
            ],
        },
        {
            "names": AUDIT_INDICES,
            "privileges": [
                "create_index",  # a new month's audit index
                "create_doc",  # add records; never overwrite or update one
                "read",  # the last profile change; retention finds expired records
                "view_index_metadata",  # which months are there
                "maintenance",  # retention refreshes before it counts
                "delete",  # expired records of the month that straddles the cut-off
                "delete_index",  # retention drops whole expired months
            ],
        },
    ],
}
# Kibana: read-only use of every app (Discover, dashboards) in the default space.
_KIBANA_READ = {
    "application": "kibana-.kibana",
    "privileges": ["space_read"],
    "resources": ["space:default"],
}
ANALYST_PRIVILEGES: dict = {
    "cluster": [],
    "indices": [
        {
            "names": [*MENTION_INDICES, ALERTS],
            "privileges": ["read", "view_index_metadata"],
        }
    ],
    "applications": [_KIBANA_READ],
}
# The response desk: what an analyst reads, plus moving mentions and alerts along the
# workflow and auditing it (record() re-saves the audit template, hence the cluster privilege).
RESPONDER_PRIVILEGES: dict = {
    "cluster": ["manage_index_templates"],
    "indices": [
        {
            "names": MENTION_INDICES,
            # auto_configure: the first assignee or outcome label adds its keyword field
            "privileges": ["read", "view_index_metadata", "index", "auto_configure"],
        },
        {
            "names": [ALERTS],
            "privileges": ["read", "view_index_metadata", "index", "auto_configure"],
        },
        {"names": AUDIT_INDICES, "privileges": ["create_index", "create_doc"]},
    ],
    "applications": [_KIBANA_READ],
}
ADMIN_PRIVILEGES: dict = {
    "cluster": ["manage_index_templates"],
    "indices": [
        {
            # Erasure, repairs, mappings, deleting what must go.
            "names": [*MENTION_INDICES, *SINGLE_INDICES],
            "privileges": ["read", "write", "manage"],
        },
        {
            # Read the trail and drop expired months; add records (erasure), never edit one.
            "names": AUDIT_INDICES,
            "privileges": ["read", "create_doc", "manage"],
        },
    ],
    "applications": [_KIBANA_READ],
}
ROLES: dict[str, tuple[str, dict]] = {
    WRITER_ROLE: (
        "Earshot's pipeline: writes, and deletes what expires or is erased, in Earshot's "
        "indices only",
        WRITER_PRIVILEGES,
    ),
    ANALYST_ROLE: (
        "Earshot's comms analysts: read mentions and alerts, use Kibana read-only",
        ANALYST_PRIVILEGES,
    ),
    RESPONDER_ROLE: (
        "Earshot's responders: what analysts read, and the response desk's workflow changes",
        RESPONDER_PRIVILEGES,
    ),
    ADMIN_ROLE: (
        "Earshot's administrator: manages Earshot's indices, reads the audit trail, erases",
        ADMIN_PRIVILEGES,
    ),
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
    for name, (description, privileges) in ROLES.items():
        es.security.put_role(name=name, description=description, metadata=_ABOUT, **privileges)


def create_writer_key(es: Elasticsearch) -> ApiKey:
    """A key carrying the writer role's privileges, owned by whoever runs setup."""
    created = es.security.create_api_key(
        name=WRITER_KEY_NAME,
        role_descriptors={WRITER_ROLE: WRITER_PRIVILEGES},
        metadata={
            **_ABOUT,
            "purpose": "the Airflow pipeline: collect, alerts, digest, maintenance",
        },
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
