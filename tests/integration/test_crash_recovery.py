"""Elasticsearch dies in the middle of indexing; after a restart nothing is lost or doubled."""

import threading
import time
from datetime import UTC, datetime

import pytest
from elasticsearch.helpers import scan

from earshot.app.collect import collect_source
from earshot.app.feed_server import FeedServer, Route
from earshot.core.profile import Retention
from earshot.store.connection import connect
from earshot.store.cursors import load_cursor
from earshot.store.indices import MENTIONS
from listeners import load_profile
from tests.conftest import news_items, rss

pytestmark = pytest.mark.elasticsearch

TOTAL = 3_000
# The items span 125 days up to 20 November 2026, all inside a year's retention as of then,
# and six bulk requests of 500: the node dies with most of them still to send.
AS_OF = datetime(2026, 11, 21, tzinfo=UTC)


@pytest.mark.long
def test_killed_elasticsearch_mid_run_then_rerun_indexes_every_mention_exactly_once(
    es, es_node, write_profile
):
    # Two months of items, so the writes span two monthly indices.
    feed = rss(news_items(TOTAL, "story", start=datetime(2026, 11, 20, tzinfo=UTC)))
    with FeedServer({"/big.rss": Route(feed)}) as server:
        write_profile(
            [{"name": "big-feed", "url": server.url("/big.rss"), "max_bytes": 50_000_000}]
        )
        profile = load_profile()
        profile = profile.model_copy(update={"retention": Retention(mentions_days=365)})

        failure: list[BaseException] = []

        def collect() -> None:
            try:
                collect_source(connect(), profile, "big-feed", now=AS_OF)
            except BaseException as e:  # the run is expected to die with the node
                failure.append(e)

        run = threading.Thread(target=collect)
        run.start()
        indexed_at_kill = _wait_until_partly_indexed(es, run)
        es_node.stop(kill=True)
        run.join(timeout=300)

        assert 0 < indexed_at_kill < TOTAL, "the node must die in the middle of the run"
        assert failure, "the run must fail when Elasticsearch dies under it"
        es_node.start()
        assert load_cursor(es, "big-feed") == {}  # the cursor did not advance past lost work

        report = collect_source(connect(), profile, "big-feed", now=AS_OF)

    es.indices.refresh(index=MENTIONS)
    assert report.new + report.already_indexed == TOTAL
    assert es.count(index=MENTIONS)["count"] == TOTAL
    links = [
        hit["_source"]["url"]["full"] for hit in scan(es, index=MENTIONS, _source=["url.full"])
    ]
    assert len(set(links)) == len(links) == TOTAL
    assert "etag" in load_cursor(es, "big-feed")


def _wait_until_partly_indexed(es, run: threading.Thread) -> int:
    while run.is_alive():
        try:
            count = es.count(index=MENTIONS, ignore_unavailable=True)["count"]
        except Exception:
            count = 0
        if count:
            return count
        time.sleep(0.02)
    return TOTAL
