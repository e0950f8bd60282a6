"""The alert records as other packages see them: what the digest reports of a day, how long
a record is kept, and what an erasure takes out of one. Only this package knows an alert's
shape; governance composes `RETENTION` and `redact_quotes` with the other kinds' rules.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from elasticsearch import Elasticsearch, helpers

from earshot.alerts.model import ALERTS
from earshot.core.people import handle_words, without_handles
from earshot.store.keeping import Erasing, Redaction, RetentionRule


@dataclass(frozen=True)
class Opened:
    """Alerts opened in a period, and those open now."""

    opened: int
    still_open: int
    open_messages: tuple[str, ...]  # the newest open ones, newest first


def opened_between(
    es: Elasticsearch, start: datetime, end: datetime, *, listed: int = 5
) -> Opened | None:
    """Alerts opened in [start, end), and how many (and the newest `listed`) are still open;
    None on a cluster where no alert was ever raised."""
    if not es.indices.exists(index=ALERTS):
        return None
    period = {"gte": start.astimezone(UTC).isoformat(), "lt": end.astimezone(UTC).isoformat()}
    opened = es.count(index=ALERTS, query={"range": {"@timestamp": period}})["count"]
    still_open = es.search(
        index=ALERTS,
        size=listed,
        track_total_hits=True,
        query={"term": {"status": "open"}},
        sort=[{"@timestamp": {"order": "desc", "unmapped_type": "date"}}],
        source_includes=["message"],
    )["hits"]
    return Opened(
        opened=opened,
        still_open=still_open["total"]["value"],
        open_messages=tuple(str(hit["_source"].get("message", "")) for hit in still_open["hits"]),
    )


def _resolved_before(cutoff: str) -> dict:
    # An alert's clock starts when its situation is over: open or acknowledged never expire.
    return {
        "bool": {
            "filter": [{"term": {"status": "resolved"}}, {"range": {"resolved.at": {"lt": cutoff}}}]
        }
    }


RETENTION = RetentionRule("alerts", ALERTS, lambda r: r.alerts_days, _resolved_before)


def redact_quotes(es: Elasticsearch, erasing: Erasing) -> Redaction:
    """Each alert quoting an erased mention loses those evidence entries and nothing else:
    its figures still say why it fired. An erased author's handle also leaves the titles of
    the entries that stay and the window's significant words."""
    ids, links, handles = erasing.ids, erasing.links, erasing.handles
    words = handle_words(handles)
    updates: dict[str, dict] = {}
    removed = 0
    if (ids or links or handles) and es.indices.exists(index=ALERTS):
        es.indices.refresh(index=ALERTS)
        query = {
            "bool": {
                "should": [
                    {"terms": {"evidence.mentions.id": sorted(ids)}},
                    {"terms": {"evidence.mentions.url": sorted(links)}},
                    {"terms": {"evidence.terms": words}},
                    *({"match_phrase": {"evidence.mentions.title": w}} for w in words),
                ],
                "minimum_should_match": 1,
            }
        }
        for hit in helpers.scan(
            es, index=ALERTS, query={"query": query}, _source_includes=["evidence"]
        ):
            evidence = hit["_source"].get("evidence", {})
            listed = evidence.get("mentions", [])
            kept = [
                m | {"title": without_handles(m.get("title") or "", handles)}
                for m in listed
                if m.get("id") not in ids and m.get("url") not in links
            ]
            terms = [t for t in evidence.get("terms", []) if t.lower() not in words]
            removed += len(listed) - len(kept)
            updates[hit["_id"]] = {"evidence": {"mentions": kept, "terms": terms}}
    return Redaction("alert", ALERTS, updates, {"alerts": len(updates), "alert_evidence": removed})
