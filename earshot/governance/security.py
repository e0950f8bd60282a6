"""Who may do what in Elasticsearch: the pipeline writes, analysts read, an administrator
looks after Earshot's indices and reads the audit trail; nobody gets anyone else's data.

The pipeline gets an API key limited to Earshot's own indices, so a leaked Airflow secret
cannot read, write or delete anything else in the force's cluster. Indices are named
exactly (monthly indices by a regular expression, never `earshot-*`), so an index of the
force's that merely starts with `earshot-` is nobody's business here. No role may manage
security or put a template or mapping (only `earshot setup` does, with an administrator's
credentials), and no role can overwrite or edit an audit record or an erasure tombstone: they
are only added to. Retention, with the maintenance key, drops whole audit months once all of
them have expired; no role deletes a single audit record, and only the administrator a
tombstone (an erasure made in error).
The writer's privileges are exactly what the pipeline's own calls need
(tests/policy/test_access.py runs those calls as a user holding this role).
"""

from __future__ import annotations

import base64
from dataclasses import dataclass

from elasticsearch import Elasticsearch, NotFoundError

from earshot.alerts.model import ALERTS
from earshot.desk.signin import RESPONDER
from earshot.digest.archive import DIGESTS
from earshot.store import connection
from earshot.store.audit import AUDIT
from earshot.store.indices import CURSORS, ERASED, MENTIONS

WRITER_ROLE = "earshot_writer"
MAINTENANCE_ROLE = "earshot_maintenance"
ANALYST_ROLE = "earshot_analyst"
RESPONDER_ROLE = RESPONDER  # the desk checks it to show the workflow's buttons
ADMIN_ROLE = "earshot_admin"


def _months_of(alias: str) -> str:
    """The monthly indices behind `alias` (`earshot-mentions-2026.11`), and nothing else:
    exactly the months its template shapes (store/indices.py, years 2000 to 2099)."""
    return f"/{alias}-20[0-9]{{2}}\\.(0[1-9]|1[0-2])/"


MENTION_INDICES = [MENTIONS, _months_of(MENTIONS)]
AUDIT_INDICES = [AUDIT, _months_of(AUDIT)]
# One index each: retention deletes their documents, never the index (tombstones never).
EXPIRING_INDICES = [CURSORS, ALERTS, DIGESTS]
SINGLE_INDICES = [*EXPIRING_INDICES, ERASED]

# Adding and updating documents, by action name: the `index` and `create_doc` privileges
# would also let a key put mappings (Elasticsearch warns it will stop in its next major). A
# new field of a dynamic object (`labels`) still maps itself, through `auto_configure`.
WRITE_DOCUMENTS = [
    "indices:data/write/index*",
    "indices:data/write/bulk*",
    "indices:data/write/update*",
]
# Adding a document that is not there yet, and nothing else: append-only.
ADD_DOCUMENTS = ["indices:data/write/index:op_type/create", "indices:data/write/bulk*"]

# Alerts and deliveries, digests built and sent, cursors: written, read back, refreshed.
_KEEPING = [
    "auto_configure",  # dynamic mapping updates on write
    *WRITE_DOCUMENTS,
    "read",
    "view_index_metadata",
    "maintenance",
]
WRITER_PRIVILEGES: dict = {
    # No cluster privilege: templates and mappings are `earshot setup`'s (an administrator's).
    "cluster": [],
    "indices": [
        {
            "names": MENTION_INDICES,
            "privileges": [
                "create_index",  # a new month's index, shaped by setup's template
                "auto_configure",  # a new label's field, added by dynamic mapping
                *WRITE_DOCUMENTS,  # mentions (bulk create), workflow status
                "read",  # the already-indexed lookup; erasure finds what to delete
                "view_index_metadata",  # does a month exist yet
                "maintenance",  # refresh before the already-indexed lookup
                "delete",  # erasure, one mention at a time; never a whole month
            ],
        },
        {
            "names": [ALERTS, DIGESTS],
            "privileges": _KEEPING,  # erasure only redacts them: never a delete
        },
        {
            "names": [CURSORS],
            "privileges": [*_KEEPING, "delete"],  # the story lease, given back after each source
        },
        {
            # Append-only: an audit record or a tombstone, once written, stays as written.
            "names": [*AUDIT_INDICES, ERASED],
            "privileges": [
                "create_index",  # a new month's audit index, shaped by setup's template
                *ADD_DOCUMENTS,  # add records; never overwrite, update or delete one
                "read",  # the last profile change; is this post erased
                "view_index_metadata",
                "maintenance",  # one refresh after an erasure's tombstones
            ],
        },
    ],
}
# What retention reads to tell what expired from what is kept: the indices there, refreshed.
_RETENTION_READS = ["read", "view_index_metadata", "maintenance"]
# The maintenance DAG's own key: retention, which alone drops whole expired months and
# deletes expired mentions. It deletes no audit record or tombstone, only whole expired
# audit months, and adds nothing but its own audit records. Elasticsearch cannot limit
# `delete_index` to expired months: this key could drop a current one (the docs say so).
MAINTENANCE_PRIVILEGES: dict = {
    "cluster": [],
    "indices": [
        {
            "names": MENTION_INDICES,
            "privileges": [
                *_RETENTION_READS,
                "delete",  # expired mentions of the month that straddles the cut-off
                "delete_index",  # a whole month once all of it has expired
            ],
        },
        {
            "names": EXPIRING_INDICES,
            "privileges": [*_RETENTION_READS, "delete"],
        },
        {
            "names": AUDIT_INDICES,
            "privileges": [*_RETENTION_READS, "delete_index", "create_index", *ADD_DOCUMENTS],
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
# workflow and auditing it.
RESPONDER_PRIVILEGES: dict = {
    "cluster": [],
    "indices": [
        {
            "names": MENTION_INDICES,
            # auto_configure: the first assignee or outcome label adds its keyword field
            "privileges": ["read", "view_index_metadata", *WRITE_DOCUMENTS, "auto_configure"],
        },
        {
            "names": [ALERTS],
            "privileges": ["read", "view_index_metadata", *WRITE_DOCUMENTS, "auto_configure"],
        },
        {"names": AUDIT_INDICES, "privileges": ["create_index", *ADD_DOCUMENTS]},
    ],
    "applications": [_KIBANA_READ],
}
# Earshot's templates are `earshot setup`'s, which runs as a superuser: see the README.
ADMIN_PRIVILEGES: dict = {
    "cluster": [],
    "indices": [
        {
            # Erasure, repairs, mappings, deleting what must go.
            "names": [*MENTION_INDICES, *SINGLE_INDICES],
            "privileges": ["read", "write", "manage"],
        },
        {
            # Read the trail and add records (erasure), as the pipeline does: never edit,
            # delete or drop one. Expired months are the maintenance key's to drop.
            "names": AUDIT_INDICES,
            "privileges": ["read", "view_index_metadata", "create_index", *ADD_DOCUMENTS],
        },
    ],
    "applications": [_KIBANA_READ],
}
ROLES: dict[str, tuple[str, dict]] = {
    WRITER_ROLE: (
        "Earshot's pipeline: writes Earshot's indices, deletes single erased mentions; "
        "audit and erasure records append-only",
        WRITER_PRIVILEGES,
    ),
    MAINTENANCE_ROLE: (
        "Earshot's maintenance DAG: deletes what has expired, whole months included",
        MAINTENANCE_PRIVILEGES,
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


@dataclass(frozen=True)
class PipelineKey:
    """An API key setup makes for Airflow: one role's privileges, so each job holds only its
    own (the pipeline's key cannot drop a month; the maintenance key cannot write mentions)."""

    name: str
    role: str
    purpose: str
    variable: str  # where Airflow's tasks find it (earshot.store.connection)

    @property
    def privileges(self) -> dict:
        return ROLES[self.role][1]


WRITER_KEY = PipelineKey(
    "earshot-writer",
    WRITER_ROLE,
    "the Airflow pipeline: collect, alerts, digest",
    connection.PIPELINE_KEY,
)
MAINTENANCE_KEY = PipelineKey(
    "earshot-maintenance",
    MAINTENANCE_ROLE,
    "the maintenance DAG: retention",
    connection.MAINTENANCE_KEY,
)
PIPELINE_KEYS = (WRITER_KEY, MAINTENANCE_KEY)


def create_key(es: Elasticsearch, kind: PipelineKey) -> ApiKey:
    """A key carrying one role's privileges, owned by whoever runs setup."""
    created = es.security.create_api_key(
        name=kind.name,
        role_descriptors={kind.role: kind.privileges},
        metadata={**_ABOUT, "purpose": kind.purpose},
    )
    return ApiKey(id=created["id"], encoded=created["encoded"])


def renew_key(es: Elasticsearch, kind: PipelineKey, key: ApiKey) -> bool:
    """Bring a still-valid key up to today's privileges. False if it is no longer valid."""
    try:
        found = es.security.get_api_key(id=key.id, owner=True)["api_keys"]
    except NotFoundError:
        return False
    if not found or found[0].get("invalidated") or found[0].get("name") != kind.name:
        return False
    es.security.update_api_key(id=key.id, role_descriptors={kind.role: kind.privileges})
    return True


def retire_keys(es: Elasticsearch, kind: PipelineKey, *, keep: ApiKey) -> list[str]:
    """Invalidate every other key of this kind setup made, so a lost key file leaves none
    behind."""
    keys = es.security.get_api_key(name=kind.name, owner=True, active_only=True)
    stale = [k["id"] for k in keys["api_keys"] if k["id"] != keep.id]
    if stale:
        es.security.invalidate_api_key(ids=stale)
    return stale


def set_kibana_system_password(es: Elasticsearch, password: str) -> None:
    """Kibana logs in to Elasticsearch as the built-in `kibana_system` user."""
    es.security.change_password(username="kibana_system", password=password)
