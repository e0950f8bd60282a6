"""What a feed says arrives whole, once, and as written: a body cut short in transit is
not taken for the whole feed, a link that gains tracking parameters is the same item, and
one broken byte spoils only itself."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from elasticsearch.helpers import scan

from earshot.app.collect import collect_source
from earshot.app.feed_server import FeedServer, Route
from earshot.store.cursors import load_cursor
from earshot.store.indices import MENTIONS
from listeners import load_profile
from listeners.rss import RssListener, RssSource
from tests.conftest import news_items, rss

ETAG = '"the-whole-feed"'


class CutShortFeed:
    """Serves one feed with an ETag and no Content-Length; while `cut_at` is set it hangs up
    after that many bytes of the body, as a dropped connection or a proxy timeout does. Only
    the document itself can tell the client it did not get everything."""

    def __init__(self, body: bytes, cut_at: int | None):
        self.body = body
        self.cut_at = cut_at
        feed = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                if self.headers.get("If-None-Match") == ETAG:
                    self.send_response(304)
                    self.end_headers()
                    return
                self.send_response(200)
                self.send_header("Content-Type", "application/rss+xml; charset=utf-8")
                self.send_header("ETag", ETAG)
                self.send_header("Connection", "close")
                self.end_headers()
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                    self.wfile.write(feed.body[: feed.cut_at])

            def log_message(self, format: str, *args) -> None:
                pass

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True

    @contextlib.contextmanager
    def serving(self) -> Iterator[str]:
        thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)
        thread.start()
        try:
            yield f"http://127.0.0.1:{self._httpd.server_address[1]}/feed"
        finally:
            self._httpd.shutdown()
            self._httpd.server_close()


def stored_links(es) -> list[str]:
    es.indices.refresh(index=MENTIONS)
    return [hit["_source"]["url"]["full"] for hit in scan(es, index=MENTIONS, _source=["url.full"])]


@pytest.mark.elasticsearch
def test_a_feed_cut_short_keeps_what_parsed_and_the_next_run_fetches_it_whole(
    es, write_profile, caplog
):
    body = rss(news_items(2_000, "story", start=datetime(2026, 11, 20, tzinfo=UTC)))
    feed = CutShortFeed(body, cut_at=len(body) * 3 // 4)
    with feed.serving() as url:
        write_profile([{"name": "local-news", "url": url, "max_bytes": 10_000_000}])
        profile = load_profile()

        first = collect_source(es, profile, "local-news")
        kept_first = len(stored_links(es))
        assert 0 < first.new == kept_first < 2_000  # what parsed is kept
        assert "etag" not in load_cursor(es, "local-news")  # but the feed was not had whole
        assert any(
            "local-news" in r.getMessage() and "cut short" in r.getMessage() for r in caplog.records
        )

        feed.cut_at = None
        second = collect_source(es, profile, "local-news")

    links = stored_links(es)
    assert len(links) == len(set(links)) == 2_000
    assert second.new == 2_000 - kept_first
    assert load_cursor(es, "local-news") == {"etag": ETAG}


def test_a_whole_feed_that_is_merely_sloppy_still_saves_its_validators():
    body = rss([{"title": "Lincs Police & partners", "link": "https://x/1"}]).replace(
        b"&amp; partners", b"& partners"
    )
    with FeedServer({"/news.rss": Route(body)}) as server:
        heard = RssListener(
            RssSource(kind="rss", name="sloppy", url=server.url("/news.rss")),
            now=datetime(2026, 11, 21, tzinfo=UTC),
        ).listen({})
    assert len(heard.mentions) == 1
    assert "etag" in heard.cursor


@pytest.mark.elasticsearch
def test_items_whose_links_gain_tracking_parameters_are_stored_once(es, write_profile):
    def items(tracking: str) -> list[dict]:
        served = news_items(500, "story")
        for n, item in enumerate(served):
            item["link"] += tracking
            if n % 2:  # half are link-only; half carry the (tracking) link as their guid
                del item["guid"]
            else:
                item["guid"] = item["link"]
        return served

    routes = {"/feed": Route(rss(items("")))}
    with FeedServer(routes) as server:
        write_profile([{"name": "local-news", "url": server.url("/feed")}])
        profile = load_profile()
        collect_source(es, profile, "local-news")
        server.routes["/feed"] = Route(rss(items("?utm_source=twitter&utm_medium=social")))
        again = collect_source(es, profile, "local-news")

    assert again.new == 0
    assert len(stored_links(es)) == 500


def test_one_broken_byte_spoils_only_itself():
    items = [
        {"title": "Lincolnshire Police: café reopens", "link": "https://n.example/1"},
        {"title": "Lincolnshire Police: BROKEN byte", "link": "https://n.example/2"},
        {
            "title": "Lincolnshire Police: £500 raised, it’s “brilliant”",
            "link": "https://n.example/3",
        },
    ]
    body = rss(items).replace(b"BROKEN", b"bad \xff")
    with FeedServer({"/feed": Route(body)}) as server:
        heard = RssListener(
            RssSource(kind="rss", name="local-news", url=server.url("/feed")),
            now=datetime(2026, 11, 21, tzinfo=UTC),
        ).listen({})
    titles = [m.title for m in heard.mentions]
    assert titles == [
        "Lincolnshire Police: café reopens",
        "Lincolnshire Police: bad \ufffd byte",
        "Lincolnshire Police: £500 raised, it’s “brilliant”",
    ]
