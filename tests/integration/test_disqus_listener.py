"""Disqus comments against a loopback server answering as the Disqus API 3.0 documents:
forums/listPosts and threads/listPosts with related=thread (post and thread objects as in the
reference's example responses, https://disqus.com/api/docs/posts/details/ and
https://disqus.com/api/docs/threads/details/), cursor paging (cursor.next / hasNext,
https://disqus.com/api/docs/cursors/), X-Ratelimit-* headers
(https://disqus.com/api/docs/ratelimits/) and error bodies {"code", "response"}
(https://disqus.com/api/docs/errors/)."""

import json
from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode

import pytest

from earshot.app.feed_server import FeedServer, Route
from earshot.store.indices import MENTIONS
from earshot.store.queries import mention_counts
from listeners import ListenerError, Refused
from listeners.disqus import DisqusListener, DisqusSource
from tests.listener_contract import Contract, marks

NOW = datetime(2026, 11, 21, 7, 0, tzinfo=UTC)
KEY = "dq-public-s3cret-key"
API = "/api/3.0"
FORUM = "lincolnshirelive"
ARTICLE = "https://www.lincolnshirelive.co.uk/news/local-news/lincoln-high-street-closed-9001"


def created(minutes_ago: int, now: datetime = NOW) -> str:
    """Disqus writes createdAt in UTC without an offset."""
    return (now - timedelta(minutes=minutes_ago)).strftime("%Y-%m-%dT%H:%M:%S")


def post(n: int, minutes_ago: int, now: datetime = NOW, **fields) -> dict:
    """A post object with related=thread, shaped as the posts/details example."""
    text = f"Well done Lincolnshire Police for closing the road so fast ({n})"
    return {
        "id": str(6100000000 + n),
        "forum": FORUM,
        "parent": None,
        "thread": {
            "id": "9876543210",
            "forum": FORUM,
            "title": "Lincoln High Street closed after crash",
            "clean_title": "Lincoln High Street closed after crash",
            "link": ARTICLE,
            "createdAt": created(600, now),
            "posts": 3,
        },
        "author": {
            "username": f"resident{n}",
            "name": f"Resident {n}",
            "isAnonymous": False,
            "profileUrl": f"https://disqus.com/by/resident{n}/",
        },
        "message": f"<p>{text}</p>",
        "raw_message": text,
        "createdAt": created(minutes_ago, now),
        "isApproved": True,
        "isDeleted": False,
        "isSpam": False,
        "isEdited": False,
        "likes": 2,
        "dislikes": 0,
        "points": 2,
    } | fields


def posts(
    items: list[dict], next_cursor: str | None = None, remaining: int = 990, reset: str = ""
) -> Route:
    """A page of posts; X-Ratelimit-Reset in Unix seconds, 40 minutes on unless given."""
    cursor = {
        "prev": None,
        "hasNext": next_cursor is not None,
        "next": next_cursor or "1763708400000000:0:0",
        "hasPrev": False,
        "total": None,
        "id": "1763708400000000:0:0",
        "more": next_cursor is not None,
    }
    body = {"code": 0, "cursor": cursor, "response": items}
    limits = (
        ("X-Ratelimit-Limit", "1000"),
        ("X-Ratelimit-Remaining", str(remaining)),
        ("X-Ratelimit-Reset", reset or str(int((NOW + timedelta(minutes=40)).timestamp()))),
    )
    return Route(json.dumps(body).encode(), "application/json", headers=limits)


def forum_path(forum: str = FORUM, **params: str) -> str:
    documented = {"forum": forum, "limit": 100, "order": "desc", "related": "thread"}
    return f"{API}/forums/listPosts.json?" + urlencode(documented | params | {"api_key": KEY})


def thread_path(thread: str, **params: str) -> str:
    documented = {"forum": FORUM, "thread": thread, "limit": 100, "order": "desc"}
    documented |= {"related": "thread"}
    return f"{API}/threads/listPosts.json?" + urlencode(documented | params | {"api_key": KEY})


@pytest.fixture(autouse=True)
def api_key(monkeypatch):
    monkeypatch.setenv("AIRFLOW_CONN_DISQUS_LINCS", f"generic://:{KEY}@")


def source(server: FeedServer, **settings) -> DisqusSource:
    return DisqusSource(
        kind="disqus",
        name="disqus",
        connection="disqus_lincs",
        api_url=server.url(API),
        **({"forums": [{"name": FORUM}]} | settings),
    )


def forum_posts(*numbers: int) -> dict[str, Route]:
    """Comments on the forum, number n posted 10n minutes before NOW."""
    return {forum_path(): posts([post(n, minutes_ago=10 * n) for n in numbers])}


CONTRACT = {
    "disqus": Contract(
        source,
        first=forum_posts(1, 2),
        later=forum_posts(0, 1, 2),
        listing=forum_path(),
        connection={"AIRFLOW_CONN_DISQUS_LINCS": f"generic://:{KEY}@"},
        # Comment 3 shows up between 1 and 2 after the last run, at its own createdAt: one a
        # moderator approved late (posts are listed approved-only by default, `include`'s
        # default in forums/listPosts; the reference does not say where an approval lands).
        late={
            forum_path(): posts([post(n, minutes_ago=m) for n, m in ((1, 10), (3, 15), (2, 20))])
        },
    )
}


def test_a_forum_is_read_page_by_page_with_the_cursor_and_the_api_key():
    routes = {
        forum_path(): posts([post(3, 5), post(2, 9)], next_cursor="1763707860000000:0:1"),
        forum_path(cursor="1763707860000000:0:1"): posts([post(1, 30)]),
    }
    with FeedServer(routes) as server:
        heard = DisqusListener(source(server), now=NOW).listen({})
        assert [path for path, _ in server.requests] == list(routes)
    assert [m.author for m in heard.mentions] == ["Resident 3", "Resident 2", "Resident 1"]
    first = heard.mentions[0]
    assert first.url == f"{ARTICLE}#comment-6100000003"
    assert first.title == "Lincoln High Street closed after crash"
    assert first.text == "Well done Lincolnshire Police for closing the road so fast (3)"
    assert first.published == NOW - timedelta(minutes=5)  # createdAt read as UTC
    assert marks(heard.cursor) == {
        "forum:lincolnshirelive": f"{(NOW - timedelta(minutes=5)).isoformat()} 6100000003"
    }


def test_named_threads_are_read_instead_of_the_whole_forum():
    routes = {thread_path("9876543210"): posts([post(1, 5)])}
    with FeedServer(routes) as server:
        forums = [{"name": FORUM, "threads": ["9876543210"]}]
        heard = DisqusListener(source(server, forums=forums), now=NOW).listen({})
        assert [path for path, _ in server.requests] == list(routes)
    assert len(heard.mentions) == 1
    assert set(marks(heard.cursor)) == {"thread:9876543210"}


def test_deleted_and_spam_comments_are_not_heard_and_anonymous_authors_stay_unnamed():
    anonymous = {"name": "Guest", "isAnonymous": True, "profileUrl": ""}
    items = [post(3, 5, isDeleted=True), post(2, 6, isSpam=True), post(1, 7, author=anonymous)]
    with FeedServer({forum_path(): posts(items)}) as server:
        heard = DisqusListener(source(server), now=NOW).listen({})
    assert [(m.url.rsplit("-", 1)[-1], m.author) for m in heard.mentions] == [("6100000001", None)]


def test_a_spent_hourly_limit_stops_asking_keeps_what_was_read_and_waits_for_the_reset():
    """No run asks before X-Ratelimit-Reset: every request would be refused (the collect
    task waits for it as for a 429's, platform_waits.py). Before, the reset was only told
    in the warning, and the next run, 15 minutes on, asked and was refused."""
    routes = {
        forum_path(): posts([post(3, 5), post(2, 9)], next_cursor="NEXT", remaining=0),
        forum_path(cursor="NEXT"): posts([post(1, 30)]),
    }
    with FeedServer(routes) as server:
        heard = DisqusListener(source(server), now=NOW).listen({})
        assert len(server.requests) == 1
    assert len(heard.mentions) == 2
    assert "Disqus hourly request limit spent" in heard.warnings[0]
    assert "resets 2026-11-21T07:40:00Z, in 40 min" in heard.warnings[0]
    assert "forum:lincolnshirelive" not in heard.cursor  # the rest is read next run
    assert heard.wait_until == NOW + timedelta(minutes=40)


def test_a_run_that_fails_after_spending_the_hourly_limit_still_waits_for_the_reset():
    """The page that spent the limit also holds a comment with no text: the run fails, and
    its error carries the reset. Before, it carried none, and the task's retry a minute on
    asked inside the hour and was refused."""
    broken = post(2, 9, raw_message=None, message=None)
    route = posts([post(3, 5), broken], next_cursor="NEXT", remaining=0)
    with FeedServer({forum_path(): route}) as server, pytest.raises(ListenerError) as e:
        DisqusListener(source(server), now=NOW).listen({})
    assert "message is missing" in e.value.reason
    assert e.value.rate_limited_until == NOW + timedelta(minutes=40)


def test_a_spent_hourly_limit_whose_reset_is_no_time_names_it_and_sets_no_wait():
    route = posts([post(3, 5)], next_cursor="NEXT", remaining=0, reset="soon")
    with FeedServer({forum_path(): route}) as server:
        heard = DisqusListener(source(server), now=NOW).listen({})
    assert heard.warnings == [
        "forum:lincolnshirelive: stopped paging; Disqus hourly request limit spent "
        "(X-Ratelimit-Remaining 0, x-ratelimit-reset is not a time: 'soon')"
    ]
    assert heard.wait_until is None


def spent(code: int = 13, status: int = 429, reset: str | None = None) -> Route:
    """A request refused for a spent limit: error 13 ("You have exceeded the rate limit for
    this resource") or 14 ("… for your account", https://disqus.com/api/docs/errors/), and
    X-Ratelimit-Reset in Unix seconds, 40 minutes on unless given."""
    reset = reset or str(int((NOW + timedelta(minutes=40)).timestamp()))
    body = {"code": code, "response": "You have exceeded your hourly limit of requests"}
    return Route(
        json.dumps(body).encode(),
        "application/json",
        status=status,
        headers=(("X-Ratelimit-Remaining", "0"), ("X-Ratelimit-Reset", reset)),
    )


@pytest.mark.parametrize(
    ("code", "status"), [(13, 429), (14, 400), (13, 403)], ids=["429", "code-14", "code-13-403"]
)
def test_a_request_refused_for_a_spent_limit_waits_until_disqus_resets_it(code, status):
    """Its X-Ratelimit-Reset is the wait every platform's 429 gets (platform_waits.py); the
    error code says the limit is spent whatever the HTTP status. Before, the reset was only
    told in the reason, no wait was set, and the task's retries and the runs inside the hour
    asked again, each refused. Sent as a 403, it was Refused too, which no retry follows
    even when the reset is a minute away."""
    with (
        FeedServer({forum_path(): spent(code, status)}) as server,
        pytest.raises(ListenerError) as e,
    ):
        DisqusListener(source(server), now=NOW).listen({})
    assert e.value.rate_limited_until == NOW + timedelta(minutes=40)
    assert not isinstance(e.value, Refused)
    assert f"rate limited: Disqus error {code} (HTTP {status})" in e.value.reason
    assert "try again after 2026-11-21T07:40:00Z, in 40 min" in e.value.reason


def test_a_reset_that_is_no_time_is_named_once_and_sets_no_wait():
    with (
        FeedServer({forum_path(): spent(reset="soon")}) as server,
        pytest.raises(ListenerError) as e,
    ):
        DisqusListener(source(server), now=NOW).listen({})
    assert e.value.rate_limited_until is None  # the task's retries cover it
    assert e.value.reason.count("x-ratelimit-reset is not a time: 'soon'") == 1


@pytest.mark.parametrize(
    ("route", "reason"),
    [
        (
            spent(),
            "rate limited: Disqus error 13 (HTTP 429): You have exceeded your hourly limit of "
            "requests; try again after 2026-11-21T07:40:00Z, in 40 min",
        ),
        (
            Route(
                json.dumps({"code": 5, "response": f"Invalid API key {KEY}"}).encode(),
                "application/json",
                status=400,
            ),
            "Disqus error 5 (HTTP 400): Invalid API key ***; check the API key in connection "
            "'disqus_lincs'",
        ),
        (Route(b'{"code": 0, "response": {}}', "application/json"), "malformed Disqus payload"),
    ],
    ids=["rate-limited", "bad-key", "response-not-list"],
)
def test_api_errors_name_the_source_and_the_reason_and_never_the_key(route, reason):
    with FeedServer({forum_path(): route}) as server, pytest.raises(ListenerError) as e:
        DisqusListener(source(server), now=NOW).listen({})
    assert str(e.value).startswith("source 'disqus': ")
    assert reason in str(e.value)
    assert KEY not in str(e.value)


@pytest.mark.elasticsearch
def test_disqus_through_the_collect_dag_keeps_only_comments_about_the_force(
    es, write_profile, run_collect_dag
):
    """Comments under a news article talk about everything: like RSS, only the relevant stay."""
    now = datetime.now(UTC)
    chatter = "Parking on that road is a nightmare and the council should fix the potholes"
    items = [post(2, 10, now=now), post(1, 20, now=now, raw_message=chatter, message=chatter)]
    with FeedServer({forum_path(): posts(items)}) as server:
        entry = {"kind": "disqus", "name": "disqus", "connection": "disqus_lincs"}
        write_profile([entry | {"api_url": server.url(API), "forums": [{"name": FORUM}]}])
        states = run_collect_dag()
    assert states["collect[disqus]"] == "success"
    es.indices.refresh(index=MENTIONS)
    assert mention_counts(es).by_source == {"disqus": 1}
