"""`earshot stats` says which sources are alive: for each source of the profile, its last
success, its last error (secrets hidden), the items its last run heard, and what its
platform allows (waiting for it after a 429, posts read today against the day's cap).

Each source is collected through the real collect path from a loopback server: a feed that
answers, one that does not (its address carries a key), and X answering 429 with its
x-rate-limit-reset (https://docs.x.com/fundamentals/rate-limits).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from earshot.app.collect import collect_source
from earshot.app.feed_server import FeedServer, Route
from earshot.app.platform_waits import AskedToWait
from earshot.app.report import NO_HEALTH
from earshot.governance.security import ANALYST_ROLE
from earshot.store.cursors import wait_until
from earshot.store.mentions import IndexingError
from listeners import ListenerError, load_profile
from tests.conftest import news_items, rss
from tests.file_realm import realm_users
from tests.integration.test_cli import earshot
from tests.integration.test_x_listener import QUERY, TOKEN, page, post, rate_limited, search

FEED_KEY = "s3cret-feed-key"
UK = ZoneInfo("Europe/London")


def uk_minute(moment: datetime) -> str:
    return moment.astimezone(UK).strftime("%Y-%m-%d %H:%M")


@pytest.fixture
def sources(write_profile, monkeypatch):
    """A profile of four sources, served on loopback: X is asked on the wall clock
    (collect's own), so the reset it answers with is an hour from now."""
    monkeypatch.setenv("AIRFLOW_CONN_X_LINCS", f"generic://:{TOKEN}@")
    reset = datetime.now(UTC).replace(microsecond=0) + timedelta(hours=1)
    routes = {
        "/local-news.rss": Route(rss(news_items(3, "live"))),
        search(): rate_limited(str(int(reset.timestamp()))),
    }
    with FeedServer(routes) as server:
        write_profile(
            [
                {"name": "local-news", "url": server.url("/local-news.rss")},
                {"name": "parish-blog", "url": server.url(f"/parish.rss?key={FEED_KEY}")},
                {
                    "kind": "x",
                    "name": "x",
                    "connection": "x_lincs",
                    "query": QUERY,
                    "api_url": server.url("/"),
                    "max_pages": 1,
                },
                {"name": "new-feed", "url": server.url("/new.rss")},
            ]
        )
        yield server


def stats_sources() -> dict[str, dict]:
    result = earshot("stats", "--json")
    assert result.returncode == 0, result.stderr
    return {line.pop("source"): line for line in json.loads(result.stdout)["sources"]}


@pytest.mark.elasticsearch
def test_stats_shows_each_sources_last_success_error_items_and_limits(es, sources):
    profile = load_profile()
    before = datetime.now(UTC)
    collect_source(es, profile, "local-news")
    with pytest.raises(ListenerError, match="404"):
        collect_source(es, profile, "parish-blog")
    with pytest.raises(AskedToWait):
        collect_source(es, profile, "x")

    health = stats_sources()

    assert list(health) == ["local-news", "parish-blog", "x", "new-feed"]
    alive = health["local-news"]
    assert alive["last_success"] >= uk_minute(before)
    assert (alive["last_error"], alive["heard_last_run"], alive["limits"]) == (None, 3, [])
    failing = health["parish-blog"]
    assert (failing["last_success"], failing["heard_last_run"]) == (None, None)
    assert "HTTP 404 Not Found" in failing["last_error"]
    assert failing["last_error"] >= uk_minute(before)
    assert FEED_KEY not in failing["last_error"] and "key=***" in failing["last_error"]
    waiting = health["x"]
    assert (waiting["last_success"], waiting["heard_last_run"]) == (None, None)
    assert "HTTP 429 Too Many Requests" in waiting["last_error"]
    assert waiting["limits"] == [
        f"waiting for X until {uk_minute(wait_until(es, 'x'))}",
        "0 of max_posts_per_day 1000 posts read today",
    ]
    assert health["new-feed"] == {
        "kind": "rss",
        "last_success": None,
        "last_error": None,
        "heard_last_run": None,
        "limits": [],
    }


@pytest.mark.elasticsearch
def test_the_last_runs_warnings_show_beside_the_posts_read_today(es, sources):
    """X always has a limits line (its posts read against max_posts_per_day); the run's own
    warnings (here: stopped at max_pages with posts left) were hidden behind it."""
    server = sources
    server.routes[search()] = page([post(5), post(4)], next_token="tok-4")
    collect_source(es, load_profile(), "x")

    limits = stats_sources()["x"]["limits"]

    assert limits[0] == "2 of max_posts_per_day 1000 posts read today"
    assert any("max_pages=1" in warning for warning in limits[1:]), limits


@pytest.mark.elasticsearch
def test_a_source_that_fails_after_succeeding_shows_both(es, sources):
    server = sources
    profile = load_profile()
    collect_source(es, profile, "local-news")
    succeeded = stats_sources()["local-news"]["last_success"]
    server.routes["/local-news.rss"] = Route(b"busy", "text/plain", status=503)
    with pytest.raises(ListenerError, match="503"):
        collect_source(es, profile, "local-news")

    after = stats_sources()["local-news"]

    assert after["last_success"] == succeeded
    assert after["heard_last_run"] == 3
    assert "HTTP 503" in after["last_error"]


@pytest.mark.elasticsearch
def test_the_table_names_each_source_and_hides_its_secrets(es, sources):
    profile = load_profile()
    with pytest.raises(ListenerError):
        collect_source(es, profile, "parish-blog")
    with pytest.raises(AskedToWait):
        collect_source(es, profile, "x")

    result = earshot("stats", COLUMNS="250")

    assert result.returncode == 0, result.stderr
    assert FEED_KEY not in result.stdout
    [waiting] = [line for line in result.stdout.splitlines() if "waiting for X" in line]
    assert waiting.startswith("│ x ") and f"until {uk_minute(wait_until(es, 'x'))}" in waiting
    [blog_line] = [line for line in result.stdout.splitlines() if "parish-blog" in line]
    assert "never" in blog_line and "HTTP 404 Not Found" in blog_line


@pytest.mark.elasticsearch
def test_an_analyst_still_gets_the_counts_without_the_cursors(es, es_node, sources):
    """The analyst role may not read earshot-cursors (tests/policy/test_access.py)."""
    collect_source(es, load_profile(), "local-news")
    with realm_users(es_node, {ANALYST_ROLE: "stats-analyst"}) as passwords:
        as_analyst = {
            "EARSHOT_ELASTICSEARCH_USER": "stats-analyst",
            "EARSHOT_ELASTICSEARCH_PASSWORD": passwords["stats-analyst"],
        }
        figures = earshot("stats", "--json", **as_analyst)
        table = earshot("stats", COLUMNS="250", **as_analyst)

    assert figures.returncode == 0, figures.stderr
    assert json.loads(figures.stdout)["sources"] is None
    assert json.loads(figures.stdout)["total"] == 3
    assert table.returncode == 0, table.stderr
    assert f"Sources: {NO_HEALTH}" in table.stdout


@pytest.mark.elasticsearch
def test_mentions_the_node_refused_are_the_sources_last_error(es, sources):
    """Elasticsearch answered but refused the mentions (here a write block, as a full disk
    sets): the run fails and the cursor waits. Before, `earshot stats` showed the source as
    last heard fine."""
    server = sources
    profile = load_profile()
    collect_source(es, profile, "local-news")
    server.routes["/local-news.rss"] = Route(rss(news_items(2, "refused")))
    es.indices.add_block(index="earshot-mentions-2026.11", block="write")
    try:
        with pytest.raises(IndexingError, match="2 mentions not indexed"):
            collect_source(es, profile, "local-news")
    finally:
        es.indices.put_settings(
            index="earshot-mentions-2026.11", settings={"index.blocks.write": False}
        )
    assert "2 mentions not indexed" in stats_sources()["local-news"]["last_error"]
