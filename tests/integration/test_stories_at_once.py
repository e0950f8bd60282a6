"""Copies of one story collected at the same moment by two sources are still one story.

Airflow runs each source's collect task side by side. Each task looks up the stories stored
before it writes, so two tasks hearing copies of one story together (a press release on two
local sites, a Google News result and the publisher's item) each found nothing and started
a story of its own: the desk listed it twice and the alerts' spike counted it twice. Here
the second task runs, on a real node, while the first is between its lookups and its
write (a way to the node that holds the first task's bulk write: tests/node_way.py), every
time. The feeds are served on loopback; both go through the real collect path.
"""

from __future__ import annotations

import os
import threading
import time
from datetime import UTC, datetime, timedelta

import pytest

from earshot.app.collect import collect_source
from earshot.app.feed_server import FeedServer, Route
from earshot.store.connection import connect
from earshot.store.cursors import load_cursor
from earshot.store.indices import CURSORS
from earshot.store.story_lease import LEASE, LEASE_ID
from listeners import load_profile
from tests.conftest import rss
from tests.integration.test_google_news_copies import (
    BREAK_IN,
    BREAK_IN_STANDFIRST,
    NOW,
    QUERY,
    clusters,
    google_news,
    news_sources,
    publisher_item,
)
from tests.node_way import interleaving

pytestmark = pytest.mark.elasticsearch

PRESS_RELEASE = (
    "Lincolnshire Police are appealing for witnesses after a man in his twenties was seriously "
    "injured in an assault on the High Street in Boston in the early hours of Saturday. "
    "Officers were called at around 2.15am and the victim was taken to Pilgrim Hospital. "
    "Anyone with dashcam or doorbell footage is asked to call 101 quoting incident 45."
)


@pytest.fixture
def feeds(write_profile):
    with FeedServer({}) as server:
        write_profile(news_sources(server))
        yield server


def press_release(site: str) -> bytes:
    return rss(
        [
            {
                "title": "Appeal after Boston assault",
                "link": f"https://{site}/news/boston-assault",
                "description": PRESS_RELEASE,
                "pubDate": "Fri, 20 Nov 2026 16:30:00 GMT",
            }
        ]
    )


def collect_both_at_once(monkeypatch, first: str, second: str) -> None:
    """`second` is collected from start to end while `first` has looked up the stories
    stored and not yet written its own (its bulk write is held till then, and a second
    more): before the lease, `second` found nothing of `first`'s, nor `first` of its."""
    profile = load_profile()
    ran: list[BaseException | None] = []

    def second_task() -> None:
        try:
            collect_source(connect(), profile, second, now=NOW)
            ran.append(None)
        except BaseException as e:
            ran.append(e)

    other = threading.Thread(target=second_task)

    def meanwhile() -> None:
        other.start()
        other.join(timeout=1)  # done by now, unless it waits for the first

    node = os.environ["EARSHOT_ELASTICSEARCH_URL"]
    with interleaving(node, meanwhile, before="/_bulk") as way:
        monkeypatch.setenv("EARSHOT_ELASTICSEARCH_URL", way)
        collect_source(connect(), profile, first, now=NOW)
    other.join(timeout=60)
    assert ran == [None], ran


@pytest.mark.parametrize(
    ("first", "second"),
    [("lincs-live", "boston-standard"), ("lincs-live", "google-news")],
    ids=["same text on two sites", "news search and publisher"],
)
def test_copies_collected_at_the_same_moment_are_one_story(es, feeds, monkeypatch, first, second):
    feeds.routes["/lincs-live.rss"] = Route(
        rss([publisher_item(BREAK_IN, "boston-break-in", BREAK_IN_STANDFIRST)])
        if second == "google-news"
        else press_release("www.lincolnshirelive.co.uk")
    )
    feeds.routes["/boston-standard.rss"] = Route(press_release("www.bostonstandard.co.uk"))
    feeds.routes[QUERY] = Route(google_news(BREAK_IN))

    collect_both_at_once(monkeypatch, first, second)

    stories = clusters(es)
    assert len(stories) == 2, stories
    assert len(set(stories.values())) == 1, f"two stories told as one happened: {stories}"


def leave_lease(es, holder: str, taken: datetime) -> None:
    """A lease as a task leaves it when its worker dies holding it."""
    es.index(
        index=CURSORS,
        id=LEASE_ID,
        document={"source": LEASE_ID, "state": {"holder": holder}, "updated": taken.isoformat()},
        refresh=True,
    )


@pytest.mark.parametrize(
    ("holder", "age"),
    [("boston-standard", LEASE + timedelta(seconds=5)), ("lincs-live", timedelta(0))],
    ids=["another source's, lapsed", "this source's own earlier try's"],
)
def test_a_lease_left_by_a_dead_worker_does_not_stop_collecting(es, feeds, holder, age):
    feeds.routes["/lincs-live.rss"] = Route(press_release("www.lincolnshirelive.co.uk"))
    collect_source(es, load_profile(), "lincs-live", now=NOW)  # installs what collect needs
    feeds.routes["/lincs-live.rss"] = Route(
        rss([publisher_item(BREAK_IN, "boston-break-in", BREAK_IN_STANDFIRST)])
    )
    leave_lease(es, holder, datetime.now(UTC) - age)
    started = time.monotonic()

    report = collect_source(es, load_profile(), "lincs-live", now=NOW)

    assert report.new == 1
    assert time.monotonic() - started < LEASE.total_seconds()
    assert not es.exists(index=CURSORS, id=LEASE_ID), "the lease is given back"
    assert load_cursor(es, "lincs-live")


def test_a_live_lease_of_another_source_is_waited_for(es, feeds):
    feeds.routes["/lincs-live.rss"] = Route(press_release("www.lincolnshirelive.co.uk"))
    collect_source(es, load_profile(), "lincs-live", now=NOW)
    feeds.routes["/boston-standard.rss"] = Route(press_release("www.bostonstandard.co.uk"))
    leave_lease(es, "google-news", datetime.now(UTC))
    done = threading.Event()

    def collect() -> None:
        collect_source(connect(), load_profile(), "boston-standard", now=NOW)
        done.set()

    waiting = threading.Thread(target=collect)
    waiting.start()

    assert not done.wait(timeout=2), "written while another task held the lease"
    es.delete(index=CURSORS, id=LEASE_ID)
    assert done.wait(timeout=30), "still waiting after the lease was given back"
    waiting.join()
    assert len(set(clusters(es).values())) == 1
