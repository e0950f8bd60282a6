"""X recent search against a loopback server replaying pages shaped as X documents them
(https://docs.x.com/x-api/posts/search/api-reference/get-tweets-search-recent; long posts:
https://docs.x.com/x-api/fundamentals/data-dictionary `note_tweet`; rate limits and their
headers: https://docs.x.com/fundamentals/rate-limits, and tweepy's Client, which on a 429
waits until x-rate-limit-reset: tweepy/client.py `BaseClient.request`)."""

import json
from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode

import pytest

from earshot.app.feed_server import FeedServer, Route
from earshot.store.indices import MENTIONS
from earshot.store.queries import mention_counts
from listeners import ListenerError
from listeners.x import XListener, XSource
from tests.listener_contract import Contract, marks

NOW = datetime(2026, 11, 21, 7, 0, tzinfo=UTC)
RESET = NOW + timedelta(minutes=15)
TOKEN = "AAAA-s3cret-bearer"
QUERY = '("Lincolnshire Police" OR @LincsPolice) -is:retweet'


def snowflake(at: datetime) -> int:
    """An X post id made at `at` (https://docs.x.com/fundamentals/x-ids): ms since X's
    epoch, shifted past 22 bits of worker and sequence."""
    return (int(at.timestamp() * 1000) - 1288834974657) << 22


BASE_ID = snowflake(datetime(2026, 11, 20, tzinfo=UTC))
WINDOW_START = "2026-11-14T07:10:00Z"  # NOW less recent search's 7 days, plus 10 min margin


def post_id(n: int) -> str:
    return str(BASE_ID + n)


def post(n: int, text: str = "Thanks @LincsPolice for the quick help in Boston") -> dict:
    """A Post as X's recent search returns it with the fields the listener asks for."""
    return {
        "id": post_id(n),
        "text": f"{text} ({n})",
        "author_id": str(100 + n),
        "created_at": f"2026-11-20T0{n % 10}:15:00.000Z",
        "conversation_id": post_id(n),
        "lang": "en",
        "edit_history_tweet_ids": [post_id(n)],
    }


def page(posts: list[dict], next_token: str | None = None, remaining: int = 449) -> Route:
    meta: dict = {"result_count": len(posts)}
    if posts:
        meta |= {"newest_id": posts[0]["id"], "oldest_id": posts[-1]["id"]}
    if next_token:
        meta["next_token"] = next_token
    body: dict = {"meta": meta}  # X leaves out data and includes when nothing matched
    if posts:
        users = [
            {"id": p["author_id"], "name": "A resident", "username": f"resident{p['author_id']}"}
            for p in posts
        ]
        body |= {"data": posts, "includes": {"users": users}}
    return Route(json.dumps(body).encode(), "application/json", headers=limits(remaining))


def limits(remaining: int) -> tuple[tuple[str, str], ...]:
    return (
        ("x-rate-limit-limit", "450"),
        ("x-rate-limit-remaining", str(remaining)),
        ("x-rate-limit-reset", str(int(RESET.timestamp()))),
    )


def search(**params: str) -> str:
    """The request path and query the listener must send, in the documented parameters."""
    documented = {
        "query": QUERY,
        "max_results": 100,
        "tweet.fields": "created_at,author_id,conversation_id,in_reply_to_user_id,lang,note_tweet",
        "expansions": "author_id",
        "user.fields": "username",
    }
    return "/2/tweets/search/recent?" + urlencode(documented | params)


def resumed(since_id: str) -> str:
    """Where a run that heard `since_id` starts: the source's overlap window (60 minutes by
    default) before that post, its time read from the snowflake id, and never before the
    start of recent search's 7 days."""
    posted = datetime.fromtimestamp(((int(since_id) >> 22) + 1288834974657) / 1000, UTC)
    start = max(posted - timedelta(minutes=60), datetime.fromisoformat(WINDOW_START))
    return start.strftime("%Y-%m-%dT%H:%M:%SZ")


def after(since_id: str, **params: str) -> str:
    """The search a run asks once it has heard `since_id`."""
    return search(start_time=resumed(since_id), **params)


def read_today(posts: int) -> dict[str, str]:
    """What the cursor counts against max_posts_per_day: posts read on NOW's UK day."""
    return {"day": "2026-11-21", "read": str(posts)}


@pytest.fixture(autouse=True)
def bearer(monkeypatch):
    monkeypatch.setenv("AIRFLOW_CONN_X_LINCS", f"generic://:{TOKEN}@")


def source(server: FeedServer, **settings) -> XSource:
    return XSource(
        kind="x",
        name="x",
        connection="x_lincs",
        api_url=server.url("/"),
        query=QUERY,
        **settings,
    )


CONTRACT = {
    "x": Contract(
        source,
        # X answers start_time itself (docs.x.com/x-api/posts/search/api-reference/
        # get-tweets-search-recent): every post of the window, those heard before too. The
        # posts' ids are a millisecond apart, so every run asks the same window.
        first={search(): page([post(2), post(1)]), after(post_id(2)): page([post(2), post(1)])},
        later={after(post_id(2)): page([post(3), post(2), post(1)])},
        listing=after(post_id(2)),
        connection={"AIRFLOW_CONN_X_LINCS": f"generic://:{TOKEN}@"},
        # Post 0 is older than the newest heard, and recent search listed it only after the
        # last run: since_id would never hear it (X: "since_id ... more recent than").
        late={after(post_id(2)): page([post(2), post(1), post(0)])},
    )
}


def test_pages_follow_next_token_with_the_bearer_token_and_the_cursor_keeps_the_newest_id():
    routes = {
        search(): page([post(3), post(2)], next_token="b26v89c19zqg8o3f"),
        search(next_token="b26v89c19zqg8o3f"): page([post(1)], next_token="b26v89c19zqg8o3g"),
        search(next_token="b26v89c19zqg8o3g"): page([]),
    }
    with FeedServer(routes) as server:
        heard = XListener(source(server), now=NOW).listen({})
        sent = [headers["Authorization"] for _, headers in server.requests]
    assert sent == [f"Bearer {TOKEN}"] * 3
    assert [m.author for m in heard.mentions] == ["@resident103", "@resident102", "@resident101"]
    first = heard.mentions[0]
    assert first.text == "Thanks @LincsPolice for the quick help in Boston (3)"
    assert first.url == f"https://x.com/resident103/status/{post_id(3)}"
    assert first.published == datetime(2026, 11, 20, 3, 15, tzinfo=UTC)
    assert first.source_kind == "x"
    assert marks(heard.cursor) == {"since_id": post_id(3)} | read_today(3)
    assert heard.warnings == []


def test_next_run_asks_from_the_overlap_window_and_keeps_its_cursor_when_none():
    with FeedServer({after(post_id(3)): page([])}) as server:
        heard = XListener(source(server), now=NOW).listen({"since_id": post_id(3)})
        assert [path for path, _ in server.requests] == [after(post_id(3))]
    assert heard.mentions == []
    assert heard.cursor == {"since_id": post_id(3)}


def test_a_run_cut_by_max_pages_is_finished_by_the_next_before_since_id_moves():
    old = post_id(0)
    routes = {
        after(old): page([post(5), post(4)], next_token="tok-4"),
        after(old, next_token="tok-4"): page([post(3)]),
    }
    with FeedServer(routes) as server:
        first = XListener(source(server, max_pages=1), now=NOW).listen({"since_id": old})
        assert marks(first.cursor) == {
            "since_id": old,
            "start_time": resumed(old),
            "next_token": "tok-4",
            "newest_id": post_id(5),
            "query": QUERY,
        } | read_today(2)
        assert "max_pages=1" in first.warnings[0]
        second = XListener(source(server, max_pages=1), now=NOW).listen(first.cursor)
    assert [m.text[-3:] for m in second.mentions] == ["(3)"]
    assert marks(second.cursor) == {"since_id": post_id(5)} | read_today(3)


def test_a_changed_query_drops_the_old_querys_backlog_and_keeps_since_id():
    cursor = {"since_id": post_id(1), "next_token": "tok-old", "newest_id": post_id(9)}
    with FeedServer({after(post_id(1)): page([post(2)])}) as server:
        heard = XListener(source(server), now=NOW).listen(cursor | {"query": "Lincs Police"})
    assert [m.text[-3:] for m in heard.mentions] == ["(2)"]
    assert marks(heard.cursor) == {"since_id": post_id(2)} | read_today(1)


def test_a_spent_rate_limit_stops_the_run_keeping_what_it_read_and_the_next_reads_on():
    """The page that spends the limit is the run's last: the next request would be refused.
    Its x-rate-limit-reset is when X may be asked again, which the collect task waits for
    as for a 429's (test_platform_waits.py)."""
    routes = {
        search(): page([post(2)], next_token="tok-1", remaining=0),
        search(next_token="tok-1"): page([post(1)]),
    }
    with FeedServer(routes) as server:
        first = XListener(source(server), now=NOW).listen({})
        assert len(server.requests) == 1
        assert len(first.mentions) == 1
        assert marks(first.cursor) == {
            "next_token": "tok-1",
            "newest_id": post_id(2),
            "query": QUERY,
        } | read_today(1)
        assert first.warnings == [
            "X rate limit spent (x-rate-limit-remaining 0, resets 2026-11-21T07:15:00Z, "
            "in 15 min); the next run reads on from there"
        ]
        assert first.wait_until == RESET

        later = XListener(source(server), now=RESET).listen(first.cursor)
        assert server.requests[-1][0] == search(next_token="tok-1")
    assert [m.text[-3:] for m in later.mentions] == ["(1)"]
    assert marks(later.cursor) == {"since_id": post_id(2)} | read_today(2)
    assert later.wait_until is None


def problem(status: int, title: str, detail: str) -> bytes:
    """X's error body (RFC 7807 problem details), as its API returns for 401 and 429."""
    return json.dumps({"title": title, "detail": detail, "type": "about:blank", "status": status})


@pytest.mark.parametrize(
    ("route", "reason"),
    [
        (
            Route(
                problem(429, "Too Many Requests", "Too Many Requests").encode(),
                "application/json",
                status=429,  # and no x-rate-limit-reset: no time to wait for
            ),
            "rate limited: HTTP 429 Too Many Requests",
        ),
        (
            Route(
                problem(401, "Unauthorized", f"Invalid bearer token {TOKEN}").encode(),
                "application/json",
                status=401,
            ),
            "credentials refused: HTTP 401",
        ),
        (Route(b"<html>busy</html>", "text/html"), "malformed JSON"),
        (Route(b'{"data": [{"id": "1"}]}', "application/json"), "malformed X payload"),
        (Route(b'{"data": {"id": "1"}}', "application/json"), "malformed X payload"),
        (Route(b'{"title": "Service Unavailable"}', "application/json", status=503), "HTTP 503"),
        (Route(json.dumps({"data": [post(1)] * 50}).encode(), "application/json"), "byte cap"),
    ],
    ids=["429", "401", "not-json", "missing-fields", "data-not-a-list", "503", "over-cap"],
)
def test_platform_errors_name_the_source_and_the_reason_and_never_the_token(route, reason):
    with FeedServer({search(): route}) as server, pytest.raises(ListenerError) as e:
        XListener(source(server, max_bytes=5_000), now=NOW).listen({})
    assert str(e.value).startswith("source 'x': ")
    assert reason in str(e.value)
    assert TOKEN not in str(e.value)


def rate_limited(reset: str) -> Route:
    """X's 429 (https://docs.x.com/fundamentals/rate-limits) with its x-rate-limit-reset."""
    return Route(
        problem(429, "Too Many Requests", "Too Many Requests").encode(),
        "application/json",
        status=429,
        headers=(("x-rate-limit-remaining", "0"), ("x-rate-limit-reset", reset)),
    )


def test_a_429_fails_the_run_saying_x_rate_limit_reset_is_when_x_may_be_asked_again():
    """Not a quiet pause kept in the cursor: the collect task waits for every platform's 429
    alike (earshot/app/platform_waits.py), and the pages read before it are read again
    after the wait, which X bills once a day."""
    routes = {
        after(post_id(1)): page([post(3)], next_token="tok-2"),
        after(post_id(1), next_token="tok-2"): rate_limited(str(int(RESET.timestamp()))),
    }
    with FeedServer(routes) as server, pytest.raises(ListenerError) as e:
        XListener(source(server), now=NOW).listen({"since_id": post_id(1)})
    assert e.value.rate_limited_until == RESET
    assert "HTTP 429 Too Many Requests" in e.value.reason
    assert "X says: Too Many Requests" in e.value.reason
    assert e.value.cursor is None  # the cursor stays as it was


def test_a_run_failing_after_a_page_spent_the_limit_still_waits_for_its_reset():
    """A post the page lacks the text of fails the run after x-rate-limit-remaining said 0:
    X is still not to be asked before x-rate-limit-reset, as every platform's spent limit
    (listeners/base.py). Before, X's own loop dropped the reset, so the task's retry asked
    inside the window."""
    textless = {k: v for k, v in post(2).items() if k != "text"}
    spent = page([textless], next_token="tok-1", remaining=0)
    with FeedServer({search(): spent}) as server, pytest.raises(ListenerError) as e:
        XListener(source(server), now=NOW).listen({})
    assert "text is missing" in e.value.reason
    assert e.value.rate_limited_until == RESET


def test_an_x_rate_limit_reset_that_is_no_time_is_named_and_sets_no_wait():
    with FeedServer({search(): rate_limited("soon")}) as server, pytest.raises(ListenerError) as e:
        XListener(source(server), now=NOW).listen({})
    assert "x-rate-limit-reset is not a time: 'soon'" in e.value.reason
    assert e.value.rate_limited_until is None  # the task's retries cover it


def test_a_cursor_paused_by_an_older_earshot_is_asked_at_once_and_forgets_the_pause():
    """Earshot kept X's rate-limit pause in the cursor (`wait_until`) before X's 429 waited
    as every platform's does: such a cursor is read on as any other."""
    cursor = {"since_id": post_id(1), "wait_until": RESET.isoformat()}
    with FeedServer({after(post_id(1)): page([post(2)])}) as server:
        heard = XListener(source(server), now=NOW).listen(cursor)
    assert [m.text[-3:] for m in heard.mentions] == ["(2)"]
    assert marks(heard.cursor) == {"since_id": post_id(2)} | read_today(1)


def test_a_quiet_search_whose_since_id_aged_out_searches_from_the_window_start():
    aged = str(snowflake(NOW - timedelta(days=9)))
    routes = {search(start_time=WINDOW_START): page([post(1)])}
    with FeedServer(routes) as server:
        heard = XListener(source(server), now=NOW).listen({"since_id": aged})
        assert [path for path, _ in server.requests] == [search(start_time=WINDOW_START)]
    assert [m.text[-3:] for m in heard.mentions] == ["(1)"]
    assert heard.cursor["since_id"] == post_id(1)
    assert f"since_id {aged} is older than recent search's 7 days" in heard.warnings[0]


@pytest.mark.parametrize("field", ["note_tweet", "note_post"])
def test_a_long_post_is_stored_whole_not_cut_at_280_characters(field):
    whole = "Road closed on the A15 near Sleaford after a crash; " * 8
    long_post = post(1, text=whole[:270] + "…") | {field: {"text": whole}}
    with FeedServer({search(): page([long_post])}) as server:
        heard = XListener(source(server), now=NOW).listen({})
    assert heard.mentions[0].text == whole


def test_posts_read_stop_at_max_posts_per_day_and_the_next_day_reads_on():
    routes = {
        search(max_results=20): page([post(n) for n in range(30, 10, -1)], next_token="t"),
        search(max_results=20, next_token="t"): page([post(n) for n in range(10, 0, -1)]),
    }
    with FeedServer(routes) as server:
        capped = source(server, max_posts_per_day=20)
        first = XListener(capped, now=NOW).listen({})
        assert len(first.mentions) == 20
        assert first.cursor | {"next_token": "t"} == first.cursor
        assert first.cursor["read"] == "20" and first.cursor["day"] == "2026-11-21"
        assert "max_posts_per_day=20 reached" in first.warnings[0]

        same_day = XListener(capped, now=NOW + timedelta(hours=3)).listen(first.cursor)
        assert same_day.unchanged and len(server.requests) == 1

        next_day = XListener(capped, now=NOW + timedelta(days=1)).listen(first.cursor)
    assert len(next_day.mentions) == 10
    assert marks(next_day.cursor) == {"since_id": post_id(30), "day": "2026-11-22", "read": "10"}


def test_a_slow_api_times_out_at_the_sources_timeout():
    route = Route(json.dumps({"meta": {"result_count": 0}}).encode(), delay_seconds=1.0)
    with FeedServer({search(): route}) as server, pytest.raises(ListenerError, match="timed out"):
        XListener(source(server, timeout_seconds=0.2), now=NOW).listen({})


def test_a_next_token_that_repeats_is_a_loop_not_more_pages():
    routes = {
        search(): page([post(2)], next_token="same"),
        search(next_token="same"): page([post(1)], next_token="same"),
    }
    with FeedServer(routes) as server, pytest.raises(ListenerError, match="pagination loop"):
        XListener(source(server), now=NOW).listen({})


@pytest.mark.elasticsearch
def test_x_through_the_collect_dag_resumes_from_since_id(es, write_profile, run_collect_dag):
    # The DAG runs on the wall clock: ids made an hour ago stay inside the 7-day window.
    base = snowflake(datetime.now(UTC) - timedelta(hours=1))

    def recent(n: int) -> dict:
        return post(n) | {"id": str(base + n)}

    routes = {search(): page([recent(2), recent(1)])}
    with FeedServer(routes) as server:
        entry = {"kind": "x", "name": "x", "connection": "x_lincs", "query": QUERY}
        write_profile([entry | {"api_url": server.url("/")}])
        states = run_collect_dag()
        assert states["collect[x]"] == "success"
        es.indices.refresh(index=MENTIONS)
        assert mention_counts(es).by_source == {"x": 2}

        server.routes[after(str(base + 2))] = page([recent(3)])
        run_collect_dag()
        assert server.requests[-1][0] == after(str(base + 2))
    es.indices.refresh(index=MENTIONS)
    assert mention_counts(es).by_source == {"x": 3}


def test_posts_read_again_in_the_overlap_window_are_skipped_and_not_counted_against_the_cap():
    """X bills a post read twice in a day once ("Daily deduplication",
    https://docs.x.com/x-api/fundamentals/post-cap): only new posts use up the day's cap."""
    routes = {search(): page([post(2), post(1)])}
    with FeedServer(routes) as server:
        first = XListener(source(server), now=NOW).listen({})
        server.routes[after(post_id(2))] = page([post(3), post(2), post(1)])
        again = XListener(source(server), now=NOW + timedelta(minutes=15)).listen(first.cursor)
        assert server.requests[-1][0] == after(post_id(2))
    assert [m.text[-3:] for m in again.mentions] == ["(3)"]
    assert marks(again.cursor) == {"since_id": post_id(3)} | read_today(3)
