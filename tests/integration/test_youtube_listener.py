"""YouTube comments against a loopback server replaying Data API v3 responses shaped as
Google documents them (commentThreads.list, search.list, error objects)."""

import json
import logging
from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode

import pytest

from earshot.app.collect import collect_source
from earshot.app.feed_server import FeedServer, Route
from earshot.store.cursors import load_cursor
from earshot.store.indices import MENTIONS
from earshot.store.queries import mention_counts
from listeners import ListenerError, Refused, load_profile
from listeners.youtube import YouTubeListener, YouTubeSource
from tests.listener_contract import Contract, marks

NOW = datetime(2026, 11, 21, 7, 0, tzinfo=UTC)  # 23:00 the day before, Pacific Time
KEY = "AIzaSy-s3cret-api-key"
CHANNEL = "UCLincsPolice0000000000"
API = "/youtube/v3"
TERM = "Lincolnshire Police"


def stamp(minutes_ago: int, now: datetime = NOW) -> str:
    return (now - timedelta(minutes=minutes_ago)).strftime("%Y-%m-%dT%H:%M:%SZ")


def thread(n: int, minutes_ago: int, video: str = "vid0000001", now: datetime = NOW) -> dict:
    """A commentThread resource with part=snippet, as an API key sees it: YouTube returns
    textOriginal only to a comment's author, so most threads carry textDisplay alone."""
    comment_id = f"Ugx{n:05d}AaBbCc"
    snippet = {
        "channelId": CHANNEL,
        "videoId": video,
        "textDisplay": f"Thank you Lincolnshire Police for finding my dad ({n})",
        "authorDisplayName": f"@resident{n}",
        "authorChannelUrl": f"http://www.youtube.com/@resident{n}",
        "canRate": True,
        "viewerRating": "none",
        "likeCount": 3,
        "publishedAt": stamp(minutes_ago, now),
        "updatedAt": stamp(minutes_ago, now),
    }
    if n % 2:
        snippet["textOriginal"] = snippet["textDisplay"]
    return {
        "kind": "youtube#commentThread",
        "etag": f"etag{n}",
        "id": comment_id,
        "snippet": {
            "channelId": CHANNEL,
            "videoId": video,
            "topLevelComment": {"kind": "youtube#comment", "id": comment_id, "snippet": snippet},
            "canReply": True,
            "totalReplyCount": 0,
            "isPublic": True,
        },
    }


def threads(items: list[dict], next_page: str | None = None) -> Route:
    body = {
        "kind": "youtube#commentThreadListResponse",
        "etag": "list-etag",
        "pageInfo": {"totalResults": len(items), "resultsPerPage": 100},
        "items": items,
    } | ({"nextPageToken": next_page} if next_page else {})
    return Route(json.dumps(body).encode(), "application/json")


def found(*videos: str) -> Route:
    items = [
        {"kind": "youtube#searchResult", "id": {"kind": "youtube#video", "videoId": v}}
        for v in videos
    ]
    return Route(json.dumps({"kind": "youtube#searchListResponse", "items": items}).encode())


def threads_path(**params: str) -> str:
    documented = {"part": "snippet,replies"} | params
    documented |= {"maxResults": 100, "order": "time", "textFormat": "plainText"}
    token = {"pageToken": documented.pop("pageToken")} if "pageToken" in documented else {}
    return f"{API}/commentThreads?" + urlencode(documented | token | {"key": KEY})


def channel_path(**params: str) -> str:
    return threads_path(allThreadsRelatedToChannelId=CHANNEL, **params)


def search_path() -> str:
    documented = {"part": "snippet", "q": TERM, "type": "video", "order": "date", "maxResults": 25}
    return f"{API}/search?" + urlencode(documented | {"key": KEY})


def google_error(status: int, reason: str, message: str) -> Route:
    error = {
        "code": status,
        "message": message,
        "errors": [{"message": message, "domain": "youtube.quota", "reason": reason}],
    }
    return Route(json.dumps({"error": error}).encode(), "application/json", status=status)


@pytest.fixture(autouse=True)
def api_key(monkeypatch):
    monkeypatch.setenv("AIRFLOW_CONN_YOUTUBE_LINCS", f"generic://:{KEY}@")


def source(server: FeedServer, **settings) -> YouTubeSource:
    return YouTubeSource(
        kind="youtube",
        name="youtube",
        connection="youtube_lincs",
        api_url=server.url(API),
        **({"channel_id": CHANNEL} | settings),
    )


def channel_threads(*numbers: int) -> dict[str, Route]:
    """Threads on the force's channel, number n posted 10n minutes before NOW."""
    return {channel_path(): threads([thread(n, minutes_ago=10 * n) for n in numbers])}


CONTRACT = {
    "youtube": Contract(
        source,
        first=channel_threads(1, 2),
        later=channel_threads(0, 1, 2),
        listing=channel_path(),
        connection={"AIRFLOW_CONN_YOUTUBE_LINCS": f"generic://:{KEY}@"},
        # Thread 3 shows up between 1 and 2 after the last run, at its own publishedAt: a
        # comment held for review and approved later (our reading of YouTube Studio's "Held
        # for review"; the commentThreads reference does not say when it enters the list).
        late={
            channel_path(): threads(
                [thread(n, minutes_ago=m) for n, m in ((1, 10), (3, 15), (2, 20))]
            )
        },
    )
}


def test_channel_threads_are_read_page_by_page_with_the_api_key():
    routes = {
        channel_path(): threads([thread(3, 5), thread(2, 9)], next_page="QURTSl9p"),
        channel_path(pageToken="QURTSl9p"): threads([thread(1, 30)]),
    }
    with FeedServer(routes) as server:
        heard = YouTubeListener(source(server), now=NOW).listen({})
        assert [path for path, _ in server.requests] == list(routes)
    assert [m.author for m in heard.mentions] == ["@resident3", "@resident2", "@resident1"]
    first, second = heard.mentions[:2]
    assert first.text == "Thank you Lincolnshire Police for finding my dad (3)"
    assert second.text.endswith("(2)")  # from textDisplay: no textOriginal for an API key
    assert first.url == "https://www.youtube.com/watch?v=vid0000001&lc=Ugx00003AaBbCc"
    assert not first.link_shared
    assert first.published == NOW - timedelta(minutes=5)
    assert marks(heard.cursor) == {
        "channel": f"{(NOW - timedelta(minutes=5)).isoformat()} Ugx00003AaBbCc"
    }


def test_search_finds_videos_whose_threads_are_read_and_disabled_comments_are_skipped():
    routes = {
        search_path(): found("vidAAAAAAA1", "vidBBBBBBB2", "vidCCCCCCC3"),
        threads_path(videoId="vidAAAAAAA1"): threads([thread(1, 3, video="vidAAAAAAA1")]),
        threads_path(videoId="vidBBBBBBB2"): google_error(
            403,
            "commentsDisabled",
            "The video identified by the videoId parameter has disabled comments.",
        ),
        threads_path(videoId="vidCCCCCCC3"): threads([]),
    }
    with FeedServer(routes) as server:
        heard = YouTubeListener(source(server, channel_id=None, search=[TERM]), now=NOW).listen({})
    assert [m.url for m in heard.mentions] == [
        "https://www.youtube.com/watch?v=vidAAAAAAA1&lc=Ugx00001AaBbCc"
    ]
    assert heard.warnings == ["video:vidBBBBBBB2: comments are disabled; skipped"]
    assert marks(heard.cursor) == {
        f"search:{TERM}": NOW.isoformat(),
        f"search:{TERM}:videos": "vidAAAAAAA1 vidBBBBBBB2 vidCCCCCCC3",
        "video:vidAAAAAAA1": f"{(NOW - timedelta(minutes=3)).isoformat()} Ugx00001AaBbCc",
    }


def test_next_run_reads_down_to_what_was_indexed_and_searches_only_every_six_hours():
    mark = f"{(NOW - timedelta(minutes=5)).isoformat()} Ugx00003AaBbCc"
    cursor = {
        "channel": mark,
        f"search:{TERM}": (NOW - timedelta(hours=1)).isoformat(),
        f"search:{TERM}:videos": "vidAAAAAAA1",
        "video:vidGONE00000": "2026-11-01T00:00:00+00:00 UgxOld",
    }
    newest_first = [thread(5, 1), thread(4, 5), thread(3, 5), thread(2, 9)]
    routes = {
        channel_path(): threads(newest_first, next_page="QURTSl9p"),
        threads_path(videoId="vidAAAAAAA1"): threads([]),
    }
    with FeedServer(routes) as server:
        heard = YouTubeListener(source(server, search=[TERM]), now=NOW).listen(cursor)
        assert [path for path, _ in server.requests] == list(routes)  # no search, one page
    assert [m.author for m in heard.mentions] == ["@resident5", "@resident4"]
    assert marks(heard.cursor) == {
        "channel": f"{(NOW - timedelta(minutes=1)).isoformat()} Ugx00005AaBbCc",
        f"search:{TERM}": cursor[f"search:{TERM}"],
        f"search:{TERM}:videos": "vidAAAAAAA1",
    }


def test_max_pages_before_the_watermark_is_warned():
    mark = f"{(NOW - timedelta(hours=5)).isoformat()} UgxOld"
    routes = {channel_path(): threads([thread(2, 1), thread(1, 2)], next_page="QURTSl9p")}
    with FeedServer(routes) as server:
        heard = YouTubeListener(source(server, max_pages=1), now=NOW).listen({"channel": mark})
    assert len(heard.mentions) == 2
    assert "channel: max_pages reached" in heard.warnings[0]


QUOTA_MESSAGE = (
    'The request cannot be completed because you have exceeded your <a href="/youtube/v3/'
    'getting-started#quota">quota</a>.'
)


@pytest.mark.parametrize(
    ("route", "reason"),
    [
        (
            google_error(403, "quotaExceeded", QUOTA_MESSAGE),
            "YouTube quota exceeded (HTTP 403 quotaExceeded: The request cannot be completed "
            "because you have exceeded your quota.); the daily quota resets at midnight Pacific "
            "Time (2026-11-21T08:00:00Z, in 1 h 0 min)",
        ),
        (
            Route(
                google_error(429, "rateLimitExceeded", "Too many requests").body,
                "application/json",
                status=429,
                headers=(("Retry-After", "30"),),
            ),
            "rate limited by YouTube (HTTP 429 rateLimitExceeded: Too many requests); "
            "try again after 2026-11-21T07:00:30Z",
        ),
        (
            google_error(
                400, "keyInvalid", f"API key not valid. Please pass a valid API key. {KEY}"
            ),
            "API key refused (HTTP 400 keyInvalid: API key not valid. Please pass a valid API "
            "key. ***); check the key in connection 'youtube_lincs'",
        ),
        (Route(b"Unauthorized", "text/plain", status=401), "credentials refused: HTTP 401"),
        (Route(b"<html>oops", "text/html"), "malformed JSON"),
        (
            Route(b'{"items": {}}', "application/json"),
            "malformed YouTube payload: items is an object, not a list",
        ),
        (
            Route(json.dumps({"items": [{"id": "x"}]}).encode()),
            "malformed YouTube payload: snippet.topLevelComment.snippet.publishedAt is missing",
        ),
        (google_error(500, "backendError", "Backend Error"), "YouTube API error HTTP 500"),
    ],
    ids=["quota", "429", "bad-key", "401", "not-json", "items-not-list", "missing-fields", "500"],
)
def test_api_errors_name_the_source_and_the_reason_and_never_the_key(route, reason):
    with FeedServer({channel_path(): route}) as server, pytest.raises(ListenerError) as e:
        YouTubeListener(source(server), now=NOW).listen({})
    assert str(e.value).startswith("source 'youtube': ")
    assert reason in str(e.value)
    assert KEY not in str(e.value)


def test_a_spent_daily_quota_is_not_asked_again_before_midnight_pacific_time():
    """Asked before, YouTube answers quotaExceeded again: the collect task waits for the
    reset (earshot/app/platform_waits.py) rather than asking every 15 minutes till then."""
    route = google_error(403, "quotaExceeded", QUOTA_MESSAGE)
    with FeedServer({channel_path(): route}) as server, pytest.raises(ListenerError) as e:
        YouTubeListener(source(server), now=NOW).listen({})
    assert e.value.rate_limited_until == datetime(2026, 11, 21, 8, 0, tzinfo=UTC)


@pytest.mark.parametrize("reason", ["rateLimitExceeded", "userRateLimitExceeded"])
def test_a_rate_limit_sent_as_a_403_is_tried_again_not_taken_for_a_refused_key(reason):
    """Google sends its per-minute limits as 403s too (developers.google.com/youtube/v3/docs/
    errors, "forbidden (403)": rateLimitExceeded): Refused, the task would not be retried,
    and the reason would say to check the key."""
    route = google_error(403, reason, "Too many requests")
    with FeedServer({channel_path(): route}) as server, pytest.raises(ListenerError) as e:
        YouTubeListener(source(server), now=NOW).listen({})
    assert not isinstance(e.value, Refused)
    assert f"rate limited by YouTube (HTTP 403 {reason}" in str(e.value)


def test_the_key_in_the_query_string_is_sent_as_documented_and_logged_as_stars(caplog):
    caplog.set_level(logging.INFO, logger="httpx")
    with FeedServer({channel_path(): threads([])}) as server:
        YouTubeListener(source(server), now=NOW).listen({})
        assert f"key={KEY}" in server.requests[0][0]
    assert "key=***" in caplog.text
    assert KEY not in caplog.text


def test_a_page_token_that_repeats_is_a_loop_not_more_pages():
    routes = {
        channel_path(): threads([thread(2, 1)], next_page="U0FNRQ"),
        channel_path(pageToken="U0FNRQ"): threads([thread(1, 2)], next_page="U0FNRQ"),
    }
    with FeedServer(routes) as server, pytest.raises(ListenerError, match="pagination loop"):
        YouTubeListener(source(server), now=NOW).listen({})


@pytest.mark.elasticsearch
def test_youtube_through_the_collect_dag_hears_new_threads_only(es, write_profile, run_collect_dag):
    now = datetime.now(UTC)
    first = [thread(2, 10, now=now), thread(1, 20, now=now)]
    with FeedServer({channel_path(): threads(first)}) as server:
        entry = {"kind": "youtube", "name": "youtube", "connection": "youtube_lincs"}
        write_profile([entry | {"api_url": server.url(API), "channel_id": CHANNEL, "keep": "all"}])
        states = run_collect_dag()
        assert states["collect[youtube]"] == "success"
        es.indices.refresh(index=MENTIONS)
        assert mention_counts(es).by_source == {"youtube": 2}

        server.routes[channel_path()] = threads([thread(3, 1, now=now), *first])
        run_collect_dag()
    es.indices.refresh(index=MENTIONS)
    assert mention_counts(es).by_source == {"youtube": 3}


def reply(parent: str, n: int, minutes_ago: int, video: str = "vid0000001") -> dict:
    """A reply as the comment resource documents it (docs/comments: snippet.parentId, its
    id "<parent id>.<reply id>"), as it sits in a thread's replies.comments or in a
    comments.list?parentId= answer."""
    return {
        "kind": "youtube#comment",
        "etag": f"etag-reply{n}",
        "id": f"{parent}.8r{n:04d}",
        "snippet": {
            "channelId": CHANNEL,
            "videoId": video,
            "textDisplay": f"Same here, thank you Lincolnshire Police ({n})",
            "textOriginal": f"Same here, thank you Lincolnshire Police ({n})",
            "parentId": parent,
            "authorDisplayName": f"@neighbour{n}",
            "likeCount": 0,
            "publishedAt": stamp(minutes_ago),
            "updatedAt": stamp(minutes_ago),
        },
    }


def with_replies(item: dict, replies: list[dict], total: int | None = None) -> dict:
    """A thread asked for with part=snippet,replies: `replies.comments` is "a limited number"
    of replies, and snippet.totalReplyCount all of them (docs/commentThreads)."""
    item = item | {"replies": {"comments": replies}}
    item["snippet"] = item["snippet"] | {"totalReplyCount": total or len(replies)}
    return item


def comments_path(parent: str, **params: str) -> str:
    documented = {"part": "snippet", "parentId": parent, "maxResults": 100}
    documented |= {"textFormat": "plainText"} | params
    return f"{API}/comments?" + urlencode(documented | {"key": KEY})


def test_replies_are_heard_those_a_thread_carries_and_the_rest_from_comments_list():
    short = thread(2, 30)  # carries both its replies
    long = thread(1, 60)  # carries 1 of its 3 replies: the rest from comments.list
    short_id, long_id = short["id"], long["id"]
    routes = {
        channel_path(): threads(
            [
                with_replies(short, [reply(short_id, 21, 5), reply(short_id, 22, 25)]),
                with_replies(long, [reply(long_id, 11, 50)], total=3),
            ]
        ),
        comments_path(long_id): Route(
            json.dumps(
                {
                    "kind": "youtube#commentListResponse",
                    "items": [reply(long_id, 11, 50), reply(long_id, 12, 40)],
                    "nextPageToken": "Q0lER",
                }
            ).encode(),
            "application/json",
        ),
        comments_path(long_id, pageToken="Q0lER"): Route(
            json.dumps({"items": [reply(long_id, 13, 35)]}).encode(), "application/json"
        ),
    }
    with FeedServer(routes) as server:
        heard = YouTubeListener(source(server), now=NOW).listen({})
        asked = [path for path, _ in server.requests]
    assert asked == list(routes)
    assert sorted(m.author for m in heard.mentions) == [
        "@neighbour11",
        "@neighbour12",
        "@neighbour13",
        "@neighbour21",
        "@neighbour22",
        "@resident1",
        "@resident2",
    ]
    [newest] = [m for m in heard.mentions if m.author == "@neighbour21"]
    assert newest.url == f"https://www.youtube.com/watch?v=vid0000001&lc={short_id}.8r0021"
    assert newest.published == NOW - timedelta(minutes=5)
    # The watermark is the newest comment heard, a reply here.
    assert marks(heard.cursor) == {"channel": f"{newest.published.isoformat()} {short_id}.8r0021"}
    # Heard once: the next run asks again and hears nothing new.
    with FeedServer(routes) as server:
        again = YouTubeListener(source(server), now=NOW).listen(heard.cursor)
    assert again.mentions == []


def test_a_channel_thread_without_a_video_links_to_the_channel():
    # docs/commentThreads, snippet.videoId: "If this property is not present or does not have
    # a value, then the thread applies to the channel and not to a specific video."
    on_channel = thread(1, 5)
    del (
        on_channel["snippet"]["videoId"],
        on_channel["snippet"]["topLevelComment"]["snippet"]["videoId"],
    )
    with FeedServer({channel_path(): threads([on_channel])}) as server:
        [mention] = YouTubeListener(source(server), now=NOW).listen({}).mentions
    assert (mention.url, mention.link_shared) == (
        f"https://www.youtube.com/channel/{CHANNEL}",
        True,
    )


def search_then_failing_comments() -> dict[str, Route]:
    return {
        search_path(): found("vidAAAAAAA1"),
        threads_path(videoId="vidAAAAAAA1"): google_error(500, "backendError", "Backend Error"),
    }


def test_a_failed_comment_fetch_keeps_the_search_in_the_cursor_to_save():
    with FeedServer(search_then_failing_comments()) as server:
        listener = YouTubeListener(source(server, channel_id=None, search=[TERM]), now=NOW)
        with pytest.raises(ListenerError) as e:
            listener.listen({"video:vidOLD0000": "2026-11-01T00:00:00+00:00 UgxOld"})
    assert e.value.cursor == {
        "video:vidOLD0000": "2026-11-01T00:00:00+00:00 UgxOld",
        f"search:{TERM}": NOW.isoformat(),
        f"search:{TERM}:videos": "vidAAAAAAA1",
    }


@pytest.mark.elasticsearch
def test_a_collect_run_that_fails_on_comments_does_not_search_again(es, write_profile):
    """search.list has its own bucket of 100 calls a day
    (developers.google.com/youtube/data/determine_quota_cost): a retry must not spend it."""
    with FeedServer(search_then_failing_comments()) as server:
        entry = {"kind": "youtube", "name": "youtube", "connection": "youtube_lincs"}
        profile = load_profile(
            write_profile([entry | {"api_url": server.url(API), "search": [TERM]}])
        )
        now = datetime.now(UTC)
        with pytest.raises(ListenerError, match="YouTube API error HTTP 500"):
            collect_source(es, profile, "youtube", now=now)
        server.routes[threads_path(videoId="vidAAAAAAA1")] = threads(
            [thread(1, 3, video="vidAAAAAAA1", now=now)]
        )
        server.requests.clear()
        report = collect_source(es, profile, "youtube", now=now + timedelta(minutes=15))
        asked = [path for path, _ in server.requests]
    assert asked == [threads_path(videoId="vidAAAAAAA1")]  # no search.list
    assert report.new == 1
    assert load_cursor(es, "youtube")[f"search:{TERM}"] == now.isoformat()
