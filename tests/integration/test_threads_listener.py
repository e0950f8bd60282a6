"""Threads against a loopback server answering as Meta's Threads API documents: keyword and
topic-tag search (GET /keyword_search, the example response and "Limitations" of
https://developers.facebook.com/docs/threads/keyword-search), the force's posts (GET
/me/threads, https://developers.facebook.com/docs/threads/threads-media) and their replies
(GET /{media-id}/conversation,
https://developers.facebook.com/docs/threads/retrieve-and-manage-replies/replies-and-conversations),
cursor paging (`paging.cursors.after`, `paging.next`) and Graph error objects
(https://developers.facebook.com/docs/graph-api/guides/error-handling)."""

import json
from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode

import pytest

from earshot.app.collect import collect_source
from earshot.app.feed_server import FeedServer, Route
from earshot.store.cursors import load_cursor
from earshot.store.indices import MENTIONS, mentions_index
from earshot.store.mentions import IndexingError
from earshot.store.queries import mention_counts
from listeners import ListenerError, load_profile
from listeners.threads import ThreadsListener, ThreadsSource
from tests.integration.test_cli import earshot
from tests.listener_contract import Contract, marks

NOW = datetime(2026, 11, 21, 7, 0, tzinfo=UTC)
TOKEN = "THQWJ-long-lived-s3cret"
API = "/v1.0"
FORCE = "lincspolice"
CONNECTION = {"AIRFLOW_CONN_THREADS_LINCS": f"generic://:{TOKEN}@"}
TERM = "Lincolnshire Police"
SEARCH_FIELDS = "id,text,timestamp,permalink,username"
REPLY_FIELDS = "id,text,timestamp,permalink,username,is_reply,root_post"


def stamp(minutes_ago: int, now: datetime = NOW) -> str:
    """Threads writes times as in its examples: "2023-10-17T05:42:03+0000"."""
    return (now - timedelta(minutes=minutes_ago)).strftime("%Y-%m-%dT%H:%M:%S+0000")


def post(n: int, minutes_ago: int, username: str = "", now: datetime = NOW, **fields) -> dict:
    """A media object with the fields asked for, shaped as the keyword-search example."""
    user = username or f"resident{n}"
    return {
        "id": str(18000000000000000 + n),
        "text": f"Thanks Lincolnshire Police for the quick response ({n})",
        "media_type": "TEXT_POST",
        "permalink": f"https://www.threads.net/@{user}/post/C{n:07d}",
        "timestamp": stamp(minutes_ago, now),
        "username": user,
    } | fields


def page(items: list[dict], after: str | None = None) -> Route:
    """A Graph list page: `paging.next` only while there is one."""
    paging = {"cursors": {"before": "QVFIUmJ", "after": after or "QVFIUmZA"}}
    if after:
        paging["next"] = f"https://graph.threads.net/v1.0/keyword_search?after={after}"
    return Route(json.dumps({"data": items, "paging": paging}).encode(), "application/json")


def graph_error(code: int, message: str, status: int, kind: str = "OAuthException") -> Route:
    body = {"error": {"message": message, "type": kind, "code": code, "fbtrace_id": "AbC"}}
    return Route(json.dumps(body).encode(), "application/json", status=status)


def me() -> dict[str, Route]:
    body = {"id": "7000000000000001", "username": FORCE}
    return {f"{API}/me": Route(json.dumps(body).encode(), "application/json")}


def search_path(term: str = TERM, mode: str = "KEYWORD", **params) -> str:
    documented = {"q": term, "search_type": "RECENT", "search_mode": mode, "fields": SEARCH_FIELDS}
    return f"{API}/keyword_search?" + urlencode(documented | params | {"access_token": TOKEN})


@pytest.fixture(autouse=True)
def token(monkeypatch):
    for name, uri in CONNECTION.items():
        monkeypatch.setenv(name, uri)


def source(server: FeedServer, **settings) -> ThreadsSource:
    return ThreadsSource(
        kind="threads",
        name="threads",
        connection="threads_lincs",
        api_url=server.url(API),
        **({"keywords": [TERM]} | settings),
    )


def searched(*posts: tuple[int, int]) -> dict[str, Route]:
    """The search answering the (number, minutes ago) posts, whatever `since` was asked."""
    return me() | {f"{API}/keyword_search": page([post(n, m) for n, m in posts])}


CONTRACT = {
    "threads": Contract(
        source,
        first=searched((1, 10), (2, 20)),
        later=searched((0, 5), (1, 10), (2, 20)),
        listing=f"{API}/keyword_search",
        connection=CONNECTION,
        counted=("searches",),
        # Post 3 shows up between 1 and 2 after the last run: search indexed it late.
        late=searched((1, 10), (3, 15), (2, 20)),
    )
}


def test_a_search_is_read_page_by_page_and_then_asked_only_since_the_overlap_window():
    routes = me() | {
        search_path(): page([post(3, 5), post(2, 9)], after="QVFIUk5"),
        search_path(after="QVFIUk5"): page([post(1, 30)]),
    }
    with FeedServer(routes) as server:
        heard = ThreadsListener(source(server), now=NOW).listen({})
        assert [p for p, _ in server.requests][1:] == list(routes)[1:]
    assert [m.author for m in heard.mentions] == ["resident3", "resident2", "resident1"]
    first = heard.mentions[0]
    assert first.url == "https://www.threads.net/@resident3/post/C0000003"
    assert first.text == "Thanks Lincolnshire Police for the quick response (3)"
    assert first.published == NOW - timedelta(minutes=5)
    assert not first.by_force
    newest = NOW - timedelta(minutes=5)
    assert marks(heard.cursor)[f"keyword:{TERM}"] == f"{newest.isoformat()} 18000000000000003"

    # The next run asks only from the overlap window (60 min) before the newest post heard.
    since = int((newest - timedelta(minutes=60)).timestamp())
    with FeedServer(me() | {search_path(since=since): page([])}) as server:
        again = ThreadsListener(source(server), now=NOW).listen(heard.cursor)
        assert server.requests[-1][0] == search_path(since=since)
    assert again.mentions == []


def test_tags_are_searched_in_tag_mode():
    routes = me() | {search_path("LincsPolice", mode="TAG"): page([post(1, 5)])}
    with FeedServer(routes) as server:
        heard = ThreadsListener(source(server, keywords=[], tags=["LincsPolice"]), now=NOW).listen(
            {}
        )
        assert server.requests[-1][0] == search_path("LincsPolice", mode="TAG")
    assert len(heard.mentions) == 1
    assert set(marks(heard.cursor)) == {"tag:LincsPolice", "searches"}


def test_the_forces_own_posts_found_by_search_are_labelled_the_forces():
    routes = me() | {search_path(): page([post(2, 5, username=FORCE), post(1, 9)])}
    with FeedServer(routes) as server:
        heard = ThreadsListener(source(server), now=NOW).listen({})
    assert [(m.author, m.by_force) for m in heard.mentions] == [(FORCE, True), ("resident1", False)]


def test_replies_to_the_forces_posts_are_heard_at_every_depth_and_its_own_labelled():
    since = int((NOW - timedelta(days=14)).timestamp())
    own = post(9, 120, username=FORCE, text="Road closed on the A46 near Lincoln")
    conversation = f"{API}/{own['id']}/conversation?" + urlencode(
        {"fields": REPLY_FIELDS, "reverse": "true", "access_token": TOKEN}
    )
    reply = {"is_reply": True, "root_post": {"id": own["id"]}}
    to_reply_4 = {"replied_to": {"id": "18000000000000004"}}
    replies = [
        post(3, 5, username=FORCE, text="It has reopened now, thanks for waiting", **reply),
        post(2, 9, text="How long will it be shut?", **reply, **to_reply_4),  # a depth down
        post(1, 30, text=None, media_type="IMAGE", **reply),  # a photo, no words
        post(4, 40, text="Which junction?", **reply) | {"permalink": None},
    ]
    # The force sharing another's post: the replies under it are not to the force.
    repost = post(8, 60, username=FORCE, media_type="REPOST_FACADE", text=None)
    listed = {"fields": "id,timestamp,permalink,media_type", "since": since, "limit": 100}
    routes = me() | {
        f"{API}/me/threads?" + urlencode(listed | {"access_token": TOKEN}): page([repost, own]),
        conversation: page(replies),
    }
    with FeedServer(routes) as server:
        heard = ThreadsListener(source(server, keywords=[], replies=True), now=NOW).listen({})
        assert [p for p, _ in server.requests][1:] == list(routes)[1:]
    assert [(m.author, m.by_force) for m in heard.mentions] == [
        (FORCE, True),
        ("resident2", False),
        ("resident4", False),
    ]
    # A reply Meta gives no permalink for (copyright) links to the force's post.
    assert heard.mentions[-1].url == own["permalink"]
    assert set(marks(heard.cursor)) == {f"post:{own['id']}"}


def test_the_search_budget_stops_the_source_and_is_kept_for_24_hours():
    """Meta: 2,200 queries a rolling 24 hours per user; empty answers are not counted."""
    routes = me() | {
        search_path(): page([post(5, 5)], after="P2"),
        search_path(after="P2"): page([post(4, 6)], after="P3"),
        search_path(after="P3"): page([post(3, 7)]),
    }
    with FeedServer(routes) as server:
        threads = source(server, max_searches_per_day=2)
        heard = ThreadsListener(threads, now=NOW).listen({})
        assert len(server.requests) == 3  # /me and two queries: the third page is not asked
        assert len(heard.mentions) == 2
        assert "budget spent: 2 of max_searches_per_day 2 queries" in heard.warnings[0]
        assert "more from 2026-11-22T08:00:00Z, in 25 h 0 min" in heard.warnings[0]
        assert f"keyword:{TERM}" not in heard.cursor  # the rest is read when budget allows

        later = NOW + timedelta(hours=23)
        again = ThreadsListener(threads, now=later).listen(heard.cursor)
        assert len(server.requests) == 4  # /me only: no query past the budget
        assert again.mentions == []
        assert "budget spent" in again.warnings[0]

        # Once the hour's queries are 24 hours old the search reads again from the top: the
        # pages the stopped run read cost again, their posts are not heard twice.
        next_day = NOW + timedelta(hours=25)
        wider = source(server, max_searches_per_day=3)
        freed = ThreadsListener(wider, now=next_day).listen(heard.cursor)
    assert [m.text[-3:] for m in freed.mentions] == ["(3)"]


def test_a_spent_search_budget_does_not_hold_back_the_replies():
    own = post(9, 120, username=FORCE)
    routes = me() | {
        f"{API}/me/threads": page([own]),
        f"{API}/{own['id']}/conversation": page([post(1, 5, text="Who do I call about this?")]),
    }
    spent = {"searches": f"{int(NOW.timestamp())}/2"}
    with FeedServer(routes) as server:
        threads = source(server, replies=True, max_searches_per_day=2)
        heard = ThreadsListener(threads, now=NOW).listen(spent)
        assert not any("keyword_search" in path for path, _ in server.requests)
    assert [m.text for m in heard.mentions] == ["Who do I call about this?"]
    assert heard.warnings == [
        "Threads keyword search budget spent: 2 of max_searches_per_day 2 queries sent in the "
        "last 24 hours; more from 2026-11-22T08:00:00Z, in 25 h 0 min"
    ]
    assert f"keyword:{TERM}" not in heard.cursor


def test_a_search_that_finds_nothing_costs_no_budget():
    with FeedServer(me() | {search_path(): page([])}) as server:
        heard = ThreadsListener(source(server), now=NOW).listen({})
    assert "searches" not in heard.cursor


def test_queries_sent_are_counted_though_the_run_then_fails():
    routes = me() | {
        search_path(): page([post(2, 5)], after="P2"),
        search_path(after="P2"): graph_error(2, "An unexpected error has occurred.", 500),
    }
    with FeedServer(routes) as server, pytest.raises(ListenerError) as e:
        ThreadsListener(source(server), now=NOW).listen({})
    hour = int(NOW.timestamp())
    assert e.value.cursor == {"searches": f"{hour}/1"}


@pytest.mark.elasticsearch
def test_queries_sent_are_counted_though_elasticsearch_refuses_the_posts(es, write_profile):
    """Meta counted the query whatever Earshot then stored (here a write block on the
    month's index, as a full disk sets). Before, the refused run saved no count, and the
    source believed it had a query more left than Meta did."""
    now = datetime.now(UTC).replace(microsecond=0)
    month = mentions_index(now - timedelta(minutes=10))
    es.indices.create(index=month)
    es.indices.add_block(index=month, block="write")
    routes = me() | {search_path(): page([post(1, 10, now=now)])}
    with FeedServer(routes) as server:
        entry = {"kind": "threads", "name": "threads", "connection": "threads_lincs"}
        write_profile([entry | {"api_url": server.url(API), "keywords": [TERM]}])
        with pytest.raises(IndexingError, match="1 mentions not indexed"):
            collect_source(es, load_profile(), "threads", now=now)
    es.indices.put_settings(index=month, settings={"index.blocks.write": False})
    hour = int(now.timestamp()) // 3600 * 3600
    assert load_cursor(es, "threads") == {"searches": f"{hour}/1"}


@pytest.mark.parametrize(
    ("route", "reason"),
    [
        (
            graph_error(190, f"Error validating access token {TOKEN}: session has expired", 400),
            "Threads API error 190 (OAuthException, HTTP 400): Error validating access token "
            "***: session has expired; the access token has expired or been revoked",
        ),
        (
            graph_error(10, "Application does not have permission for this action", 403),
            "needs threads_keyword_search and threads_read_replies, approved in App Review",
        ),
        (
            graph_error(4, "Application request limit reached", 400),
            "rate limited: Threads API error 4",
        ),
        (Route(b'{"data": {}}', "application/json"), "malformed Threads payload"),
    ],
    ids=["expired-token", "no-permission", "rate-limited", "data-not-list"],
)
def test_api_errors_name_the_source_and_the_reason_and_never_the_token(route, reason):
    with FeedServer(me() | {search_path(): route}) as server, pytest.raises(ListenerError) as e:
        ThreadsListener(source(server), now=NOW).listen({})
    assert str(e.value).startswith("source 'threads': ")
    assert reason in str(e.value)
    assert TOKEN not in str(e.value)
    if "190" in reason:
        assert "connection 'threads_lincs'" in str(e.value)


def test_a_spent_rate_limit_is_not_asked_again_for_the_hour_meta_counts_calls_over():
    """Threads answers a spent limit with Graph's error 4 (as the error test above); its
    overview documents a rolling 24 hours and no reset time, so the source waits Graph's
    rolling hour before asking once more, not the collect task's one-minute retry."""
    limited = graph_error(4, "Application request limit reached", 400)
    with FeedServer(me() | {search_path(): limited}) as server, pytest.raises(ListenerError) as e:
        ThreadsListener(source(server), now=NOW).listen({})
    assert e.value.rate_limited_until == NOW + timedelta(hours=1)


def test_a_source_with_nothing_to_hear_is_refused():
    with pytest.raises(ValueError, match="give keywords, tags, or replies"):
        ThreadsSource(kind="threads", name="t", connection="c")
    with pytest.raises(ValueError):
        ThreadsSource(kind="threads", name="t", connection="c", tags=["#LincsPolice"])


@pytest.mark.elasticsearch
def test_threads_through_the_collect_dag_keeps_replies_and_search_posts_about_the_force(
    es, write_profile, run_collect_dag
):
    """The set-up the README gives: a search source, and a replies source with `keep: all`.
    The DAG listens at the real time: the force's post must be inside the 14-day window."""
    now = datetime.now(UTC)
    own = post(9, 120, username=FORCE, now=now, text="The A46 near Lincoln is closed")
    chatter = "Anyone know a good curry house in Lincoln?"
    replies = [
        post(4, 3, username=FORCE, now=now, text="It has reopened now"),
        post(3, 5, now=now, text="Nobody came when I called 101"),
    ]
    routes = me() | {
        f"{API}/keyword_search": page([post(2, 10, now=now), post(1, 20, now=now, text=chatter)]),
        f"{API}/me/threads": page([own]),
        f"{API}/{own['id']}/conversation": page(replies),
    }
    with FeedServer(routes) as server:
        entry = {"kind": "threads", "connection": "threads_lincs", "api_url": server.url(API)}
        write_profile(
            [
                entry | {"name": "threads-search", "keywords": [TERM]},
                entry | {"name": "threads-replies", "replies": True, "keep": "all"},
            ]
        )
        states = run_collect_dag()
        assert states["collect[threads-search]"] == "success"
        assert states["collect[threads-replies]"] == "success"
        run_collect_dag()  # nothing new: nothing stored twice
    es.indices.refresh(index=MENTIONS)
    assert mention_counts(es).by_source == {"threads-search": 1, "threads-replies": 2}


@pytest.mark.elasticsearch
def test_stats_shows_how_much_of_a_search_budget_is_spent(es, write_profile):
    now = datetime.now(UTC)
    routes = me() | {f"{API}/keyword_search": page([post(2, 10, now=now), post(1, 20, now=now)])}
    with FeedServer(routes) as server:
        write_profile(
            [
                {
                    "kind": "threads",
                    "name": "threads-search",
                    "connection": "threads_lincs",
                    "api_url": server.url(API),
                    "keywords": [TERM],
                    "max_searches_per_day": 50,
                }
            ]
        )
        collect_source(es, load_profile(), "threads-search")
    result = earshot("stats", "--json")
    assert result.returncode == 0, result.stderr
    (line,) = json.loads(result.stdout)["sources"]
    assert line["limits"] == [
        "1 of max_searches_per_day 50 search queries sent in the last 24 hours"
    ]
