"""Where each source got to, kept in Elasticsearch so a restart or a new worker resumes it;
and, beside it, how the source is faring (`health`), so an analyst can see which sources
are alive without reading Airflow's logs (`earshot stats`)."""

from __future__ import annotations

from datetime import UTC, datetime

from elasticsearch import Elasticsearch, NotFoundError

from earshot.core.errors import EarshotError
from earshot.core.fetch import redact
from earshot.store.indices import CURSORS


class CursorsUnreadable(EarshotError):
    """These credentials may not read the cursors (the analyst role may not)."""


ERROR_CHARS = 200  # a server's explanation can be long; the line must fit a terminal


def load_cursor(es: Elasticsearch, source: str) -> dict[str, str]:
    try:
        return es.get(index=CURSORS, id=source)["_source"].get("state", {})  # none: never heard
    except NotFoundError:
        return {}


def save_cursor(
    es: Elasticsearch,
    source: str,
    state: dict[str, str],
    *,
    heard: int = 0,
    warnings: tuple[str, ...] = (),
    wait_until: datetime | None = None,
) -> None:
    """Call only after the mentions heard with this cursor are indexed. The whole cursor is
    replaced (a key the listener dropped must go), the last error kept: when a source last
    failed matters after it recovers too. `wait_until`: the platform is not to be asked
    before then (its rate limit was spent on a page read); without one, any wait ends."""
    now = datetime.now(UTC).isoformat()
    kept = {k: v for k, v in _health(es, source).items() if k.startswith("last_error")}
    health = kept | {
        "last_success": now,
        "heard": heard,
        "warnings": list(warnings),
        "wait_until": wait_until.isoformat() if wait_until else None,
    }
    es.index(
        index=CURSORS,
        id=source,
        document={"source": source, "state": state, "updated": now, "health": health},
    )


def note_failure(
    es: Elasticsearch,
    source: str,
    reason: str,
    *,
    spent: dict[str, str] | None = None,
    wait_until: datetime | None = None,
) -> None:
    """The source could not be heard: its reason (one line, query secrets blanked) and when,
    added beside the cursor, whose state stays as it was, but for `spent`: the cursor with
    what cost quota to learn (a listener's `spent`), kept though the run failed. `wait_until`:
    the platform is not to be asked before then (a 429's wait); a failure without one ends
    any wait an earlier failure set."""
    line = redact(" ".join(reason.split()))
    if len(line) > ERROR_CHARS:
        line = line[: ERROR_CHARS - 1] + "…"
    now = datetime.now(UTC).isoformat()
    # `updated` too: retention keeps the cursor of a source still being tried, and no longer.
    failed = {
        "last_error": line,
        "last_error_at": now,
        "wait_until": wait_until.isoformat() if wait_until else None,
    }
    es.update(
        index=CURSORS,
        id=source,
        doc={"source": source, "updated": now, "health": failed}
        | ({"state": spent} if spent is not None else {}),
        doc_as_upsert=True,
    )


def wait_until(es: Elasticsearch, source: str) -> datetime | None:
    """When the source's platform may be asked again, if its last run was asked to wait (a
    429's, `note_failure`; a spent rate limit's, `save_cursor`)."""
    return _health_time(es, source, "wait_until")


def load_cursors(es: Elasticsearch, sources: list[str]) -> dict[str, dict]:
    """Each source's cursor document (state and health); absent for one never collected."""
    if not sources:
        return {}
    docs = es.mget(index=CURSORS, ids=sources)["docs"]
    # A refusal comes per document, not as the request's 403: "never collected" would be a lie.
    if refused := [doc["error"] for doc in docs if "error" in doc]:
        raise CursorsUnreadable(f"{CURSORS}: {refused[0].get('reason', refused[0])}")
    return {doc["_id"]: doc["_source"] for doc in docs if doc.get("found")}


def _health(es: Elasticsearch, source: str) -> dict:
    try:
        return es.get(index=CURSORS, id=source)["_source"].get("health", {})
    except NotFoundError:
        return {}


def _health_time(es: Elasticsearch, source: str, key: str) -> datetime | None:
    moment = _health(es, source).get(key)
    return datetime.fromisoformat(moment) if moment else None
