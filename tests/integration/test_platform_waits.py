"""A platform that answers 429 with a Retry-After longer than a collect retry's delay, or
whose answer says its rate limit is spent (X's remaining requests, Meta's usage headers), is
not asked again before the time it gave, and is asked as usual after it, from where it was.

Bluesky, X, Reddit and Mastodon each document that asking early can lengthen the ban. Each
source is collected through the real collect path from a loopback feed server answering as
RFC 9110 §15.5.29 and §10.2.3 describe, into the real Elasticsearch; the collect DAG's side
(the task failing once, the runs inside the wait skipping) is in test_collect_dag.py.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from earshot.app.collect import collect_source
from earshot.app.feed_server import FeedServer, Route
from earshot.app.platform_waits import MAX_WAIT, AskedToWait, StillWaiting, wait_asked
from earshot.app.source_health import source_health
from earshot.store.cursors import load_cursor, wait_until
from earshot.store.indices import MENTIONS, mentions_index
from earshot.store.queries import mention_counts
from listeners import ListenerError, load_profile
from tests.conftest import news_items, rss
from tests.integration import test_facebook_listener as facebook
from tests.integration.test_source_health import uk_minute
from tests.integration.test_x_listener import (
    NOW,
    QUERY,
    RESET,
    TOKEN,
    after,
    page,
    post,
    post_id,
    rate_limited,
    search,
)

FEED = "/news.rss"


@pytest.fixture
def x_api(write_profile, monkeypatch):
    """Opens X's recent search on loopback, answering `routes`, and a profile following it."""
    monkeypatch.setenv("AIRFLOW_CONN_X_LINCS", f"generic://:{TOKEN}@")

    @contextmanager
    def serving(routes: dict[str, Route]) -> Iterator[FeedServer]:
        with FeedServer(routes) as x:
            entry = {"kind": "x", "name": "x", "connection": "x_lincs", "query": QUERY}
            write_profile([entry | {"api_url": x.url("/")}])
            yield x

    return serving


def too_many_requests(retry_after: str) -> Route:
    return Route(b"Too Many Requests", "text/plain", 429, headers=(("Retry-After", retry_after),))


@pytest.fixture
def feed(write_profile):
    """One feed the force's profile follows, heard once: its cursor is the feed's ETag."""
    with FeedServer({FEED: Route(rss(news_items(2, "before")))}) as server:
        write_profile([{"name": "local-news", "url": server.url(FEED)}])
        yield server


def asked(server: FeedServer) -> list[dict[str, str]]:
    """The headers of each request for the feed, in order."""
    return [headers for path, headers in server.requests if path == FEED]


@pytest.mark.elasticsearch
def test_after_the_wait_the_source_is_asked_from_where_it_was_and_hears_what_was_missed(es, feed):
    profile = load_profile()
    now = datetime.now(UTC)
    collect_source(es, profile, "local-news", now=now)
    heard_to = load_cursor(es, "local-news")
    feed.routes[FEED] = too_many_requests("600")

    with pytest.raises(AskedToWait, match="not asked again before"):
        collect_source(es, profile, "local-news", now=now)
    until = wait_until(es, "local-news")
    assert until is not None and until >= now + timedelta(minutes=10)
    feed.routes[FEED] = Route(rss(news_items(2, "before") + news_items(3, "meanwhile")))
    with pytest.raises(StillWaiting, match="waiting for RSS until"):
        collect_source(es, profile, "local-news", now=until - timedelta(seconds=1))
    assert len(asked(feed)) == 2  # the first run's and the 429's: nothing inside the wait
    assert load_cursor(es, "local-news") == heard_to

    report = collect_source(es, profile, "local-news", now=until)

    assert asked(feed)[-1]["If-None-Match"] == heard_to["etag"]  # the cursor as it was
    assert report.new == 3
    es.indices.refresh(index=MENTIONS)
    assert mention_counts(es).total == 5
    assert wait_until(es, "local-news") is None


@pytest.mark.elasticsearch
def test_the_sources_health_says_until_when_it_waits_for_its_platform(es, feed):
    now = datetime.now(UTC)
    feed.routes[FEED] = too_many_requests("3600")
    with pytest.raises(AskedToWait):
        collect_source(es, load_profile(), "local-news", now=now)
    until = wait_until(es, "local-news")

    [waiting] = source_health(es, load_profile(), now)
    [over] = source_health(es, load_profile(), until)

    assert waiting.limits == [f"waiting for RSS until {uk_minute(until)}"]
    assert "HTTP 429 Too Many Requests" in waiting.last_error
    assert over.limits == []


@pytest.mark.elasticsearch
def test_a_retry_after_of_a_week_is_cut_to_a_day_and_the_log_says_so(es, feed, caplog):
    now = datetime.now(UTC)
    feed.routes[FEED] = too_many_requests(str(7 * 24 * 3600))
    with caplog.at_level(logging.WARNING), pytest.raises(AskedToWait):
        collect_source(es, load_profile(), "local-news", now=now)
    assert wait_until(es, "local-news") == now + MAX_WAIT
    assert "waiting 25 hours at most" in caplog.text


def test_youtubes_quota_day_when_the_clocks_go_back_is_waited_in_full(caplog):
    """Spent a minute into the Pacific day the US clocks go back, YouTube's quota is back
    24 h 59 min later (listeners/youtube.py): neither cut short nor logged as too long, the
    run's two minutes so far added."""
    now = datetime(2026, 11, 1, 7, 1, tzinfo=UTC)  # 00:01 PDT
    back = datetime(2026, 11, 2, tzinfo=ZoneInfo("America/Los_Angeles"))
    took = timedelta(minutes=2)
    with caplog.at_level(logging.WARNING):
        assert wait_asked("youtube", back, now, took) == back + took
    assert caplog.text == ""


@pytest.mark.elasticsearch
@pytest.mark.parametrize("retry_after", ["60", "soon", ""], ids=["short", "unreadable", "empty"])
def test_a_short_or_unreadable_retry_after_is_left_to_the_tasks_retries(es, feed, retry_after):
    """Within a retry's delay (a minute) the retry itself waits long enough; with no time
    given there is nothing to wait for. Both fail as any passing trouble does, and retry."""
    feed.routes[FEED] = too_many_requests(retry_after)
    profile = load_profile()
    with pytest.raises(ListenerError) as e:
        collect_source(es, profile, "local-news")
    assert type(e.value) is ListenerError and "HTTP 429" in str(e.value)
    assert wait_until(es, "local-news") is None
    with pytest.raises(ListenerError, match="HTTP 429"):
        collect_source(es, profile, "local-news")  # asked again at once: no wait was set


def waiting_for_x_reset(es, profile, read_today: int) -> datetime:
    """When X's source may be asked again: no earlier than its x-rate-limit-reset, as
    `earshot stats` shows it beside the posts read today, before the last run's warnings."""
    until = wait_until(es, "x")
    assert until is not None and until >= RESET
    [waiting] = source_health(es, profile, NOW + timedelta(minutes=2))
    assert waiting.limits[:2] == [
        f"waiting for X until {uk_minute(until)}",
        f"{read_today} of max_posts_per_day 1000 posts read today",
    ]
    return until


@pytest.mark.elasticsearch
def test_xs_429_waits_until_its_x_rate_limit_reset_and_then_reads_on_from_the_cursor(es, x_api):
    """X says when its window resets in x-rate-limit-reset, Unix seconds
    (https://docs.x.com/fundamentals/rate-limits), and sends no Retry-After. X once kept
    its own quiet pause in the cursor instead, which `earshot stats` showed on a line of
    its own."""
    routes = {
        search(): page([post(2), post(1)]),
        after(post_id(2)): rate_limited(str(int(RESET.timestamp()))),
    }
    with x_api(routes) as x:
        profile = load_profile()
        collect_source(es, profile, "x", now=NOW)
        heard_to = load_cursor(es, "x")

        with pytest.raises(AskedToWait, match="not asked again before 2026-11-21T07:15"):
            collect_source(es, profile, "x", now=NOW + timedelta(minutes=1))
        until = waiting_for_x_reset(es, profile, read_today=2)
        with pytest.raises(StillWaiting, match="waiting for X until"):
            collect_source(es, profile, "x", now=until - timedelta(seconds=1))
        assert len(x.requests) == 2  # the first run's and the 429's
        assert load_cursor(es, "x") == heard_to

        x.routes[after(post_id(2))] = page([post(3), post(2), post(1)])
        report = collect_source(es, profile, "x", now=until)
    assert x.requests[-1][0] == after(post_id(2))
    assert report.new == 1


@pytest.mark.elasticsearch
def test_xs_limit_spent_on_a_page_read_is_waited_for_until_its_reset_then_read_on(es, x_api):
    """A page that succeeds with x-rate-limit-remaining 0 ends the run, which keeps what it
    read; no run asks X before x-rate-limit-reset. Before, the next run, 15 minutes on,
    asked inside the window, met the 429 and went red, and `earshot stats` never said so
    (the posts-read line hid the run's warnings)."""
    routes = {
        search(): page([post(2)], next_token="tok-1", remaining=0),
        search(next_token="tok-1"): page([post(1)]),
    }
    with x_api(routes) as x:
        profile = load_profile()
        assert collect_source(es, profile, "x", now=NOW).new == 1
        until = waiting_for_x_reset(es, profile, read_today=1)
        assert source_health(es, profile, NOW)[0].last_error is None  # the run went well

        with pytest.raises(StillWaiting, match="waiting for X until 2026-11-21T07:15"):
            collect_source(es, profile, "x", now=NOW + timedelta(minutes=14))
        assert len(x.requests) == 1  # the page that spent the limit: nothing since

        report = collect_source(es, profile, "x", now=until)
    assert x.requests[-1][0] == search(next_token="tok-1")  # on from the saved cursor
    assert report.new == 1
    assert wait_until(es, "x") is None


@pytest.mark.elasticsearch
def test_a_limit_spent_with_a_reset_within_a_retrys_delay_sets_no_wait(es, x_api):
    """The next run comes later than that anyway: nothing to record."""
    with x_api({search(): page([post(2)], next_token="tok-1", remaining=0)}):
        collect_source(es, load_profile(), "x", now=RESET - timedelta(seconds=30))
    assert wait_until(es, "x") is None


@pytest.mark.elasticsearch
def test_mentions_refused_after_a_page_spent_the_limit_wait_for_its_reset_then_land_once(es, x_api):
    """Elasticsearch refusing some of a run's mentions (a write block on November's index,
    as a full disk sets) after a page spent X's limit: the wait stands, and the task fails
    at once rather than retry inside it. Before, the failure ended the wait, and the retry,
    a minute on, asked X inside its window. The cursor stays, so the first run after the
    reset hears the page again: the post refused is stored then, the one taken (October's)
    is not stored twice."""
    october = post(3) | {"created_at": "2026-10-31T23:15:00.000Z"}
    routes = {
        search(): page([october, post(2)], next_token="tok-1", remaining=0),
        search(next_token="tok-1"): page([post(1)]),
    }
    november = mentions_index(NOW)
    es.indices.create(index=november)
    es.indices.add_block(index=november, block="write")
    with x_api(routes) as x:
        profile = load_profile()
        with pytest.raises(AskedToWait, match="1 mentions not indexed") as e:
            collect_source(es, profile, "x", now=NOW)
        assert "not asked again before 2026-11-21T07:15" in str(e.value)
        until = wait_until(es, "x")
        assert until is not None and until >= RESET
        assert load_cursor(es, "x") == {}
        es.indices.put_settings(index=november, settings={"index.blocks.write": False})

        with pytest.raises(StillWaiting, match="waiting for X until"):
            collect_source(es, profile, "x", now=NOW + timedelta(minutes=1))  # the retry
        assert len(x.requests) == 1  # the page that spent the limit: nothing since

        x.routes[search()] = page([october, post(2)], next_token="tok-1")
        report = collect_source(es, profile, "x", now=until)
    assert (report.new, report.already_indexed) == (2, 1)
    es.indices.refresh(index=MENTIONS)
    assert mention_counts(es).by_source == {"x": 3}


def metas_usage_spent(regain_minutes: int) -> tuple[tuple[str, str], ...]:
    """The Page's business use case usage at its limit, with Meta's estimate of the wait
    (https://developers.facebook.com/docs/graph-api/overview/rate-limiting: page access
    tokens are counted by Business Use Case limits; `estimated_time_to_regain_access` is in
    minutes)."""
    usage = {"type": "pages", "call_count": 100, "total_cputime": 40, "total_time": 45}
    spent = usage | {"estimated_time_to_regain_access": regain_minutes}
    return (("X-Business-Use-Case-Usage", json.dumps({facebook.PAGE: [spent]})),)


@pytest.mark.elasticsearch
def test_a_facebook_page_that_spends_metas_usage_is_waited_for_then_read_on(
    es, write_profile, monkeypatch
):
    """A comments page answered with the Page's usage at 100% ends the run, which keeps what
    it read; no run asks Meta before its estimate is up, and the first after it reads the
    post again, hearing only the comments it had not reached. Before, the next run, 15
    minutes on, asked inside the limit and met Graph's error 32 (X's reset was waited for,
    Meta's estimate only quoted in a warning)."""
    monkeypatch.setenv("AIRFLOW_CONN_FACEBOOK_LINCS", f"generic://:{facebook.TOKEN}@")
    post_a, now = facebook.POST_A, facebook.NOW
    first, rest = facebook.comment(post_a, 3, 5), facebook.comment(post_a, 2, 20)
    read_on = facebook.since(now - timedelta(minutes=5))
    routes = {
        facebook.posts_path(): facebook.listing([facebook.post(post_a, 1)]),
        facebook.comments_path(post_a): facebook.listing(
            [first], "Q09NMQ", headers=metas_usage_spent(regain_minutes=30)
        ),
        facebook.comments_path(post_a, since=read_on): facebook.listing([first], "Q09NMQ"),
        facebook.comments_path(post_a, since=read_on, after="Q09NMQ"): facebook.listing([rest]),
    }
    with FeedServer(routes) as graph:
        entry = {"kind": "facebook", "name": "facebook", "connection": "facebook_lincs"}
        write_profile([entry | {"graph_url": graph.url(facebook.GRAPH), "page_id": facebook.PAGE}])
        profile = load_profile()
        assert collect_source(es, profile, "facebook", now=now).new == 1
        until = wait_until(es, "facebook")
        assert until is not None and until >= now + timedelta(minutes=30)
        [waiting] = source_health(es, profile, now + timedelta(minutes=15))
        assert waiting.limits[0] == f"waiting for Facebook until {uk_minute(until)}"

        with pytest.raises(StillWaiting, match="waiting for Facebook until"):
            collect_source(es, profile, "facebook", now=until - timedelta(seconds=1))
        assert len(graph.requests) == 2  # the listing and the page that spent the limit

        report = collect_source(es, profile, "facebook", now=until)
    assert report.new == 1
    es.indices.refresh(index=MENTIONS)
    assert mention_counts(es).by_source == {"facebook": 2}
    assert wait_until(es, "facebook") is None
