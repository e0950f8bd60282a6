"""Other people's posts that name an erased person by their @handle. The posts are their
own authors' and stay; the handle is the erased person's and goes, from the text, the
title and the response's reasons (a flag's reason quotes the words that raised it) Earshot
kept. Found by the handle as a word (the text analyser keeps `jane_doe`, `jane_doe's` and
`jane.bsky.social` whole: core.people.handle_words) and replaced only where it is the
whole handle.
"""

from __future__ import annotations

from elasticsearch import Elasticsearch, helpers

from earshot.core.people import handle_words, without_handles
from earshot.store.fields import MESSAGE, RESPONSE_REASONS, TITLE
from earshot.store.indices import MENTIONS
from earshot.store.keeping import Erasing, Redaction

_HUNT = {"ignore_unavailable": True, "allow_no_indices": True}


def redact_handles(es: Elasticsearch, erasing: Erasing) -> Redaction:
    updates: dict[str, dict] = {}
    homes: dict[str, str] = {}
    if erasing.handles:
        es.indices.refresh(index=MENTIONS, **_HUNT)
        naming = [
            {"match_phrase": {name: word}}
            for name in (MESSAGE, TITLE, RESPONSE_REASONS)
            for word in handle_words(erasing.handles)
        ]
        query = {
            "bool": {
                "should": naming,
                "minimum_should_match": 1,
                "must_not": [{"ids": {"values": sorted(erasing.ids)}}],  # erased whole
            }
        }
        for hit in helpers.scan(
            es,
            index=MENTIONS,
            query={"query": query},
            _source_includes=[MESSAGE, TITLE, RESPONSE_REASONS],
            **_HUNT,
        ):
            if doc := _redacted(hit["_source"], erasing.handles):
                updates[hit["_id"]] = doc
                homes[hit["_id"]] = hit["_index"]
    return Redaction(
        "mention naming them", MENTIONS, updates, {"mentions_naming": len(updates)}, homes
    )


def _redacted(source: dict, handles: frozenset[str]) -> dict:
    """The fields that change; none when the handle was only a look-alike."""
    doc: dict = {}
    message = source.get(MESSAGE)
    if message and (changed := without_handles(message, handles)) != message:
        doc[MESSAGE] = changed
    earshot = source.get("earshot", {})
    title = earshot.get("title")
    if title and (changed := without_handles(title, handles)) != title:
        doc["earshot"] = {"title": changed}
    reasons = earshot.get("response", {}).get("reasons") or []
    if (changed := [without_handles(r, handles) for r in reasons]) != reasons:
        doc.setdefault("earshot", {})["response"] = {"reasons": changed}
    return doc
