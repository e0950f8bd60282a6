"""Who did what, when: every change a person or the pipeline makes to what Earshot keeps.

Workflow-status changes, alert acknowledgements and resolutions, erasures, retention
deletions and profile changes each write one record with the before and after, so a
data protection officer can answer "who changed this, and what was it before?".
Records go to monthly indices behind one alias, so retention drops whole months.
"""

from __future__ import annotations

import getpass
import os
from datetime import UTC, datetime
from typing import Any

from elasticsearch import ApiError, Elasticsearch

AUDIT = "earshot-audit"

_KEYWORD = {"type": "keyword", "ignore_above": 1024}
_MAPPING = {
    "dynamic": "strict",
    "properties": {
        "@timestamp": {"type": "date"},
        "action": _KEYWORD,  # e.g. mention.status, alert.acknowledge, erasure, retention.delete
        "target": _KEYWORD,  # what was changed: a mention or alert id, an index, a profile path
        "actor": {"properties": {"name": _KEYWORD, "principal": _KEYWORD}},
        "before": {"type": "object", "enabled": False},
        "after": {"type": "object", "enabled": False},
    },
}


def actor_name() -> str:
    """The person (or service) acting: EARSHOT_ACTOR when a wrapper knows better (the DAGs
    set it to `airflow:<dag id>`), else the operating-system login running the command."""
    return os.environ.get("EARSHOT_ACTOR") or getpass.getuser()


def ensure_audit(es: Elasticsearch) -> None:
    es.indices.put_index_template(
        name=AUDIT,
        index_patterns=[f"{AUDIT}-*"],
        priority=200,
        template={
            "settings": {"number_of_shards": 1, "auto_expand_replicas": "0-1"},
            "mappings": _MAPPING,
            "aliases": {AUDIT: {}},
        },
        meta={"description": "Earshot audit trail, one index per month"},
    )


def record(
    es: Elasticsearch,
    action: str,
    target: str,
    *,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    actor: str | None = None,
) -> None:
    """Write one audit record. The Elasticsearch principal is recorded beside the named
    actor, so a shared login still shows which credentials made the change."""
    ensure_audit(es)
    now = datetime.now(UTC)
    es.index(
        index=f"{AUDIT}-{now:%Y.%m}",
        document={
            "@timestamp": now.isoformat(),
            "action": action,
            "target": target,
            "actor": {"name": actor or actor_name(), "principal": _principal(es)},
            "before": before or {},
            "after": after or {},
        },
        refresh="wait_for",
    )


def history(es: Elasticsearch, *, action: str | None = None, size: int = 100) -> list[dict]:
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
    return [hit["_source"] for hit in hits]


def _principal(es: Elasticsearch) -> str:
    try:
        return es.security.authenticate()["username"]
    except ApiError:
        return "unknown"
