"""The collect DAG, run through Airflow itself, over real feeds into the real Elasticsearch."""

import os
from datetime import timedelta

import pytest

from earshot.app.collect import collect_source
from earshot.app.feed_server import FeedServer, Route
from earshot.store.cursors import load_cursor, wait_until
from earshot.store.indices import CURSORS, MENTIONS
from earshot.store.queries import mention_counts
from listeners import load_profile
from tests.conftest import load_collect_dag, news_items, rss, task_tries, without_retry_waits
from tests.node_way import interleaving


def test_dag_folder_imports_cleanly_and_reads_like_the_design():
    dag = load_collect_dag()
    assert dag.schedule == timedelta(minutes=15) or dag.timetable.summary.startswith("0:15")
    assert dag.catchup is False
    assert dag.max_active_runs == 1
    assert dag.get_task("collect").retries >= 1
    [outlet] = dag.get_task("announce").outlets
    assert outlet.uri == "earshot://elasticsearch/earshot-mentions"


@pytest.mark.elasticsearch
def test_collect_dag_indexes_what_mentions_the_force_and_second_run_adds_nothing(
    es, write_profile, run_collect_dag
):
    unrelated = {"title": "Christmas market opens", "link": "https://news.example/market"}
    feed = rss([*news_items(3, "appeal"), unrelated])
    with FeedServer({"/news.rss": Route(feed)}) as server:
        write_profile([{"name": "local-news", "url": server.url("/news.rss")}])
        first = run_collect_dag()
        es.indices.refresh(index=MENTIONS)
        after_first = mention_counts(es)
        second = run_collect_dag()
        es.indices.refresh(index=MENTIONS)
    assert first["run"] == "success", first
    assert first["announce"] == "success"
    assert after_first.total == 3
    assert after_first.by_source == {"local-news": 3}
    assert second["run"] == "success", second
    assert second["announce"] == "skipped"  # nothing new: the alerts Asset is not touched
    assert mention_counts(es) == after_first
    assert server.requests[-1][1].get("If-None-Match")
    assert "etag" in load_cursor(es, "local-news")


@pytest.mark.elasticsearch
def test_what_a_failed_collect_indexed_is_announced_once(
    es, write_profile, run_collect_dag, monkeypatch
):
    """The collect task stopped after indexing, before saving its cursor (here the cursors'
    index is blocked for writes as the mentions are written, so neither the story lease
    nor the cursor is written after them): the mentions are stored, so the Asset the alerts
    wait on is updated for them, by that run, and not again by the next, which finds them
    stored."""

    def block_cursors() -> None:
        es.indices.add_block(index=CURSORS, block="write")

    with FeedServer({"/news.rss": Route(rss(news_items(2, "appeal")))}) as server:
        write_profile([{"name": "local-news", "url": server.url("/news.rss")}])
        node = os.environ["EARSHOT_ELASTICSEARCH_URL"]
        try:
            with interleaving(
                node, block_cursors, before="earshot-mentions-2026.11/_refresh"
            ) as way:
                monkeypatch.setenv("EARSHOT_ELASTICSEARCH_URL", way)
                stopped = run_collect_dag()
        finally:
            es.indices.put_settings(index=CURSORS, settings={"index.blocks.write": False})
        monkeypatch.setenv("EARSHOT_ELASTICSEARCH_URL", node)
        next_run = run_collect_dag()
    assert (stopped["collect[local-news]"], stopped["announce"]) == ("failed", "success")
    assert es.count(index=MENTIONS)["count"] == 2
    assert (next_run["collect[local-news]"], next_run["announce"]) == ("success", "skipped")


@pytest.mark.elasticsearch
def test_what_a_try_stopped_after_saving_its_cursor_stored_is_announced_once(
    es, write_profile, run_collect_dag
):
    """A worker lost after the cursor was saved, before Airflow had the task's report: from
    the store's side, a collection whose report nobody read (here collect_source's own). Its
    retry asks with the saved ETag, hears 304 and stores nothing; before, it reported nothing
    new, announce skipped the Asset, and the alerts heard of those mentions only at their
    next 15-minute run."""
    feed = Route(rss(news_items(2, "appeal")))
    with FeedServer({"/news.rss": feed}) as server:
        write_profile([{"name": "local-news", "url": server.url("/news.rss")}])
        collect_source(es, load_profile(), "local-news")  # its report never reaches announce
        retry = run_collect_dag()
        next_run = run_collect_dag()
        asked_with = [headers.get("If-None-Match") for _, headers in server.requests]
    assert asked_with == [None, feed.etag, feed.etag]  # both runs heard nothing new
    assert (retry["collect[local-news]"], retry["announce"]) == ("success", "success")
    assert (next_run["collect[local-news]"], next_run["announce"]) == ("success", "skipped")


@pytest.mark.elasticsearch
def test_collected_mention_carries_every_enrichment_field_searchable(
    es, write_profile, run_collect_dag
):
    complaint = {
        "title": "Burglary in Boston",
        "link": "https://news.example/boston-burglary",
        "description": "My house in Boston was burgled and Lincolnshire Police never turned up. "
        "Waited three hours on 101.",
        "pubDate": "Fri, 20 Nov 2026 09:00:00 +0000",
    }
    with FeedServer({"/news.rss": Route(rss([complaint]))}) as server:
        write_profile([{"name": "local-news", "url": server.url("/news.rss")}])
        assert run_collect_dag()["run"] == "success"
    es.indices.refresh(index=MENTIONS)

    def found(query: str) -> int:
        return es.count(index=MENTIONS, q=query)["count"]

    assert found("earshot.toward_force.label:negative") == 1
    assert found("earshot.topics:burglary AND earshot.topics:contact-999-101") == 1
    assert found("earshot.places:Boston AND earshot.in_area:true") == 1
    assert found("earshot.language:en") == 1
    assert found("earshot.response.action:put-it-right AND earshot.response.priority:>50") == 1
    assert found("earshot.status:new") == 1
    near_boston = es.count(
        index=MENTIONS,
        query={
            "geo_distance": {"distance": "10km", "earshot.location": {"lat": 52.98, "lon": -0.02}}
        },
    )["count"]
    assert near_boston == 1
    [hit] = es.search(index=MENTIONS)["hits"]["hits"]
    assert hit["_source"]["earshot"]["response"]["reasons"]
    assert hit["_source"]["earshot"]["risk_flags"] == []


@pytest.mark.elasticsearch
def test_bad_feeds_fail_on_their_own_and_the_good_ones_are_indexed(
    es, write_profile, run_collect_dag, capfd
):
    routes = {
        "/good.rss": Route(rss(news_items(2, "good"))),
        "/also-good.rss": Route(rss(news_items(3, "also"))),
        "/news/rss/search": Route(rss(news_items(2, "searched"))),
        "/error.rss": Route(b"Internal Server Error", "text/plain", status=500),
        "/slow.rss": Route(rss(news_items(1, "slow")), delay_seconds=5),
        "/html.rss": Route(b"<!doctype html><html><body>Moved</body></html>", "text/html"),
        "/broken.rss": Route(b'<?xml version="1.0"?><rss version="2.0"><channel></chanel>'),
    }
    with FeedServer(routes) as server:
        write_profile(
            [
                {"name": "good", "url": server.url("/good.rss")},
                {"name": "server-error", "url": server.url("/error.rss")},
                {"name": "too-slow", "url": server.url("/slow.rss"), "timeout_seconds": 1},
                {"name": "html-page", "url": server.url("/html.rss")},
                {"name": "malformed", "url": server.url("/broken.rss")},
                {"name": "also-good", "url": server.url("/also-good.rss")},
                {
                    "kind": "news_search",
                    "name": "google-news",
                    "engine": "google",
                    "terms": ["Lincolnshire Police"],
                    "base_url": server.url("/news/rss/search"),
                },
            ]
        )
        states = run_collect_dag()
    logs = capfd.readouterr()
    output = logs.out + logs.err
    es.indices.refresh(index=MENTIONS)
    assert mention_counts(es).by_source == {"good": 2, "also-good": 3, "google-news": 2}
    for name in ("good", "also-good", "google-news"):
        assert states[f"collect[{name}]"] == "success"
    for name, reason in [
        ("server-error", "HTTP 500"),
        ("too-slow", "timed out after 1s"),
        ("html-page", "not an RSS or Atom feed (got text/html"),
        ("malformed", "malformed feed"),
    ]:
        assert states[f"collect[{name}]"] == "failed"
        assert f"source '{name}': {reason}" in output
        assert load_cursor(es, name) == {}
    assert states["announce"] == "success"  # the good feeds' mentions are announced
    assert states["run"] == "failed"  # and the run is red so the failures are seen


@pytest.mark.elasticsearch
def test_refused_credentials_fail_their_source_at_once_and_the_others_are_collected(
    es, write_profile, airflow_db
):
    """RFC 9110 §15.5.2 and §15.5.4: 401 and 403 say the credentials are wanting, and asking
    again with the same ones gets the same answer. The collect task's retries are for a
    platform that is down; a wrong key would only be sent twice more, a minute apart, every
    run (and a login some platforms allow only so often a day), before the run went red.
    The next run, 15 minutes on, is soon enough to try whatever was fixed."""
    routes = {
        "/good.rss": Route(rss(news_items(2, "good"))),
        "/private.rss": Route(b"Unauthorized", "text/plain", status=401),
    }
    dag = without_retry_waits(load_collect_dag())
    with FeedServer(routes) as server:
        write_profile(
            [
                {"name": "good", "url": server.url("/good.rss")},
                {"name": "private", "url": server.url("/private.rss")},
            ]
        )
        run = dag.test()
        asked = [path for path, _ in server.requests if path == "/private.rss"]
    es.indices.refresh(index=MENTIONS)
    assert mention_counts(es).by_source == {"good": 2}
    assert asked == ["/private.rss"]
    assert str(run.state) == "failed"


@pytest.mark.elasticsearch
def test_elasticsearch_refusing_the_pipelines_credentials_fails_at_once(
    es, write_profile, airflow_db, monkeypatch
):
    """Elasticsearch answers 401 to credentials it does not know (its security docs), and
    will answer the same a minute later: the run goes red now, naming the variables to check,
    without asking twice more per source, as often as a directory behind the cluster may
    count failed logins against the account."""
    monkeypatch.setenv("EARSHOT_ELASTICSEARCH_PASSWORD", "not-the-password")
    dag = without_retry_waits(load_collect_dag())
    with FeedServer({"/news.rss": Route(rss(news_items(1, "appeal")))}) as server:
        write_profile([{"name": "local-news", "url": server.url("/news.rss")}])
        run = dag.test()
    assert task_tries(run)["collect[local-news]"] == ("failed", 1)
    assert str(run.state) == "failed"


@pytest.mark.elasticsearch
def test_a_platform_asking_for_a_long_wait_is_not_asked_again_by_retries_or_later_runs(
    es, write_profile, airflow_db
):
    """A 429 with Retry-After 600 (RFC 9110 §10.2.3), met with the DAG's own retries and
    runs. Before, the retries asked again after one minute and two, and every run after:
    each early request can lengthen a platform's ban (Bluesky, X, Reddit, Mastodon say so).
    Now the task fails once, at once, and the runs inside the wait skip the source."""
    limited = Route(b"Too Many Requests", "text/plain", 429, headers=(("Retry-After", "600"),))
    with FeedServer({"/news.rss": limited}) as server:
        write_profile([{"name": "local-news", "url": server.url("/news.rss")}])
        met_the_limit = without_retry_waits(load_collect_dag()).test()
        inside_the_wait = without_retry_waits(load_collect_dag()).test()
        asked = [path for path, _ in server.requests]
    assert task_tries(met_the_limit)["collect[local-news]"] == ("failed", 1)
    assert str(met_the_limit.state) == "failed"  # red once, so the limit is seen
    assert task_tries(inside_the_wait)["collect[local-news]"] == ("skipped", 1)
    assert str(inside_the_wait.state) == "success"  # not red again every 15 minutes
    assert asked == ["/news.rss"]
    assert wait_until(es, "local-news") is not None


@pytest.mark.elasticsearch
def test_a_429_asking_a_minute_or_less_is_retried_as_before(es, write_profile, airflow_db):
    """The retry, a minute after the failure, already waits as long as the platform asked."""
    limited = Route(b"Too Many Requests", "text/plain", 429, headers=(("Retry-After", "60"),))
    with FeedServer({"/news.rss": limited}) as server:
        write_profile([{"name": "local-news", "url": server.url("/news.rss")}])
        run = without_retry_waits(load_collect_dag()).test()
        asked = [path for path, _ in server.requests]
    assert task_tries(run)["collect[local-news]"] == ("failed", 3)
    assert asked == ["/news.rss"] * 3
