"""Who did what, when: every change a person or the pipeline makes to what Earshot keeps.

Workflow-status changes, alert acknowledgements and resolutions, erasures, retention
deletions and profile changes each write one record with the before and after, so a
data protection officer can answer "who changed this, and what was it before?".
Records go to monthly indices behind one alias, so retention drops whole months.
Which Elasticsearch user or API key wrote a record is set by the node, not the client (an
ingest pipeline every month setup's template makes runs, whatever the request asks): any
key that may add a record could otherwise claim to be any other.
"""

from __future__ import annotations

import getpass
import hashlib
import json
import os
from datetime import UTC, datetime
from typing import Any

from elasticsearch import ApiError, Elasticsearch

from earshot.core.errors import EarshotError
from earshot.store.indices import install_monthly, monthly_template

AUDIT = "earshot-audit"

_KEYWORD = {"type": "keyword", "ignore_above": 1024}
_MAPPING = {
    "dynamic": "strict",
    "properties": {
        "@timestamp": {"type": "date"},
        "action": _KEYWORD,  # e.g. mention.status, alert.acknowledge, erasure, retention.delete
        "target": _KEYWORD,  # what was changed: a mention or alert id, an index, a profile path
        # name: the person, as the client says; credentials: set by the node (CREDENTIALS).
        # principal: what the client said it was, in records made before credentials were.
        "actor": {
            "properties": {
                "name": _KEYWORD,
                "principal": _KEYWORD,
                "credentials": {
                    "properties": {
                        "username": _KEYWORD,
                        "authentication_type": _KEYWORD,
                        "realm": {"properties": {"name": _KEYWORD, "type": _KEYWORD}},
                        "api_key": {
                            "properties": {
                                "id": _KEYWORD,
                                "name": _KEYWORD,
                                "metadata": {"type": "object", "enabled": False},
                            }
                        },
                    }
                },
            }
        },
        "before": {"type": "object", "enabled": False},
        "after": {"type": "object", "enabled": False},
    },
}


class AuditNotWritten(EarshotError):
    """The change was made but its record refused: nobody may act unrecorded unnoticed."""


def actor_name() -> str:
    """The person (or service) acting: EARSHOT_ACTOR when a wrapper knows better (the DAGs
    set it to `airflow:<dag id>`), else the operating-system login running the command."""
    return os.environ.get("EARSHOT_ACTOR") or getpass.getuser()


# The ingest pipeline that writes `actor.credentials` from who the node authenticated. The
# audit months' final pipeline, which no Earshot role may change (a month made to skip it,
# which roles that may make the next month could do, `setup --check` names).
CREDENTIALS = "earshot-audit-credentials"
CREDENTIALS_FROM_THE_NODE = {
    "set_security_user": {
        "field": "actor.credentials",
        "properties": ["username", "api_key", "realm", "authentication_type"],
    }
}
_RUNS_CREDENTIALS = {"index.final_pipeline": CREDENTIALS}
AUDIT_TEMPLATE = monthly_template(
    AUDIT, _MAPPING, "Earshot audit trail, one index per month", _RUNS_CREDENTIALS
)


def ensure_audit(es: Elasticsearch) -> None:
    """Part of `earshot setup` (an administrator's key). Months an older Earshot made get
    the pipeline too, so the current month's next record is the node's word."""
    es.ingest.put_pipeline(
        id=CREDENTIALS,
        description="Earshot: which user or API key wrote an audit record, from the node",
        processors=[CREDENTIALS_FROM_THE_NODE],
    )
    install_monthly(es, AUDIT_TEMPLATE)
    if es.indices.exists_alias(name=AUDIT):
        es.indices.put_settings(index=AUDIT, settings=_RUNS_CREDENTIALS)


def record(
    es: Elasticsearch,
    action: str,
    target: str,
    *,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    actor: str | None = None,
    record_id: str | None = None,
) -> bool:
    """Write one audit record. The node records which credentials wrote it beside the named
    actor, so a shared login still shows which user or key made the change.

    With `record_id`, writers that may notice the same change at once (parallel collect
    tasks) write it once: the first creates it, the rest find it there and return False.
    """
    now = datetime.now(UTC)
    # A bulk of one `create`: the keys may add a record (a bulk create) and nothing more,
    # as a plain index request would also need the right to overwrite one.
    created = {"_index": f"{AUDIT}-{now:%Y.%m}"} | ({"_id": record_id} if record_id else {})
    document = {
        "@timestamp": now.isoformat(),
        "action": action,
        "target": target,
        "actor": {"name": actor or actor_name()},
        "before": before or {},
        "after": after or {},
    }
    result = es.bulk(operations=[{"create": created}, document], refresh="wait_for")
    item = result["items"][0]["create"]
    if item["status"] == 409:
        return False
    if "error" in item:
        raise AuditNotWritten(f"audit record {action} on {target}: {item['error']['reason']}")
    return True


def history(
    es: Elasticsearch, *, action: str | None = None, size: int = 100, with_ids: bool = False
) -> list[dict]:
    """The newest audit records first, optionally of one action."""
    query = {"term": {"action": action}} if action else {"match_all": {}}
    try:
        hits = es.search(index=AUDIT, query=query, size=size, sort=[{"@timestamp": "desc"}])[
            "hits"
        ]["hits"]
    except ApiError as e:
        if e.status_code == 404:
            return []
        raise
    return [hit["_source"] | ({"id": hit["_id"]} if with_ids else {}) for hit in hits]


def note_profile(es: Elasticsearch, profile: dict[str, Any]) -> bool:
    """Record a "profile.change" when the profile differs from the last one recorded (or
    none was): before/after fingerprints and the top-level keys that changed. The profile
    holds no secrets, but its recipients are staff addresses, so only fingerprints are
    kept, and the retention and privacy settings in clear, as a DPO asks about those.
    The collect run calls this; it sees the change, not who edited the file, so the
    actor is the pipeline. Returns whether a record was written."""
    keys = {key: _fingerprint(value) for key, value in profile.items()}
    current = {
        "hash": _fingerprint(profile),
        "keys": keys,
        **{key: profile[key] for key in ("retention", "privacy") if key in profile},
    }
    last = history(es, action="profile.change", size=1, with_ids=True)
    before = {k: v for k, v in last[0]["after"].items() if k != "changed"} if last else {}
    if before.get("hash") == current["hash"]:
        return False
    changed = sorted(
        k
        for k in keys.keys() | before.get("keys", {}).keys()
        if keys.get(k) != before.get("keys", {}).get(k)
    )
    previous_id = last[0]["id"] if last else ""
    return record(
        es,
        "profile.change",
        "profile",
        before=before,
        after=current | {"changed": changed},
        record_id=hashlib.sha256(f"{previous_id}\n{current['hash']}".encode()).hexdigest()[:32],
    )


def _fingerprint(value: Any) -> str:
    canonical = json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def principal(record: dict) -> str:
    """Which Elasticsearch user (and API key) wrote the record, as the node set it. The node
    adds to what the client sent, so an API key is only believed when the node says that
    is how the writer signed in. Older records have only what the client said."""
    actor = record.get("actor", {})
    credentials = actor.get("credentials")
    if not credentials:
        return actor.get("principal", "unknown")
    if credentials.get("authentication_type") == "API_KEY":
        return f"{credentials['username']}, API key {credentials['api_key'].get('name')}"
    return credentials["username"]
