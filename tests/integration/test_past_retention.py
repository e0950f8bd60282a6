"""An item already older than the retention period is never stored: kept, it would be
deleted by the next maintenance run and heard again by the collect run after it, for as
long as the feed carries it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from earshot.app.collect import collect_source
from earshot.app.feed_server import FeedServer, Route
from earshot.governance.erasure import by_url, erase
from earshot.governance.retention import apply_retention
from listeners import load_profile
from tests.conftest import news_items, rss
from tests.integration.test_feed_integrity import stored_links
from tests.integration.test_maintenance_dag import run_as_of

AS_OF = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
YEAR = timedelta(days=365)


def links(items: list[dict]) -> list[str]:
    return sorted(item["link"] for item in items)


@pytest.mark.elasticsearch
def test_items_already_past_retention_are_not_stored_nor_brought_back(es, write_profile):
    recent, old = news_items(2, "recent", start=AS_OF), news_items(3, "old", start=AS_OF - YEAR)
    with FeedServer({"/feed": Route(rss(recent + old))}) as server:
        write_profile([{"name": "local-news", "url": server.url("/feed")}], mentions_days=180)
        profile = load_profile()
        first = collect_source(es, profile, "local-news", now=AS_OF)
        assert links(recent) == sorted(stored_links(es))
        apply_retention(es, profile.retention, AS_OF + timedelta(hours=15))  # that night
        server.routes["/feed"] = Route(rss(recent + old, title="Lincolnshire news, changed"))
        again = collect_source(es, profile, "local-news", now=AS_OF + timedelta(days=1))

    assert (first.new, first.past_retention) == (2, 3)
    assert (again.new, again.past_retention) == (0, 3)
    assert sorted(stored_links(es)) == links(recent)


@pytest.mark.elasticsearch
def test_the_maintenance_dag_does_not_delete_what_the_next_collect_run_brings_back(
    es, write_profile, run_collect_dag
):
    now = datetime.now(UTC)
    recent, old = news_items(2, "recent", start=now), news_items(3, "old", start=now - YEAR)
    with FeedServer({"/feed": Route(rss(recent + old))}) as server:
        write_profile([{"name": "local-news", "url": server.url("/feed")}], mentions_days=180)
        assert run_collect_dag()["run"] == "success"
        assert run_as_of(now)["run"] == "success"
        server.routes["/feed"] = Route(rss(recent + old, title="Lincolnshire news, changed"))
        assert run_collect_dag()["run"] == "success"
        assert sorted(stored_links(es)) == links(recent)


@pytest.mark.elasticsearch
def test_an_erased_post_its_feed_gives_no_date_stays_erased_past_the_mentions_period(
    es, write_profile
):
    """An undated item is dated when it is heard, so no run ever finds it past retention:
    only its tombstone keeps it out, for as long as the feed carries it. (Tombstones had
    expired with the mentions' period, and the erased post came back the run after.)"""
    undated = [{k: v for k, v in item.items() if k != "pubDate"} for item in news_items(2, "u")]
    erased, kept = undated[0]["link"], undated[1]["link"]
    with FeedServer({"/feed": Route(rss(undated))}) as server:
        write_profile([{"name": "local-news", "url": server.url("/feed")}], mentions_days=180)
        profile = load_profile()
        collect_source(es, profile, "local-news")
        erase(es, by_url(erased), apply=True, actor="dpo")
        later = datetime.now(UTC) + 2 * YEAR
        apply_retention(es, profile.retention, later)
        server.routes["/feed"] = Route(rss(undated, title="Lincolnshire news, changed"))
        collect_source(es, profile, "local-news", now=later)

    assert stored_links(es) == [kept]
