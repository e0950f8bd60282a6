"""What every listener promises, proved against each one (the Singer SDK's habit: one
standard suite, each platform's own test file adding only what is particular to it).

Each kind of source registered in `listeners` has a fixture below: a loopback server
answering as that platform documents (the payloads its own test file serves), first with
two items, then with one more on top. A new platform fails
`test_every_registered_kind_of_source_has_a_contract_fixture` until it has one.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import get_args

import pytest

from earshot.app.feed_server import FeedServer, Route
from earshot.core.profile import SourceSettings
from listeners import LISTENER_FOR_MODEL, ListenerError, listener_for
from listeners.bluesky import BlueskySource
from listeners.facebook import FacebookSource
from listeners.mastodon import MastodonSource
from listeners.rss import NewsSearchSource, RssSource
from listeners.x import XSource
from listeners.youtube import YouTubeSource
from tests.conftest import rss
from tests.integration import test_bluesky_listener as bluesky
from tests.integration import test_facebook_listener as facebook
from tests.integration import test_mastodon_listener as mastodon
from tests.integration import test_reddit_listener as reddit
from tests.integration import test_x_listener as x
from tests.integration import test_youtube_listener as youtube

NOW = datetime(2026, 11, 21, 7, 0, tzinfo=UTC)


@dataclass(frozen=True)
class Platform:
    source: Callable[[FeedServer], SourceSettings]
    first: dict[str, Route]  # two items, newest first
    later: dict[str, Route]  # the same listing with one more item on top
    listing: str  # the request that answers with the platform error
    connection: dict[str, str] = field(default_factory=dict)  # AIRFLOW_CONN_<ID> variables
    # A feed has no per-item cursor: a changed feed is heard whole, and the store's
    # exactly-once writes absorb what was heard before.
    hears_a_changed_feed_whole: bool = False


def news(*numbers: int) -> Route:
    return Route(
        rss(
            [
                {
                    "title": f"Lincolnshire Police appeal {n}",
                    "link": f"https://news.example/appeal-{n}",
                    "guid": f"https://news.example/appeal-{n}",
                    "pubDate": f"Fri, 20 Nov 2026 0{n}:00:00 +0100",
                }
                for n in numbers
            ]
        )
    )


def comments(*numbers: int) -> dict[str, Route]:
    """Comments on one Facebook post, number n posted 10n minutes before NOW."""
    found = [facebook.comment(facebook.POST_A, n, minutes_ago=10 * n) for n in numbers]
    return {facebook.comments_path(facebook.POST_A): facebook.listing(found)}


def threads(*numbers: int) -> dict[str, Route]:
    """Comment threads on the force's YouTube channel, number n posted 10n minutes before NOW."""
    found = [youtube.thread(n, minutes_ago=10 * n) for n in numbers]
    return {youtube.channel_path(): youtube.threads(found)}


FB_POSTS = {facebook.posts_path(): facebook.listing([facebook.post(facebook.POST_A, 1)])}
BLUESKY_SEARCH = bluesky.SEARCH.split("?")[0]  # answered whatever `since` is asked
REDDIT_SEARCH = reddit.SEARCH.split("?")[0]

PLATFORMS: dict[str, Platform] = {
    "rss": Platform(
        lambda server: RssSource(kind="rss", name="local-news", url=server.url("/feed")),
        first={"/feed": news(2, 1)},
        later={"/feed": news(3, 2, 1)},
        listing="/feed",
        hears_a_changed_feed_whole=True,
    ),
    "news_search": Platform(
        lambda server: NewsSearchSource(
            kind="news_search",
            name="google-news",
            engine="google",
            terms=["Lincolnshire Police"],
            base_url=server.url("/rss/search"),
        ),
        first={"/rss/search": news(2, 1)},
        later={"/rss/search": news(3, 2, 1)},
        listing="/rss/search",
        hears_a_changed_feed_whole=True,
    ),
    "mastodon": Platform(
        lambda server: MastodonSource(
            kind="mastodon", name="mastodon", instance=server.url("/"), hashtags=["lincspolice"]
        ),
        first={mastodon.TAG: mastodon.page([mastodon.status(2), mastodon.status(1)])},
        later={mastodon.TAG: mastodon.page([mastodon.status(n) for n in (3, 2, 1)])},
        listing=mastodon.TAG,
    ),
    "reddit": Platform(
        lambda server: reddit.source(server),
        first={
            reddit.TOKEN: reddit.token(),
            REDDIT_SEARCH: reddit.listing([reddit.post(2), reddit.post(1)]),
        },
        later={REDDIT_SEARCH: reddit.listing([reddit.post(n) for n in (3, 2, 1)])},
        listing=REDDIT_SEARCH,
        connection={"AIRFLOW_CONN_REDDIT_LINCS": reddit.CONNECTION},
    ),
    "bluesky": Platform(
        lambda server: BlueskySource(
            kind="bluesky",
            name="bluesky",
            connection="bluesky_lincs",
            service=server.url("/"),
            terms=["Lincolnshire Police"],
        ),
        first={
            bluesky.SESSION: bluesky.session(),
            BLUESKY_SEARCH: bluesky.results([bluesky.post(2), bluesky.post(1)]),
        },
        later={BLUESKY_SEARCH: bluesky.results([bluesky.post(n) for n in (3, 2, 1)])},
        listing=BLUESKY_SEARCH,
        connection={"AIRFLOW_CONN_BLUESKY_LINCS": "generic://lincscomms.bsky.social:app-pass@"},
    ),
    "x": Platform(
        lambda server: XSource(
            kind="x", name="x", connection="x_lincs", api_url=server.url("/"), query=x.QUERY
        ),
        # X answers since_id itself (https://docs.x.com/x-api/posts/search/integrate/paginate)
        first={
            x.search(): x.page([x.post(2), x.post(1)]),
            x.search(since_id=x.post_id(2)): x.page([]),
        },
        later={
            x.search(since_id=x.post_id(2)): x.page([x.post(3)]),
            x.search(since_id=x.post_id(3)): x.page([]),
        },
        listing=x.search(since_id=x.post_id(2)),
        connection={"AIRFLOW_CONN_X_LINCS": f"generic://:{x.TOKEN}@"},
    ),
    "facebook": Platform(
        lambda server: FacebookSource(
            kind="facebook",
            name="facebook",
            connection="facebook_lincs",
            graph_url=server.url(facebook.GRAPH),
            page_id=facebook.PAGE,
        ),
        first=FB_POSTS | comments(1, 2),
        later=comments(0, 1, 2),
        listing=facebook.posts_path(),
        connection={"AIRFLOW_CONN_FACEBOOK_LINCS": f"generic://:{facebook.TOKEN}@"},
    ),
    "youtube": Platform(
        lambda server: YouTubeSource(
            kind="youtube",
            name="youtube",
            connection="youtube_lincs",
            api_url=server.url(youtube.API),
            channel_id=youtube.CHANNEL,
        ),
        first=threads(1, 2),
        later=threads(0, 1, 2),
        listing=youtube.channel_path(),
        connection={"AIRFLOW_CONN_YOUTUBE_LINCS": f"generic://:{youtube.KEY}@"},
    ),
}

KINDS = sorted(get_args(model.model_fields["kind"].annotation)[0] for model in LISTENER_FOR_MODEL)


def test_every_registered_kind_of_source_has_a_contract_fixture():
    assert sorted(PLATFORMS) == KINDS


@dataclass
class Run:
    """One platform's server and source, and a listen as the collect task does it."""

    platform: Platform
    server: FeedServer

    @property
    def source(self) -> SourceSettings:
        return self.platform.source(self.server)

    def listen(self, cursor: dict[str, str]):
        return listener_for(self.source, now=NOW).listen(cursor)


@pytest.fixture(params=KINDS)
def run(request, monkeypatch) -> Iterator[Run]:
    platform = PLATFORMS[request.param]
    for name, uri in platform.connection.items():
        monkeypatch.setenv(name, uri)
    with FeedServer(platform.first) as server:
        yield Run(platform, server)


def test_first_run_hears_the_items_and_returns_a_cursor(run):
    heard = run.listen({})
    assert len(heard.mentions) == 2
    assert heard.cursor
    assert heard.warnings == []


def test_second_run_with_the_cursor_hears_nothing_new(run):
    cursor = run.listen({}).cursor
    again = run.listen(cursor)
    assert again.mentions == []
    assert again.cursor == cursor


def test_a_run_with_the_cursor_hears_only_what_is_new_and_nothing_twice(run):
    first = run.listen({})
    run.server.routes.update(run.platform.later)
    later = run.listen(first.cursor)
    ids = [m.id for m in later.mentions]
    assert len(ids) == len(set(ids))
    new = set(ids) - {m.id for m in first.mentions}
    assert len(new) == 1
    if not run.platform.hears_a_changed_feed_whole:
        assert ids == list(new)
    assert run.listen(later.cursor).mentions == []


@pytest.mark.parametrize("status", [401, 429, 500])
def test_a_platform_error_names_the_source_and_leaves_the_cursor(run, status):
    cursor = run.listen({}).cursor
    saved = dict(cursor)
    run.server.routes[run.platform.listing] = Route(b"{}", "application/json", status=status)
    with pytest.raises(ListenerError) as e:
        run.listen(cursor)
    assert e.value.source == run.source.name
    assert str(status) in e.value.reason
    assert cursor == saved


def test_mentions_carry_the_source_a_link_and_a_utc_time(run):
    for mention in run.listen({}).mentions:
        assert mention.source == run.source.name
        assert mention.source_kind == run.source.kind
        assert mention.url and mention.url.startswith("https://")
        assert mention.published.utcoffset() == timedelta(0)
        assert mention.fetched == NOW


@pytest.mark.parametrize("run", [k for k in KINDS if PLATFORMS[k].connection], indirect=True)
def test_a_missing_connection_names_the_variable_and_asks_nothing(run, monkeypatch):
    for name in run.platform.connection:
        monkeypatch.delenv(name)
        with pytest.raises(ListenerError, match=name) as e:
            run.listen({})
        assert e.value.source == run.source.name
        assert run.server.requests == []
