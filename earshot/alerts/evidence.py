"""What the on-call lead reads to judge an alert: the figures, the worst mentions with links,
the words that set the window apart from its usual talk, where and from which sources.

One search per spike: the top negative stories (one per near-duplicate cluster, most
negative first), significant words of the window against the same windows of earlier weeks
(on UK clocks, as the spike was judged), and the places and sources named. No author is
kept: an alert is about talk, not people.
"""

from __future__ import annotations

from elasticsearch import Elasticsearch

from earshot.alerts.detect import WEEK, Spike, earlier_window, key_filter
from earshot.alerts.model import Evidence, EvidenceMention
from earshot.core.people import without_people
from earshot.store import fields
from earshot.store.fields import public_negative, time_range, without_risk_flags
from earshot.store.indices import MENTIONS

TOP_MENTIONS = 5
TOP_TERMS = 8
TOP_PLACES = 10
SAMPLE = 500  # the window's mentions the significant words are drawn from
TITLE_LIMIT = 200


def gather(
    es: Elasticsearch, spike: Spike, *, baseline_weeks: int, force_handles: list[str]
) -> Evidence:
    window = (spike.window_start, spike.window_end)
    earlier = (earlier_window(*window, WEEK.days * n) for n in range(1, baseline_weeks + 1))
    # The window itself too: significant terms are drawn from a subset of the background.
    background = [time_range(*w) for w in (window, *earlier) if w]
    response = es.search(
        index=MENTIONS,
        query={
            "bool": {"filter": [time_range(*window), *public_negative(), *key_filter(spike.key)]}
        },
        size=TOP_MENTIONS,
        collapse={"field": fields.CLUSTER},
        sort=[{fields.TOWARD_FORCE_SCORE: "asc"}, {fields.PUBLISHED: "asc"}, *fields.TIES_SETTLED],
        source=[
            fields.TITLE,
            fields.MESSAGE,
            fields.LINK,
            fields.SOURCE,
            fields.HANDLE,
            fields.TOWARD_FORCE_SCORE,
            fields.RISK_FLAGS,
        ],
        aggs={
            # Not a risk-flagged post's words: they are withheld from every notification.
            "shown": {
                "filter": without_risk_flags(),
                "aggs": {
                    "sample": {
                        "sampler": {"shard_size": SAMPLE},
                        "aggs": {
                            "terms": {
                                "significant_text": {
                                    "field": fields.MESSAGE,
                                    "filter_duplicate_text": True,
                                    "size": TOP_TERMS,
                                    "min_doc_count": 2,
                                    "background_filter": {"bool": {"should": background}},
                                }
                            }
                        },
                    }
                },
            },
            "places": {"terms": {"field": fields.PLACES, "size": TOP_PLACES}},
            "sources": {"terms": {"field": fields.SOURCE, "size": TOP_PLACES}},
        },
        ignore_unavailable=True,
    )
    aggs = response["aggregations"]
    return Evidence(
        window_start=spike.window_start,
        window_end=spike.window_end,
        count=spike.count,
        baseline=spike.baseline,
        probability=spike.probability,
        share=spike.share,
        baseline_share=spike.baseline_share,
        mentions=tuple(_mention(hit, force_handles) for hit in response["hits"]["hits"]),
        terms=tuple(b["key"] for b in aggs["shown"]["sample"]["terms"]["buckets"]),
        places=tuple(b["key"] for b in aggs["places"]["buckets"]),
        sources=tuple(b["key"] for b in aggs["sources"]["buckets"]),
        event=spike.event,
    )


def _mention(hit: dict, force_handles: list[str]) -> EvidenceMention:
    source = hit["_source"]
    earshot = source.get("earshot", {})
    flags = tuple(earshot.get("risk_flags") or ())
    title = "" if flags else earshot.get("title") or source.get("message") or ""
    author = source.get("user", {}).get("name")
    return EvidenceMention(
        id=hit["_id"],
        title=without_people(title[: TITLE_LIMIT * 2], author=author, force_handles=force_handles)[
            :TITLE_LIMIT
        ],
        url=None if flags else source.get("url", {}).get("full"),
        source=source.get("event", {}).get("provider", ""),
        toward_force=earshot.get("toward_force", {}).get("score"),
        risk_flags=flags,
    )
