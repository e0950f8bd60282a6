"""Index design. Mentions go to monthly indices behind one read alias, so retention can
drop whole months and every reader uses one name. Only core field types are used: the
test distribution has no analysis-common, mapper-extras, wildcard, ILM or data streams.
"""

from __future__ import annotations

from datetime import datetime

from elasticsearch import ApiError, Elasticsearch

from earshot.core.errors import EarshotError

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
        "url": {"properties": {"full": _KEYWORD, "shared": _BOOLEAN}},
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
                "story_key": _KEYWORD,
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
# The months a template shapes, by exact name. A wildcard (`earshot-mentions-*`) would give
# any index named like that, another team's `earshot-mentions-notes` say, Earshot's mapping
# and alias, and so let Earshot's readers into it. Exact names are exactly the names the
# roles let the pipeline create (governance/security.py), and nothing else.
TEMPLATE_YEARS = range(2000, 2100)


class NotInstalled(EarshotError):
    """Earshot's templates and indices are `earshot setup`'s job: the pipeline's key may not
    make them, so it stops here rather than write into an index nothing shaped."""


def month_names(alias: str) -> list[str]:
    """Every `<alias>-YYYY.MM` a template shapes."""
    return [f"{alias}-{year}.{month:02d}" for year in TEMPLATE_YEARS for month in range(1, 13)]


def monthly_template(
    alias: str, mappings: dict, description: str, settings: dict | None = None
) -> dict:
    """Monthly indices get the mapping and join the alias as they are made, so retention can
    drop whole months and readers use one name."""
    return {
        "name": alias,
        "index_patterns": month_names(alias),
        "priority": 200,
        "template": {
            "settings": SMALL_INDEX | (settings or {}),
            "mappings": mappings,
            "aliases": {alias: {}},
        },
        "meta": {"description": description},
    }


def install_monthly(es: Elasticsearch, template: dict) -> None:
    """The template, and the fields added since for months an older Earshot made."""
    es.indices.put_index_template(**template)
    alias = template["name"]
    if es.indices.exists_alias(name=alias):
        es.indices.put_mapping(
            index=alias, properties=template["template"]["mappings"]["properties"]
        )


def install_index(es: Elasticsearch, name: str, mappings: dict) -> None:
    """Create a single index, or add the fields added since to an older Earshot's."""
    if es.indices.exists(index=name):
        es.indices.put_mapping(index=name, properties=mappings["properties"])
        return
    try:
        es.indices.create(index=name, settings=SMALL_INDEX, mappings=mappings)
    except ApiError as e:
        if e.error != "resource_already_exists_exception":
            raise


def require_installed(es: Elasticsearch, *names: str) -> None:
    """One clear line when `earshot setup` has not been run on this cluster."""
    if es.indices.exists(index=",".join(names)):
        return
    missing = [name for name in names if not es.indices.exists(index=name)]
    raise NotInstalled(
        f"Elasticsearch has no {', '.join(missing)}: run `earshot setup` with an "
        "administrator's credentials to install Earshot's templates and indices"
    )


def missing_fields(es: Elasticsearch, name: str, mappings: dict) -> list[str]:
    """The fields this Earshot writes that the index does not map (dotted paths)."""
    found = es.indices.get_mapping(index=name)
    return lacking([index["mappings"] for index in found.values()], mappings)


def lacking(have: list[dict], wanted: dict) -> list[str]:
    """The fields `wanted` maps that none of the mappings `have` does (dotted paths, so a
    field added inside an object, `url.shared`, is named too)."""
    return sorted(_paths(wanted) - set().union(*map(_paths, have)))


def require_fields(es: Elasticsearch, name: str, mappings: dict) -> None:
    """One clear line before anything goes out when an upgraded Earshot writes a field the
    cluster's strict mapping has not got: the write after it would be refused (an email
    sent, its record refused, so sent again every run) until `earshot setup` adds it."""
    if missing := missing_fields(es, name, mappings):
        raise NotInstalled(
            f"{name} has no field {', '.join(missing)}: run `earshot setup` with an "
            "administrator's credentials to add the fields this version of Earshot writes"
        )


def _paths(mapping: dict, prefix: str = "") -> set[str]:
    paths: set[str] = set()
    for name, field in mapping.get("properties", {}).items():
        paths |= {prefix + name, *_paths(field, f"{prefix}{name}.")}
    return paths


MENTIONS_TEMPLATE = monthly_template(
    MENTIONS, MENTION_MAPPING, "Earshot mentions, one index per month of publication"
)
CURSORS_MAPPING = {
    "dynamic": "strict",
    "properties": {
        "source": _KEYWORD,
        "state": {"type": "object", "enabled": False},
        "updated": _DATE,
        # Last success, last error, items heard and warnings of the last run (stats shows it).
        "health": {"type": "object", "enabled": False},
    },
}
ERASED_MAPPING = {
    "dynamic": "strict",
    "properties": {"erased": _DATE, "link": {"type": "keyword"}},
}


def ensure_indices(es: Elasticsearch) -> None:
    """The store's part of `earshot setup` (an administrator's key): idempotent."""
    install_monthly(es, MENTIONS_TEMPLATE)
    install_index(es, CURSORS, CURSORS_MAPPING)
    install_index(es, ERASED, ERASED_MAPPING)
