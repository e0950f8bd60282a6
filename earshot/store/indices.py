"""Index design. Mentions go to monthly indices behind one read alias, so retention can
drop whole months and every reader uses one name. Only core field types are used: the
test distribution has no analysis-common, mapper-extras, wildcard, ILM or data streams.
"""

from __future__ import annotations

from datetime import datetime

from elasticsearch import ApiError, Elasticsearch

MENTIONS = "earshot-mentions"
CURSORS = "earshot-cursors"
# Ids of mentions erased at their author's request, so a feed that still carries the post
# never brings it back (governance/erasure.py writes them, store/mentions.py skips them).
ERASED = "earshot-erased"

_KEYWORD = {"type": "keyword", "ignore_above": 1024}
_TEXT = {"type": "text"}
_DATE = {"type": "date"}
_BOOLEAN = {"type": "boolean"}
_SENTIMENT = {"properties": {"score": {"type": "float"}, "label": _KEYWORD}}

MENTION_MAPPING = {
    "dynamic": "strict",
    "properties": {
        "@timestamp": _DATE,
        "message": _TEXT,
        "url": {"properties": {"full": _KEYWORD}},
        "event": {
            "properties": {
                "provider": _KEYWORD,
                "dataset": _KEYWORD,
                "created": _DATE,
                "ingested": _DATE,
            }
        },
        # user.id: the author's keyed pseudonym (earshot/core/pseudonym.py), what people are counted
        # and erased by; user.name: the handle, for replying, absent under privacy.hide_handles.
        "user": {"properties": {"id": _KEYWORD, "name": _KEYWORD}},
        "tags": _KEYWORD,
        "labels": {"type": "object", "dynamic": True},
        "earshot": {
            "properties": {
                "title": _TEXT,
                "is_reply": _BOOLEAN,
                "force_terms": _KEYWORD,
                "relevance": _KEYWORD,
                "tone": _SENTIMENT,
                "toward_force": _SENTIMENT,
                "topics": _KEYWORD,
                "risk_flags": _KEYWORD,
                "places": _KEYWORD,
                "in_area": _BOOLEAN,
                "location": {"type": "geo_point"},
                "language": _KEYWORD,
                "response": {
                    "properties": {
                        "action": _KEYWORD,
                        "priority": {"type": "integer"},
                        "reasons": _TEXT,
                    }
                },
                "status": _KEYWORD,
                "by_force": _BOOLEAN,
                "canonical_url": _KEYWORD,
                "near_duplicate": {
                    "properties": {
                        "bands": _KEYWORD,
                        "signature": {"type": "long", "index": False, "doc_values": False},
                    }
                },
                "cluster": _KEYWORD,
                "duplicate_of": _KEYWORD,
            }
        },
    },
    "dynamic_templates": [
        {"labels_as_keywords": {"path_match": "labels.*", "mapping": _KEYWORD}},
    ],
}


def mentions_index(published: datetime) -> str:
    """Month of publication, not of collection, so a re-collected item finds its first home."""
    return f"{MENTIONS}-{published:%Y.%m}"


# Earshot's indices are small: one shard, a replica once a second node joins.
SMALL_INDEX = {"number_of_shards": 1, "auto_expand_replicas": "0-1"}


def ensure_monthly_template(
    es: Elasticsearch, alias: str, mappings: dict, description: str
) -> None:
    """Monthly indices `<alias>-YYYY.MM` get the mapping and join the alias as they are made,
    so retention can drop whole months and readers use one name."""
    es.indices.put_index_template(
        name=alias,
        index_patterns=[f"{alias}-*"],
        priority=200,
        template={"settings": SMALL_INDEX, "mappings": mappings, "aliases": {alias: {}}},
        meta={"description": description},
    )


def ensure_index(es: Elasticsearch, name: str, mappings: dict) -> None:
    """Create a single index once; another task creating it at the same moment is no error."""
    if es.indices.exists(index=name):
        return
    try:
        es.indices.create(index=name, settings=SMALL_INDEX, mappings=mappings)
    except ApiError as e:
        if e.error != "resource_already_exists_exception":
            raise


def ensure_indices(es: Elasticsearch) -> None:
    """Idempotent: every run may call it, so a fresh or wiped cluster just works."""
    ensure_monthly_template(
        es, MENTIONS, MENTION_MAPPING, "Earshot mentions, one index per month of publication"
    )
    if es.indices.exists_alias(name=MENTIONS):
        # Months indexed by an older Earshot get the fields added since (additions only).
        es.indices.put_mapping(index=MENTIONS, properties=MENTION_MAPPING["properties"])
    ensure_index(
        es,
        CURSORS,
        {
            "dynamic": "strict",
            "properties": {
                "source": _KEYWORD,
                "state": {"type": "object", "enabled": False},
                "updated": _DATE,
            },
        },
    )
