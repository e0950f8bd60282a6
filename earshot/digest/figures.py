"""Everything a digest says, asked of Elasticsearch: each figure is one aggregation (or one
sorted search) over the public mentions of the local day, the day before and the seven
days before, so what command reads is exactly what an analyst finds in Kibana.

The force's own posts (`earshot.by_force`, where mentions carry it) are left out: the
digest is about what the public said.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta

from elasticsearch import Elasticsearch

from earshot.alerts.records import opened_between
from earshot.core.clock import LocalDay
from earshot.core.profile import Profile
from earshot.digest.duplicates import fold, story_key
from earshot.digest.model import (
    Alerts,
    CampaignTally,
    EmergingTopic,
    Figures,
    FlagCount,
    Headline,
    Hour,
    Item,
    Span,
    Tally,
)
from earshot.digest.privacy import (
    SNIPPET_CHARS,
    TITLE_CHARS,
    authors_allowed,
    neutral,
    safe_link,
    without_people,
)
from earshot.store.fields import (
    CLUSTER,
    HANDLE,
    IN_AREA,
    LINK,
    MESSAGE,
    MOST_URGENT_FIRST,
    PLACES,
    PLATFORM,
    PUBLISHED,
    RESPONSE,
    RESPONSE_ACTION,
    RISK_FLAGS,
    SOURCE,
    STATUS,
    TIES_SETTLED,
    TITLE,
    TOPICS,
    TOWARD_FORCE,
    TOWARD_FORCE_SCORE,
    negative,
    public_mentions,
    without_risk_flags,
)
from earshot.store.indices import MENTIONS
from enrichment.topics import CAMPAIGN_PREFIX, campaign_label

TOP = 10  # topics, places, listed items
PRAISED = 3
CANDIDATES = 40  # fetched before near-duplicates are folded
EMERGING = 5
EMERGING_MIN_MENTIONS = 3

POSITIVE = {"term": {TOWARD_FORCE: "positive"}}
LOCAL = {"term": {IN_AREA: True}}
NEEDS_RESPONSE = {
    "bool": {
        "filter": [{"exists": {"field": RESPONSE_ACTION}}],
        "must_not": [{"term": {RESPONSE_ACTION: "no-action"}}],
    }
}
FLAGGED = {"exists": {"field": RISK_FLAGS}}
CAMPAIGN_TOPICS = f"{CAMPAIGN_PREFIX}.*"

_LISTED_FIELDS = [
    PUBLISHED,
    MESSAGE,
    LINK,
    SOURCE,
    HANDLE,
    TITLE,
    TOWARD_FORCE_SCORE,
    RESPONSE,
    RISK_FLAGS,
    STATUS,
    CLUSTER,
]


def gather(es: Elasticsearch, profile: Profile, day: LocalDay) -> Figures:
    day_aggs = _day_tallies(es, day)
    return Figures(
        force=profile.force.name,
        day=day,
        headline=headline(es, day),
        hours=hours(es, day),
        topics=_tallies(day_aggs.get("topics")),
        places=_tallies(day_aggs.get("places")),
        sources=tuple(
            Tally(b["key"], b["doc_count"], platform=_platform(b))
            for b in _buckets(day_aggs.get("sources"))
        ),
        needing_response=needing_response(es, profile, day),
        flagged=day_aggs.get("flagged", {}).get("doc_count", 0),
        risk_flags=tuple(
            FlagCount(b["key"], b["doc_count"]) for b in _buckets(day_aggs.get("risk_flags"))
        ),
        emerging=emerging_topics(es, day),
        praise=praise(es, profile, day),
        campaigns=campaigns(es, profile, day),
        alerts=alerts(es, day),
    )


def headline(es: Elasticsearch, day: LocalDay) -> Headline:
    """Mentions, negative toward the force, in the area and needing a response, for the day,
    the day before and the seven days before, from one date_range aggregation."""
    spans = {
        "day": (day.start, day.end, 1),
        "previous_day": (day.shifted(-1).start, day.start, 1),
        "previous_week": (day.shifted(-7).start, day.start, 7),
    }
    aggs = _search(
        es,
        query=public_mentions(day.shifted(-7).start, day.end),
        aggs={
            "spans": {
                "date_range": {
                    "field": PUBLISHED,
                    "keyed": True,
                    "ranges": [
                        {"key": key, "from": _iso(start), "to": _iso(end)}
                        for key, (start, end, _) in spans.items()
                    ],
                },
                "aggs": {
                    "negative": {"filter": negative()},
                    "in_area": {"filter": LOCAL},
                    "needing_response": {"filter": NEEDS_RESPONSE},
                },
            }
        },
    )
    buckets = aggs.get("spans", {}).get("buckets", {})

    def span(key: str, days: int) -> Span:
        b = buckets.get(key, {})
        return Span(
            days=days,
            mentions=b.get("doc_count", 0),
            negative=b.get("negative", {}).get("doc_count", 0),
            in_area=b.get("in_area", {}).get("doc_count", 0),
            needing_response=b.get("needing_response", {}).get("doc_count", 0),
        )

    return Headline(**{key: span(key, days) for key, (_, _, days) in spans.items()})


def _clock_hours(day: LocalDay) -> Counter[int]:
    """How many times each clock hour comes in the day: 01:00 twice or not at all on the
    days the clocks change, every other hour once."""
    return Counter(day.local(day.start + timedelta(hours=n)).hour for n in range(day.hours))


def hours(es: Elasticsearch, day: LocalDay) -> tuple[Hour, ...]:
    """The day hour by hour (23, 24 or 25 of them) by tone toward the force, each against
    the negative mentions in the same clock hour on each of the seven days before."""
    week_start = day.shifted(-7).start
    aggs = _search(
        es,
        query=public_mentions(week_start, day.end),
        aggs={
            "hourly": {
                "date_histogram": {
                    "field": PUBLISHED,
                    "fixed_interval": "1h",  # UK offsets are whole hours: UTC hours are UK hours
                    "min_doc_count": 0,
                    "extended_bounds": {"min": _millis(week_start), "max": _millis(day.end) - 1},
                },
                "aggs": {"tone": {"terms": {"field": TOWARD_FORCE, "size": 3}}},
            }
        },
    )
    in_day: dict[datetime, dict[str, int]] = {}
    week_negative: Counter[tuple[object, int]] = Counter()
    for bucket in _buckets(aggs.get("hourly")):
        start = datetime.fromtimestamp(bucket["key"] / 1000, UTC)
        tones = {b["key"]: b["doc_count"] for b in _buckets(bucket["tone"])}
        if start >= day.start:
            in_day[start] = tones
        else:
            local = day.local(start)
            week_negative[(local.date(), local.hour)] += tones.get("negative", 0)
    week_before = [day.shifted(-k) for k in range(1, 8)]
    clock_hours = {before.day: _clock_hours(before) for before in week_before}
    result = []
    for n in range(day.hours):
        start = day.start + timedelta(hours=n)
        local = day.local(start)
        tones = in_day.get(start, {})
        # A day on which this clock hour came twice (autumn's 01:00) or not at all (spring's)
        # says nothing of a usual hour: counted, it doubled or zeroed one of the seven.
        week = [
            week_negative[(before.day, local.hour)]
            for before in week_before
            if clock_hours[before.day][local.hour] == 1
        ]
        result.append(
            Hour(
                start=local,
                negative=tones.get("negative", 0),
                neutral=tones.get("neutral", 0),
                positive=tones.get("positive", 0),
                usual_negative_low=min(week),
                usual_negative_high=max(week),
                usual_negative_mean=sum(week) / len(week),
            )
        )
    return tuple(result)


def needing_response(es: Elasticsearch, profile: Profile, day: LocalDay) -> tuple[Item, ...]:
    """The most urgent recommended actions of the day, one line per story."""
    return _listed(
        es,
        profile,
        query=public_mentions(day.start, day.end, NEEDS_RESPONSE),
        sort=MOST_URGENT_FIRST,
        limit=TOP,
    )


def praise(es: Elasticsearch, profile: Profile, day: LocalDay) -> tuple[Item, ...]:
    """The warmest words about the force; flagged mentions are never quoted, so never here."""
    return _listed(
        es,
        profile,
        query=public_mentions(day.start, day.end, POSITIVE, without_risk_flags()),
        sort=[{TOWARD_FORCE_SCORE: "desc"}, {PUBLISHED: "desc"}, *TIES_SETTLED],
        limit=PRAISED,
    )


def emerging_topics(es: Elasticsearch, day: LocalDay) -> tuple[EmergingTopic, ...]:
    """Topics whose share of the day's mentions is significantly above their share of the
    seven days before (significant_terms, JLH score, the week as background), kept only
    when the day's count also beats the week's daily average: a quiet day can lift a
    share without anything new being said."""
    aggs = _search(
        es,
        query=public_mentions(day.start, day.end),
        aggs={
            "emerging": {
                "significant_terms": {
                    "field": TOPICS,
                    "exclude": CAMPAIGN_TOPICS,  # campaigns have their own section
                    "min_doc_count": EMERGING_MIN_MENTIONS,
                    "size": EMERGING,
                    "background_filter": public_mentions(day.shifted(-7).start, day.start),
                }
            }
        },
    )
    return tuple(
        EmergingTopic(b["key"], b["doc_count"], b["bg_count"])
        for b in _buckets(aggs.get("emerging"))
        if b["doc_count"] > b["bg_count"] / 7
    )


def campaigns(es: Elasticsearch, profile: Profile, day: LocalDay) -> tuple[CampaignTally, ...]:
    """Every campaign in the profile, talked about or not, with the day's tone toward the
    force and the week's daily average."""
    labels = {campaign_label(c.name): c.name for c in profile.force.campaigns}
    if not labels:
        return ()
    by_campaign = {"terms": {"field": TOPICS, "include": sorted(labels), "size": len(labels)}}
    aggs = _search(
        es,
        query=public_mentions(day.shifted(-7).start, day.end),
        aggs={
            "day": {
                "filter": public_mentions(day.start, day.end),
                "aggs": {
                    "campaigns": by_campaign
                    | {"aggs": {"tone": {"terms": {"field": TOWARD_FORCE}}}}
                },
            },
            "week": {
                "filter": public_mentions(day.shifted(-7).start, day.start),
                "aggs": {"campaigns": by_campaign},
            },
        },
    )
    on_day = {b["key"]: b for b in _buckets(aggs.get("day", {}).get("campaigns"))}
    in_week = {b["key"]: b["doc_count"] for b in _buckets(aggs.get("week", {}).get("campaigns"))}
    result = []
    for label, name in labels.items():
        bucket = on_day.get(label, {"doc_count": 0, "tone": {}})
        tones = {b["key"]: b["doc_count"] for b in _buckets(bucket["tone"])}
        result.append(
            CampaignTally(
                name=name,
                topic=label,
                mentions=bucket["doc_count"],
                negative=tones.get("negative", 0),
                positive=tones.get("positive", 0),
                previous_week=in_week.get(label, 0),
            )
        )
    return tuple(result)


def alerts(es: Elasticsearch, day: LocalDay) -> Alerts | None:
    """Alerts opened during the day and still open, as the alerts package counts them; None
    (no alerts section) on a cluster where no alert was ever raised."""
    found = opened_between(es, day.start, day.end)
    if found is None:
        return None
    return Alerts(
        opened=found.opened,
        still_open=found.still_open,
        open_titles=tuple(
            neutral(message, TITLE_CHARS) or "(no description)" for message in found.open_messages
        ),
    )


def _day_tallies(es: Elasticsearch, day: LocalDay) -> dict:
    return _search(
        es,
        query=public_mentions(day.start, day.end),
        aggs={
            "topics": {"terms": {"field": TOPICS, "size": TOP, "exclude": CAMPAIGN_TOPICS}},
            "places": {"terms": {"field": PLACES, "size": TOP}},
            "sources": {
                "terms": {"field": SOURCE, "size": 20},
                "aggs": {"platform": {"terms": {"field": PLATFORM, "size": 1}}},
            },
            "risk_flags": {"terms": {"field": RISK_FLAGS, "size": 20}},
            "flagged": {"filter": FLAGGED},
        },
    )


def _listed(
    es: Elasticsearch, profile: Profile, *, query: dict, sort: list, limit: int
) -> tuple[Item, ...]:
    hits = es.search(
        index=MENTIONS,
        size=CANDIDATES,
        ignore_unavailable=True,
        allow_no_indices=True,
        query=query,
        sort=sort,
        source_includes=_LISTED_FIELDS,
    )["hits"]["hits"]
    return tuple(_item(hit, similar, profile) for hit, similar in fold(hits, _stories, limit))


def _stories(hit: dict) -> list[str]:
    doc = hit["_source"]
    earshot = doc.get("earshot", {})
    text = story_key((doc.get("message") or "")[:2000]) or story_key(earshot.get("title") or "")
    cluster = earshot.get("cluster")
    return [f"cluster:{cluster}" if cluster else "", f"text:{text}" if text else "", hit["_id"]]


def _item(hit: dict, similar: int, profile: Profile) -> Item:
    doc = hit["_source"]
    earshot = doc.get("earshot", {})
    response = earshot.get("response") or {}
    flags = tuple(earshot.get("risk_flags") or ())
    author = (doc.get("user") or {}).get("name")
    named = authors_allowed(profile)

    def shown(text: str | None, limit: int) -> str:
        raw = (text or "")[: limit * 4]
        if not named:
            raw = without_people(raw, author=author, force_handles=profile.force.handles)
        return neutral(raw, limit)

    return Item(
        id=hit["_id"],
        title=None if flags else shown(earshot.get("title"), TITLE_CHARS) or "(untitled)",
        snippet="" if flags else shown(doc.get("message"), SNIPPET_CHARS),
        url=safe_link((doc.get("url") or {}).get("full")),
        source=doc.get("event", {}).get("provider", ""),
        published=datetime.fromisoformat(doc["@timestamp"]),
        action=response.get("action", "no-action"),
        priority=response.get("priority", 0),
        reason=(response.get("reasons") or [""])[0],
        status=earshot.get("status", "new"),
        risk_flags=flags,
        toward_force=(earshot.get("toward_force") or {}).get("score", 0.0),
        similar=similar,
        author=neutral(author, 60) if named and author else None,
    )


def _search(es: Elasticsearch, *, query: dict, aggs: dict) -> dict:
    """The aggregations, or {} when there is nothing to aggregate (no index yet)."""
    response = es.search(
        index=MENTIONS,
        size=0,
        ignore_unavailable=True,
        allow_no_indices=True,
        query=query,
        aggs=aggs,
    )
    return response.get("aggregations", {})


def _tallies(agg: dict | None) -> tuple[Tally, ...]:
    return tuple(Tally(b["key"], b["doc_count"]) for b in _buckets(agg))


def _platform(source_bucket: dict) -> str | None:
    datasets = _buckets(source_bucket.get("platform"))
    return datasets[0]["key"].removeprefix("earshot.") if datasets else None


def _buckets(agg: dict | None) -> list[dict]:
    return (agg or {}).get("buckets", [])


def _iso(instant: datetime) -> str:
    return instant.astimezone(UTC).isoformat()


def _millis(instant: datetime) -> int:
    return int(instant.timestamp() * 1000)
