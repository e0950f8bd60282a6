"""Where each thing a mention says is kept in its document, and the filters every reader
shares: named once here, so the alerts, the digest, the dashboards and erasure all ask the
same question of the same field (store/indices.py holds the mapping these paths live in).
"""

from __future__ import annotations

from datetime import UTC, datetime

PUBLISHED = "@timestamp"
MESSAGE = "message"
LINK = "url.full"
LINK_SHARED = "url.shared"
CANONICAL_LINK = "earshot.canonical_url"
SOURCE = "event.provider"
PLATFORM = "event.dataset"  # "earshot.<platform>"
INGESTED = "event.ingested"
# The author's keyed pseudonym (what people are counted and erased by), and the handle to
# reply to, absent under privacy.hide_handles.
AUTHOR_KEY = "user.id"
HANDLE = "user.name"
TITLE = "earshot.title"
TONE = "earshot.tone.label"
TOWARD_FORCE = "earshot.toward_force.label"  # negative, neutral or positive
TOWARD_FORCE_SCORE = "earshot.toward_force.score"
BY_FORCE = "earshot.by_force"  # the force's own posts
TOPICS = "earshot.topics"
PLACES = "earshot.places"
IN_AREA = "earshot.in_area"
RELEVANCE = "earshot.relevance"  # why it was kept: named, reply or local-policing
RISK_FLAGS = "earshot.risk_flags"
STATUS = "earshot.status"  # new, or what an analyst made of it
RESPONSE = "earshot.response"
RESPONSE_ACTION = "earshot.response.action"
RESPONSE_PRIORITY = "earshot.response.priority"
RESPONSE_REASONS = "earshot.response.reasons"
CLUSTER = "earshot.cluster"  # one story, however many near-duplicates repeat it
STORY_KEY = "earshot.story_key"  # site + headline, keyed-hashed: a news result meets its item
# The last keys of every listing's sort. Rows tied on the keys before them would otherwise
# come back in whatever order the shard holds them, which changes when a colleague takes one
# (an update rewrites the document) or a replica answers, so an analyst's next item would
# jump and a re-built digest could list other mentions. The story (unique to each of the
# desk's rows, which fold copies) then the link settle every tie; Elasticsearch refuses to
# sort on `_id`.
TIES_SETTLED = [{CLUSTER: "asc"}, {LINK: "asc"}]
# Most urgent first, then newest, wherever mentions are listed for a response (the desk's
# queue, the digest, `earshot report`).
MOST_URGENT_FIRST = [{RESPONSE_PRIORITY: "desc"}, {PUBLISHED: "desc"}, *TIES_SETTLED]


def time_range(start: datetime, end: datetime) -> dict:
    """Mentions published in [start, end)."""
    return {"range": {PUBLISHED: {"gte": _iso(start), "lt": _iso(end)}}}


def from_the_public() -> dict:
    """Everything but the force's own posts: they are not talk about the force."""
    return {"bool": {"must_not": {"term": {BY_FORCE: True}}}}


def negative() -> dict:
    """Negative toward the force: criticism of the force, not grim crime news."""
    return {"term": {TOWARD_FORCE: "negative"}}


def public_negative() -> list[dict]:
    """The filters for the public's mentions that are negative toward the force."""
    return [negative(), from_the_public()]


def without_risk_flags() -> dict:
    """Mentions whose words may be shown anywhere: a risk-flagged post's words are seen only
    in the desk, where revealing them is recorded."""
    return {"bool": {"must_not": {"exists": {"field": RISK_FLAGS}}}}


def public_mentions(start: datetime, end: datetime, *more: dict) -> dict:
    """The public's mentions published in [start, end) that match every filter in `more`."""
    return {"bool": {"filter": [time_range(start, end), from_the_public(), *more]}}


def _iso(instant: datetime) -> str:
    return instant.astimezone(UTC).isoformat()
