"""Where each source got to, kept in Elasticsearch so a restart or a new worker resumes it."""

from __future__ import annotations

from datetime import UTC, datetime

from elasticsearch import Elasticsearch, NotFoundError

from earshot.store.indices import CURSORS


def load_cursor(es: Elasticsearch, source: str) -> dict[str, str]:
    try:
        return es.get(index=CURSORS, id=source)["_source"]["state"]
    except NotFoundError:
        return {}


def save_cursor(es: Elasticsearch, source: str, state: dict[str, str]) -> None:
    """Call only after the mentions heard with this cursor are indexed."""
    es.index(
        index=CURSORS,
        id=source,
        document={"source": source, "state": state, "updated": datetime.now(UTC).isoformat()},
    )
