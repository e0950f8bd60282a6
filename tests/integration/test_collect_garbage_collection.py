"""A run pauses Python's full garbage-collection passes (earshot/app/collect.py); the
process that ran it, a worker or the CLI collecting source after source, must get them
back, or it would grow without bound."""

from __future__ import annotations

import gc
from datetime import UTC, datetime

import pytest

from earshot.app.collect import collect_source
from earshot.app.feed_server import FeedServer, Route
from listeners import ListenerError, load_profile
from tests.conftest import news_items, rss


@pytest.mark.elasticsearch
def test_a_run_gives_back_full_collections_whether_the_source_answers_or_fails(es, write_profile):
    before = gc.get_threshold()
    items = news_items(50, "story", start=datetime(2026, 11, 20, tzinfo=UTC))
    routes = {"/feed": Route(rss(items))}
    with FeedServer(routes) as server:
        write_profile([{"name": "local-news", "url": server.url("/feed")}])
        profile = load_profile()
        assert collect_source(es, profile, "local-news").new == 50
        assert gc.get_threshold() == before

        server.routes["/feed"] = Route(b"down for maintenance", status=503)
        with pytest.raises(ListenerError):
            collect_source(es, profile, "local-news")
    assert gc.get_threshold() == before
