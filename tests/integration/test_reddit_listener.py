"""Reddit against a loopback server replaying answers shaped as Reddit documents them:
the app-only token (https://github.com/reddit-archive/reddit/wiki/OAuth2), Listings of
things (https://github.com/reddit-archive/reddit/wiki/JSON) and X-Ratelimit-* headers."""

import base64
import json
import re
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs

import pytest

from earshot.app.feed_server import FeedServer, Route
from earshot.store.cursors import load_cursor
from earshot.store.indices import MENTIONS
from earshot.store.queries import mention_counts
from listeners import ListenerError
from listeners.reddit import RedditListener, RedditSource
from tests.listener_contract import Contract, marks

NOW = datetime(2026, 11, 21, 7, 0, tzinfo=UTC)
EPOCH = datetime(2026, 11, 20, 9, 0, tzinfo=UTC).timestamp()
TOKEN = "/api/v1/access_token"
# A term of two words, searched as one phrase: Lucene syntax, GET /search's default
# (https://www.reddit.com/dev/api/#GET_search), quotes it.
SEARCH = "/search?q=%22Lincolnshire+Police%22&sort=new&limit=100&type=link&raw_json=1"
NEW = "/r/lincoln/new?limit=100&raw_json=1"
COMMENTS = "/r/lincoln/comments?limit=100&raw_json=1"
CONNECTION = "generic://client-id:client-secret@/?username=LincsPoliceComms"


def base36(n: int) -> str:
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    out = ""
    while n:
        n, d = divmod(n, 36)
        out = digits[d] + out
    return out


def post(n: int, text: str = "Officers were great in Boston today") -> dict:
    """A link (t3) as Reddit's JSON documents it (fields we read and a few we don't)."""
    id36 = base36(60_000_000 + n)
    return {
        "kind": "t3",
        "data": {
            "id": id36,
            "name": f"t3_{id36}",
            "title": f"Lincolnshire Police appeal {n} & update",
            "selftext": text,
            "author": f"resident{n}",
            "subreddit": "lincoln",
            "permalink": f"/r/lincoln/comments/{id36}/lincolnshire_police_appeal_{n}/",
            "url": f"https://www.reddit.com/r/lincoln/comments/{id36}/lincolnshire_police_appeal_{n}/",
            "created_utc": EPOCH + n * 60,
            "num_comments": 0,
            "over_18": False,
        },
    }


def comment(n: int, text: str = "Lincs Police never turned up, waited three hours") -> dict:
    """A comment (t1) as returned by /r/<sub>/comments."""
    id36 = base36(900_000_000 + n)
    link = base36(60_000_000)
    return {
        "kind": "t1",
        "data": {
            "id": id36,
            "name": f"t1_{id36}",
            "body": text,
            "author": "[deleted]" if n == 0 else f"commenter{n}",
            "link_id": f"t3_{link}",
            "parent_id": f"t3_{link}",
            "link_title": "Lincolnshire Police appeal 0",
            "link_permalink": f"https://www.reddit.com/r/lincoln/comments/{link}/appeal/",
            "permalink": f"/r/lincoln/comments/{link}/appeal/{id36}/",
            "subreddit": "lincoln",
            "created_utc": EPOCH + n * 30,
        },
    }


def fullname(thing: dict) -> str:
    return thing["data"]["name"]


def listing(things: list[dict], after: str | None = None, remaining: str = "598.0") -> Route:
    body = {
        "kind": "Listing",
        "data": {"after": after, "before": None, "dist": len(things), "children": things},
    }
    headers = (
        ("X-Ratelimit-Used", "2"),
        ("X-Ratelimit-Remaining", remaining),
        ("X-Ratelimit-Reset", "412"),
    )
    return Route(json.dumps(body).encode(), "application/json", headers=headers)


def token(value: str = "app-token-1") -> Route:
    answer = {"access_token": value, "token_type": "bearer", "expires_in": 86400, "scope": "*"}
    return Route(json.dumps(answer).encode(), "application/json")


def source(server: FeedServer, api: str = "/", **settings) -> RedditSource:
    return RedditSource(
        **{
            "kind": "reddit",
            "name": "reddit",
            "connection": "reddit_lincs",
            "api_url": server.url(api),
            "token_url": server.url(TOKEN),
            "terms": ["Lincolnshire Police"],
            "subreddits": [],
        }
        | settings
    )


@pytest.fixture(autouse=True)
def connection(monkeypatch):
    monkeypatch.setenv("AIRFLOW_CONN_REDDIT_LINCS", CONNECTION)


CONTRACT = {
    "reddit": Contract(
        source,
        first={TOKEN: token(), SEARCH.split("?")[0]: listing([post(2), post(1)])},
        later={SEARCH.split("?")[0]: listing([post(3), post(2), post(1)])},
        listing=SEARCH.split("?")[0],
        connection={"AIRFLOW_CONN_REDDIT_LINCS": CONNECTION},
        # post 0 has the lower id (older) but reached search's index after the last run,
        # so it shows below posts 1 and 2 (GET /search, sort=new, www.reddit.com/dev/api).
        late={SEARCH.split("?")[0]: listing([post(2), post(1), post(0)])},
    )
}


def test_search_and_subreddits_are_paged_by_after_and_posts_and_comments_mapped():
    routes = {
        TOKEN: token(),
        SEARCH: listing([post(5), post(4)], after=fullname(post(4))),
        f"{SEARCH}&after={fullname(post(4))}": listing([post(3)], after=fullname(post(3))),
        f"{SEARCH}&after={fullname(post(3))}": listing([]),
        NEW: listing([post(6), post(5)]),  # post 5 is also found by the search
        COMMENTS: listing([comment(2), comment(0)]),
    }
    with FeedServer(routes) as server:
        heard = RedditListener(source(server, subreddits=["lincoln"]), now=NOW).listen({})
        asked = [path for path, _ in server.requests]
    assert asked == [
        TOKEN,
        SEARCH,
        f"{SEARCH}&after={fullname(post(4))}",
        f"{SEARCH}&after={fullname(post(3))}",
        NEW,
        COMMENTS,
    ]
    by_author = {m.author: m for m in heard.mentions}
    assert sorted(by_author, key=str) == sorted(
        [None, "commenter2", "resident3", "resident4", "resident5", "resident6"], key=str
    )
    first = by_author["resident5"]
    assert first.title == "Lincolnshire Police appeal 5 & update"  # raw_json: no &amp;
    assert first.text == "Officers were great in Boston today"
    assert first.url == "https://www.reddit.com" + post(5)["data"]["permalink"]
    assert first.published == datetime(2026, 11, 20, 9, 5, tzinfo=UTC)
    reply = by_author["commenter2"]
    assert (reply.title, reply.text) == ("", "Lincs Police never turned up, waited three hours")
    assert reply.url == "https://www.reddit.com" + comment(2)["data"]["permalink"]
    assert marks(heard.cursor) == {
        "search:Lincolnshire Police": fullname(post(5)),
        "new:lincoln": fullname(post(6)),
        "comments:lincoln": fullname(comment(2)),
    }
    assert heard.warnings == []


def test_the_token_is_asked_for_as_documented_and_used_as_a_bearer():
    routes = {TOKEN: token("app-token-7"), SEARCH: listing([post(1)])}
    with FeedServer(routes) as server:
        RedditListener(source(server), now=NOW).listen({})
        (token_path, token_headers), (_, api_headers) = server.requests
        (posted_path, posted), *_ = server.posted
    assert (token_path, posted_path) == (TOKEN, TOKEN)
    assert parse_qs(posted.decode()) == {"grant_type": ["client_credentials"]}
    assert token_headers["Content-Type"] == "application/x-www-form-urlencoded"
    basic = base64.b64encode(b"client-id:client-secret").decode()
    assert token_headers["Authorization"] == f"Basic {basic}"
    assert api_headers["Authorization"] == "bearer app-token-7"
    # Reddit's form, <platform>:<app ID>:<version> (by /u/<username>), on every request.
    for headers in (token_headers, api_headers):
        assert re.fullmatch(
            r"python:earshot:v[\w.]+ \(by /u/LincsPoliceComms\)", headers["User-Agent"]
        )


def test_next_run_stops_paging_at_the_newest_thing_already_heard():
    cursor = {"search:Lincolnshire Police": fullname(post(3)), "new:lincoln": fullname(post(6))}
    routes = {
        TOKEN: token(),
        # Newest first: 5 and 4 are new, 3 was heard last run, so the next page is not asked.
        SEARCH: listing([post(5), post(4), post(3), post(2)], after=fullname(post(2))),
        NEW: listing([post(6)], after=fullname(post(6))),
        COMMENTS: listing([]),
    }
    with FeedServer(routes) as server:
        heard = RedditListener(source(server, subreddits=["lincoln"]), now=NOW).listen(cursor)
        asked = [path for path, _ in server.requests]
    assert asked == [TOKEN, SEARCH, NEW, COMMENTS]
    assert sorted(m.author for m in heard.mentions) == ["resident4", "resident5"]
    assert marks(heard.cursor) == cursor | {"search:Lincolnshire Police": fullname(post(5))}


def test_a_spent_rate_limit_stops_paging_keeps_what_was_heard_and_holds_the_cursor():
    """X-Ratelimit-Reset, the seconds left in the period, is when Reddit may be asked again:
    the collect task waits for it as for a 429's (platform_waits.py). Before, it was only
    told in the warning, and the next run, 15 minutes on, asked inside the period."""
    old = {"search:Lincolnshire Police": fullname(post(1))}
    routes = {
        TOKEN: token(),
        SEARCH: listing([post(5), post(4)], after=fullname(post(4)), remaining="0.0"),
        NEW: listing([post(6)]),
    }
    with FeedServer(routes) as server:
        heard = RedditListener(source(server, subreddits=["lincoln"]), now=NOW).listen(old)
        asked = [path for path, _ in server.requests]
    assert asked == [TOKEN, SEARCH]  # neither the next page nor the other streams
    assert sorted(m.author for m in heard.mentions) == ["resident4", "resident5"]
    assert marks(heard.cursor) == old  # the next run reads down to post 1 again: no gap
    assert heard.wait_until == NOW + timedelta(seconds=412)
    spent = (
        "Reddit rate limit spent (X-Ratelimit-Remaining 0, resets 2026-11-21T07:06:52Z, in 7 min)"
    )
    assert heard.warnings == [
        f"search:Lincolnshire Police: stopped paging; {spent}",
        f"new:lincoln: not read this run; {spent}",
        f"comments:lincoln: not read this run; {spent}",
    ]


def test_max_pages_is_honoured_and_a_gap_it_leaves_is_reported():
    routes = {
        TOKEN: token(),
        SEARCH: listing([post(9)], after=fullname(post(9))),
        f"{SEARCH}&after={fullname(post(9))}": listing([post(8)], after=fullname(post(8))),
        f"{SEARCH}&after={fullname(post(8))}": listing([post(7)]),
    }
    with FeedServer(routes) as server:
        heard = RedditListener(source(server, max_pages=2), now=NOW).listen(
            {"search:Lincolnshire Police": fullname(post(1))}
        )
        assert len(server.requests) == 3  # the token and two pages
    assert marks(heard.cursor) == {"search:Lincolnshire Police": fullname(post(9))}
    assert heard.warnings == [
        "search:Lincolnshire Police: max_pages reached before the last item heard; items "
        "between the oldest read and it were skipped (raise max_pages if this recurs)"
    ]


def test_an_after_token_that_repeats_is_a_loop_not_more_pages():
    routes = {
        TOKEN: token(),
        SEARCH: listing([post(3)], after=fullname(post(3))),
        f"{SEARCH}&after={fullname(post(3))}": listing([post(2)], after=fullname(post(3))),
    }
    with FeedServer(routes) as server, pytest.raises(ListenerError, match="pagination loop"):
        RedditListener(source(server), now=NOW).listen({})


JSON = "application/json"


@pytest.mark.parametrize(
    ("path", "route", "reason"),
    [
        (
            SEARCH,
            Route(
                b'{"message": "Too Many Requests", "error": 429}',
                JSON,
                429,
                0,
                (("Retry-After", "60"),),
            ),
            "rate limited: HTTP 429 Too Many Requests from http://127.0.0.1",
        ),
        (
            TOKEN,
            Route(b'{"message": "Unauthorized", "error": 401}', JSON, status=401),
            "credentials refused: HTTP 401 Unauthorized from http://127.0.0.1",
        ),
        (
            TOKEN,
            Route(b'{"error": "unsupported_grant_type"}', JSON),
            "token refused by http://127.0.0.1",
        ),
        (
            SEARCH,
            Route(b'{"message": "Unauthorized", "error": 401}', JSON, status=401),
            "credentials refused: HTTP 401",
        ),
        (SEARCH, Route(b"<html>upstream error</html>", JSON, status=500), "HTTP 500"),
        (SEARCH, Route(b"<html>whoa there, pardner!</html>", JSON), "malformed JSON"),
        (SEARCH, Route(b'{"kind": "Listing", "children": []}', JSON), "malformed Reddit payload"),
        (SEARCH, Route(b'[{"kind": "t3"}]', JSON), "malformed Reddit payload"),
        (TOKEN, Route(b'{"token_type": "bearer"}', JSON), "malformed Reddit payload"),
    ],
    ids=[
        "429",
        "401-token",
        "token-error-field",
        "401-api",
        "500",
        "not-json",
        "no-data",
        "not-a-listing",
        "no-access-token",
    ],
)
def test_platform_errors_name_the_source_and_the_reason(path, route, reason):
    routes = {TOKEN: token(), SEARCH: listing([post(1)])} | {path: route}
    with FeedServer(routes) as server, pytest.raises(ListenerError) as e:
        RedditListener(source(server), now=NOW).listen({})
    assert "source 'reddit'" in str(e.value)
    assert reason in str(e.value)
    if route.status == 429:
        assert "Retry-After 60" in str(e.value)


def test_a_connection_without_the_secret_says_what_it_needs(monkeypatch):
    monkeypatch.setenv("AIRFLOW_CONN_REDDIT_LINCS", "generic://client-id@")
    with FeedServer({}) as server:
        with pytest.raises(ListenerError, match="client id as login"):
            RedditListener(source(server), now=NOW).listen({})
        assert server.requests == []  # nothing is sent without both halves


@pytest.mark.elasticsearch
def test_reddit_through_the_collect_dag_one_source_429_another_500_then_all_resume(
    es, write_profile, run_collect_dag, monkeypatch
):
    monkeypatch.setenv("AIRFLOW_CONN_REDDIT_OTHER", "generic://other-id:other-secret@")
    throttled = "/throttled/r/lincoln/new?limit=100&raw_json=1"
    routes = {
        TOKEN: token(),
        SEARCH: listing([post(3), post(2)], after=fullname(post(2))),
        f"{SEARCH}&after={fullname(post(2))}": listing([post(1)]),
        # The throttled source's first page arrives; its second answers 429.
        throttled: listing([post(14), post(13)], after=fullname(post(13))),
        f"{throttled}&after={fullname(post(13))}": Route(
            b'{"message": "Too Many Requests", "error": 429}', JSON, 429, 0, (("Retry-After", "5"),)
        ),
        "/down/search?q=%22Lincs+Police%22&sort=new&limit=100&type=link&raw_json=1": Route(
            b"<html>503 upstream</html>", "text/html", status=500
        ),
    }
    with FeedServer(routes) as server:

        def reddit(name: str, api: str, connection: str, **streams) -> dict:
            return {
                "kind": "reddit",
                "name": name,
                "connection": connection,
                "api_url": server.url(api),
                "token_url": server.url(TOKEN),
            } | streams

        write_profile(
            [
                reddit("reddit", "/", "reddit_lincs", terms=["Lincolnshire Police"]),
                reddit("reddit-throttled", "/throttled", "reddit_other", subreddits=["lincoln"]),
                reddit("reddit-down", "/down", "reddit_other", terms=["Lincs Police"]),
            ]
        )
        # The throttled source also reads comments; they are quiet.
        server.routes["/throttled/r/lincoln/comments?limit=100&raw_json=1"] = listing([])
        states = run_collect_dag()
        es.indices.refresh(index=MENTIONS)
        assert states["collect[reddit]"] == "success"
        assert states["collect[reddit-throttled]"] == "failed"
        assert states["collect[reddit-down]"] == "failed"
        assert mention_counts(es).by_source == {"reddit": 3}
        assert marks(load_cursor(es, "reddit")) == {"search:Lincolnshire Police": fullname(post(3))}
        assert load_cursor(es, "reddit-throttled") == {}

        # Next run: both failing sources answer; new posts arrived on top of the search.
        server.routes |= {
            SEARCH: listing([post(5), post(4), post(3), post(2)], after=fullname(post(2))),
            f"{SEARCH}&after={fullname(post(2))}": listing([post(1)]),
            f"{throttled}&after={fullname(post(13))}": listing([post(12)]),
            "/down/search?q=%22Lincs+Police%22&sort=new&limit=100&type=link&raw_json=1": listing(
                [post(21)]
            ),
        }
        server.requests.clear()
        states = run_collect_dag()
        asked = [path for path, _ in server.requests]
    es.indices.refresh(index=MENTIONS)
    assert {k: v for k, v in states.items() if k.startswith("collect[")} == {
        "collect[reddit]": "success",
        "collect[reddit-throttled]": "success",
        "collect[reddit-down]": "success",
    }
    # Read back through the overlap window (posts 3 to 1, a minute apart): nothing twice.
    assert f"{SEARCH}&after={fullname(post(2))}" in asked
    assert mention_counts(es).by_source == {"reddit": 5, "reddit-throttled": 3, "reddit-down": 1}
    assert marks(load_cursor(es, "reddit")) == {"search:Lincolnshire Police": fullname(post(5))}
    assert marks(load_cursor(es, "reddit-throttled")) == {"new:lincoln": fullname(post(14))}


@pytest.mark.parametrize(
    ("reset", "waited", "said"),
    [
        ("420", datetime(2026, 11, 21, 7, 7, tzinfo=UTC), "HTTP 429"),
        ("soon", None, "x-ratelimit-reset is not a time: 'soon'"),
    ],
    ids=["reset", "no-time"],
)
def test_a_429_is_waited_for_until_reddits_period_resets(reset, waited, said):
    """Reddit's answers carry X-Ratelimit-Reset, "approximate number of seconds to end of
    period" (its API wiki, github.com/reddit-archive/reddit/wiki/API): on a 429 the source is
    not asked before then. One that is no time sets no wait (the task's retries cover it)
    and is named, as X's and Bluesky's are; before, Reddit said nothing of it."""
    limited = Route(
        b'{"message": "Too Many Requests", "error": 429}',
        JSON,
        429,
        headers=(("X-Ratelimit-Remaining", "0"), ("X-Ratelimit-Reset", reset)),
    )
    routes = {TOKEN: token(), SEARCH: limited}
    with FeedServer(routes) as server, pytest.raises(ListenerError) as e:
        RedditListener(source(server), now=NOW).listen({})
    assert e.value.rate_limited_until == waited
    assert said in e.value.reason
