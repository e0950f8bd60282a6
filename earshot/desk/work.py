"""What the desk reads and changes in Elasticsearch, always as the person signed in.

Who has a mention and how it ended are kept as `labels.assignee` and `labels.outcome`
(labels map as keywords without a mapping change); notes live only in the audit trail.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from elasticsearch import ConflictError, Elasticsearch, NotFoundError

from earshot.store import audit
from earshot.store.fields import (
    CLUSTER,
    LINK,
    MESSAGE,
    MOST_URGENT_FIRST,
    PLACES,
    PUBLISHED,
    RESPONSE_ACTION,
    SOURCE,
    STATUS,
    TITLE,
    TOPICS,
    without_risk_flags,
)
from earshot.store.indices import MENTIONS
from earshot.store.mentions import MentionNotFound

OUTCOMES = (
    "replied",
    "routed-101-999",
    "referred-to-investigator",
    "moderated-preserved",
    "no-action",
)
STATUSES = ("new", "in-hand", "done")
# How far back the queue looks, in Elasticsearch's date maths, as analysts ask for it.
SINCE = {"24h": "last 24 hours", "7d": "last 7 days", "30d": "last 30 days"}
ASSIGNEE = "labels.assignee"
QUEUE_PAGE = 100  # stories on the queue's page; past it the page says that more wait


class BadChange(ValueError):
    """A change the desk refuses: the message names what was wrong."""


class BadFilter(ValueError):
    """A queue filter the desk cannot apply: the message names what was wrong."""


class ChangedMeanwhile(RuntimeError):
    """Someone changed the mention after the page the change was asked on was read."""


@dataclass(frozen=True)
class Seen:
    """Which version of a mention a page showed (Elasticsearch's sequence number and primary
    term), so that a change asked on it is written only onto that version."""

    seq_no: int
    primary_term: int


@dataclass(frozen=True)
class Waiting:
    """The queue's page: its stories, and whether more wait than it shows."""

    rows: list[dict]
    more: bool


COPIES_SHOWN = 50  # other copies listed on an item's page; past it the page says how many more


@dataclass(frozen=True)
class Copies:
    """A story's other copies as an item's page lists them, and how many it leaves out."""

    shown: list[dict]
    more: int
    # When the story's first and latest copies were published: where a link to them all looks.
    span: tuple[datetime, datetime] | None = None


FILTER_CHARS = 500  # longer than any action, topic, place, source, user name or search


@dataclass(frozen=True)
class Filters:
    action: str = ""
    status: str = ""
    source: str = ""
    topic: str = ""
    place: str = ""
    assignee: str = ""
    since: str = ""
    search: str = ""

    def __post_init__(self) -> None:
        if self.since and self.since not in SINCE:
            raise BadFilter(f"time must be one of {', '.join(SINCE)}, not {self.since!r}")
        # Elasticsearch refuses a term past 32 KB with an error that would quote what was typed.
        for name, value in vars(self).items():
            if len(value) > FILTER_CHARS:
                raise BadFilter(f"{name} may be at most {FILTER_CHARS} characters")


def queue(es: Elasticsearch, filters: Filters, limit: int = QUEUE_PAGE) -> Waiting:
    """Mentions needing a response, most urgent first, one row per story with its count."""
    wanted: list[dict] = []
    if filters.status:
        wanted.append({"term": {STATUS: filters.status}})
    else:
        wanted.append({"terms": {STATUS: ["new", "in-hand"]}})
    for field, value in (
        (RESPONSE_ACTION, filters.action),
        (SOURCE, filters.source),
        (TOPICS, filters.topic),
        (PLACES, filters.place),
        (ASSIGNEE, filters.assignee),
    ):
        if value:
            wanted.append({"term": {field: {"value": value, "case_insensitive": True}}})
    if filters.since:
        wanted.append({"range": {PUBLISHED: {"gte": f"now-{filters.since}"}}})
    if filters.search:
        # Only words the queue shows: a risk-flagged post listed for a word would tell
        # whether its withheld words hold it, without the audited choice to see them.
        words = {"simple_query_string": {"query": filters.search, "fields": [MESSAGE, TITLE]}}
        wanted += [words, without_risk_flags()]
    query = {
        "bool": {
            "filter": wanted,
            "must_not": [{"term": {RESPONSE_ACTION: "no-action"}}],
        }
    }
    found = es.search(
        index=MENTIONS,
        size=limit + 1,  # one past the page: is there more than it shows
        ignore_unavailable=True,
        query=query,
        sort=MOST_URGENT_FIRST,
        collapse={"field": CLUSTER},
    )["hits"]["hits"]
    hits = found[:limit]
    copies = _copies(es, query, [hit["_source"].get("earshot", {}).get("cluster") for hit in hits])
    rows = [
        _row(hit, copies.get(hit["_source"].get("earshot", {}).get("cluster"), 1)) for hit in hits
    ]
    return Waiting(rows, more=len(found) > limit)


def _copies(es: Elasticsearch, query: dict, clusters: list[str | None]) -> dict[str, int]:
    """How many of each shown story's copies the queue holds: counted for the stories on the
    page only, as the largest stories in the index need not be the ones shown."""
    shown = sorted({c for c in clusters if c})
    if not shown:
        return {}
    counted = es.search(
        index=MENTIONS,
        size=0,
        ignore_unavailable=True,
        query={"bool": {"filter": [query, {"terms": {CLUSTER: shown}}]}},
        aggs={"stories": {"terms": {"field": CLUSTER, "size": len(shown)}}},
    )
    return {b["key"]: b["doc_count"] for b in counted["aggregations"]["stories"]["buckets"]}


def mention(es: Elasticsearch, mention_id: str) -> dict | None:
    hits = es.search(
        index=MENTIONS,
        size=1,
        ignore_unavailable=True,
        query={"ids": {"values": [mention_id]}},
        seq_no_primary_term=True,
    )["hits"]["hits"]
    if not hits:
        return None
    # The version its page shows, onto which alone a change asked there is written.
    return _row(hits[0], 1) | {
        "seq_no": hits[0]["_seq_no"],
        "primary_term": hits[0]["_primary_term"],
    }


def story(es: Elasticsearch, item: dict) -> Copies:
    """The other copies of the same story, newest first, and how many more there are: a
    story reposted hundreds of times would otherwise look like fifty."""
    if not item["cluster"]:
        return Copies([], more=0)
    found = es.search(
        index=MENTIONS,
        size=COPIES_SHOWN,
        track_total_hits=True,  # past 10,000 Elasticsearch would only say "at least"
        query={"bool": {"filter": [{"term": {CLUSTER: item["cluster"]}}]}},
        # The item itself is left out of the copies and their count, not out of the span.
        post_filter={"bool": {"must_not": [{"ids": {"values": [item["id"]]}}]}},
        sort=[{PUBLISHED: "desc"}, {LINK: "asc"}],
        aggs={"first": {"min": {"field": PUBLISHED}}, "last": {"max": {"field": PUBLISHED}}},
    )
    shown = [_row(hit, 1) for hit in found["hits"]["hits"]]
    first, last = (found["aggregations"][end].get("value_as_string") for end in ("first", "last"))
    span = (datetime.fromisoformat(first), datetime.fromisoformat(last)) if first and last else None
    return Copies(shown, more=found["hits"]["total"]["value"] - len(shown), span=span)


def change(
    es: Elasticsearch,
    item: dict,
    *,
    by: str,
    step: str,
    seen: Seen,
    outcome: str = "",
    reason: str = "",
) -> None:
    """Take, in hand, or done with an outcome: written as the person, and audited by name.
    Written only onto the version of the mention the person saw: two people taking one post
    at once would both answer it, each believing it theirs. Raises ChangedMeanwhile when
    it has changed since, MentionNotFound when it is gone."""
    # Not done, so no outcome: a done item put back in hand is not finished (the audit
    # trail keeps the outcome it had).
    labels: dict[str, str | None] = {"outcome": None}
    if step == "take":
        status, labels["assignee"] = "in-hand", by
    elif step == "in-hand":
        status = "in-hand"
    elif step == "done":
        if not outcome:  # never a default: "replied" unchosen would claim a reply was sent
            raise BadChange("choose an outcome before marking it done")
        if outcome not in OUTCOMES:
            raise BadChange(f"outcome must be one of {', '.join(OUTCOMES)}, not {outcome!r}")
        if outcome == "no-action" and not reason.strip():
            raise BadChange("no-action needs a reason")
        status, labels["outcome"] = "done", outcome
    else:
        raise BadChange(f"unknown step {step!r}")
    before = {"status": item["status"], "assignee": item["assignee"], "outcome": item["outcome"]}
    after = {**before, "status": status, **labels} | ({"reason": reason} if reason else {})
    try:
        es.update(
            index=item["index"],
            id=item["id"],
            doc={"earshot": {"status": status}, "labels": labels},
            if_seq_no=seen.seq_no,
            if_primary_term=seen.primary_term,
            refresh="wait_for",
        )
    except NotFoundError:  # erased, or its month dropped, since it was read
        raise MentionNotFound(f"no mention with id {item['id']}") from None
    except ConflictError:
        raise ChangedMeanwhile(
            "Someone changed this mention while you had it open, so nothing was changed: "
            "here it is as it is now."
        ) from None
    audit.record(es, "mention.status", item["id"], before=before, after=after, actor=by)


def note(es: Elasticsearch, item: dict, *, by: str, text: str) -> None:
    if not text.strip():
        raise BadChange("a note needs some text")
    audit.record(es, "mention.note", item["id"], after={"note": text}, actor=by)


def reveal(es: Elasticsearch, item: dict, *, by: str) -> None:
    """Reading a risk-flagged post's words is a choice the trail keeps; `es` is the desk's
    own connection, since an analyst who may only read cannot write the record."""
    audit.record(
        es, "mention.reveal", item["id"], after={"risk_flags": item["risk_flags"]}, actor=by
    )


def _row(hit: dict, copies: int) -> dict:
    doc = hit["_source"]
    earshot = doc.get("earshot", {})
    response = earshot.get("response", {})
    labels = doc.get("labels", {})
    return {
        "id": hit["_id"],
        "index": hit["_index"],
        "title": earshot.get("title") or doc.get("message", "")[:120],
        "text": doc.get("message", ""),
        "url": doc.get("url", {}).get("full"),
        "source": doc.get("event", {}).get("provider", ""),
        "published": doc.get("@timestamp", ""),
        "places": earshot.get("places", []),
        "topics": earshot.get("topics", []),
        "action": response.get("action", ""),
        "priority": response.get("priority", 0),
        "reasons": response.get("reasons", []),
        "risk_flags": earshot.get("risk_flags", []),
        "status": earshot.get("status", "new"),
        "cluster": earshot.get("cluster"),
        "assignee": labels.get("assignee", ""),
        "outcome": labels.get("outcome") or "",  # none since put back in hand
        "copies": copies,
    }
