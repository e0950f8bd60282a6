"""Facebook page comments against a loopback server replaying Graph API responses shaped as
Meta documents them (page posts, post comments, cursor paging, error objects, usage headers).

Meta's business SDK (facebook/facebook-python-business-sdk at commit
94914f9dabd06f0a5cbed72b5824ee45e407cbe7, release 25.0.2) has no recorded Page payloads to
replay: its tests (facebook_business/test/integration_*.py) patch `requests` with hand-written
Ads objects. What it does define is checked instead: the fields Earshot asks for and the
loopback server answers with are PagePost and Comment fields
(facebook_business/adobjects/pagepost.py, comment.py, against the pinned facebook-business
package), the comments edge's filter/order values are its Comment enums, and its cursor rule
(api.py Cursor.load_next_page: `paging.cursors.after`, a next page only while `paging.next`
is given) is the one `listing` below follows. Neither it nor huandu/facebook (a Go Graph
client, at 4be8bcf) records a usage header or a rate-limit answer: those served here follow
Meta's rate-limiting page, whose estimated_time_to_regain_access huandu's result.go reads as
"Time in minutes to resume calls".
"""

import json
import logging
import re
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qsl, urlencode, urlsplit

import pytest
from facebook_business.adobjects.comment import Comment
from facebook_business.adobjects.page import Page
from facebook_business.adobjects.pagepost import PagePost
from facebook_business.adobjects.user import User
from pydantic import ValidationError

from earshot.app.feed_server import FeedServer, Route
from earshot.core.fetch import FetchError, get_json
from earshot.store.indices import MENTIONS
from earshot.store.queries import mention_counts
from listeners import ListenerError, facebook
from listeners.facebook import FacebookListener, FacebookSource
from tests.listener_contract import Contract, marks

NOW = datetime(2026, 11, 21, 7, 0, tzinfo=UTC)
TOKEN = "EAAGpage-s3cret-token"
PAGE = "104000000000001"
GRAPH = "/v26.0"  # the current Graph version (changelog/versions: released 29 July 2026)
POST_A, POST_B, POST_OLD = f"{PAGE}_901", f"{PAGE}_902", f"{PAGE}_800"


def graph_time(at: datetime) -> str:
    return at.strftime("%Y-%m-%dT%H:%M:%S+0000")  # how Graph writes times


def post(post_id: str, days_ago: float, now: datetime = NOW, active_days_ago=None) -> dict:
    """A Page post; `updated_time` is its last edit or comment (Page Post reference), here
    `active_days_ago`, else its publish time."""
    created = graph_time(now - timedelta(days=days_ago))
    updated = created if active_days_ago is None else graph_time(now - timedelta(active_days_ago))
    return {
        "id": post_id,
        "message": "Officers are at the scene in Lincoln; please avoid the area.",
        "created_time": created,
        "updated_time": updated,
        "permalink_url": f"https://www.facebook.com/{PAGE}/posts/{post_id.split('_')[1]}",
    }


def comment(post_id: str, n: int, minutes_ago: int, text: str | None = None) -> dict:
    comment_id = f"{post_id.split('_')[1]}_{5000 + n}"
    return {
        "id": comment_id,
        "message": text or f"Well done Lincolnshire Police, thank you ({n})",
        "created_time": graph_time(NOW - timedelta(minutes=minutes_ago)),
        "from": {"name": f"Resident {n}", "id": str(7000 + n)},
        "permalink_url": f"https://www.facebook.com/{PAGE}/posts/901?comment_id={comment_id}",
    }


def listing(data: list[dict], after: str | None = None, headers=()) -> Route:
    """A cursor-paginated edge: `paging.next` only while there is more."""
    paging: dict = {"cursors": {"before": "QVFIUmJlZAZDZD", "after": after or "QVFIUmxhc3QZD"}}
    if after:
        paging["next"] = f"https://graph.facebook.com/v26.0/x?access_token={TOKEN}&after={after}"
    return Route(
        json.dumps({"data": data, "paging": paging}).encode(), "application/json", headers=headers
    )


def posts_path(**params: str) -> str:
    documented = {"fields": "id,message,created_time,updated_time,permalink_url", "limit": 100}
    return f"{GRAPH}/{PAGE}/posts?" + urlencode(documented | params | {"access_token": TOKEN})


def comments_path(post_id: str, **params: str) -> str:
    documented = {
        "fields": "id,message,created_time,from{name,id},permalink_url",
        "filter": "stream",
        "order": "reverse_chronological",
        "limit": 100,
    }
    return f"{GRAPH}/{post_id}/comments?" + urlencode(documented | params | {"access_token": TOKEN})


def since(newest_heard: datetime) -> str:
    """The `since` a run asks with: the source's overlap window (60 minutes by default)
    behind the newest comment heard, as a Unix timestamp (Graph's time-based paging)."""
    return str(int((newest_heard - timedelta(minutes=60)).timestamp()))


def graph_error(code: int, message: str, kind: str = "OAuthException", subcode=None) -> bytes:
    error = {"message": message, "type": kind, "code": code, "fbtrace_id": "AbCdEf123"}
    return json.dumps({"error": error | ({"error_subcode": subcode} if subcode else {})}).encode()


@pytest.fixture(autouse=True)
def page_token(monkeypatch):
    monkeypatch.setenv("AIRFLOW_CONN_FACEBOOK_LINCS", f"generic://:{TOKEN}@")


def source(server: FeedServer, **settings) -> FacebookSource:
    return FacebookSource(
        kind="facebook",
        name="facebook",
        connection="facebook_lincs",
        graph_url=server.url(GRAPH),
        page_id=PAGE,
        **settings,
    )


def comments_edge(post_id: str) -> str:
    """The post's comments edge, answering whatever `since` is asked: for comments that are
    all inside the window any run asks for."""
    return f"{GRAPH}/{post_id}/comments"


def comments_on_a(*numbers: int) -> dict[str, Route]:
    """Post A, and its comments, number n posted 10n minutes before NOW."""
    found = [comment(POST_A, n, minutes_ago=10 * n) for n in numbers]
    return {posts_path(): listing([post(POST_A, 1)]), comments_edge(POST_A): listing(found)}


CONTRACT = {
    "facebook": Contract(
        source,
        first=comments_on_a(1, 2),
        later=comments_on_a(0, 1, 2),
        listing=posts_path(),
        connection={"AIRFLOW_CONN_FACEBOOK_LINCS": f"generic://:{TOKEN}@"},
        # Comment 3 shows up between 1 and 2 after the last run, at its own created_time: one
        # the Page let through late (our reading of moderation; the Graph reference does not
        # say when a held comment enters the edge).
        late={
            comments_edge(POST_A): listing(
                [comment(POST_A, n, minutes_ago=m) for n, m in ((1, 10), (3, 15), (2, 20))]
            )
        },
    )
}


def test_comments_on_recent_posts_are_read_page_by_page_with_the_page_token():
    routes = {
        posts_path(): listing([post(POST_A, 1)], after="UE9TVDE"),
        posts_path(after="UE9TVDE"): listing([post(POST_B, 3), post(POST_OLD, 20)]),
        comments_path(POST_A): listing([comment(POST_A, 3, 5), comment(POST_A, 2, 9)], "Q09NMQ"),
        comments_path(POST_A, after="Q09NMQ"): listing([comment(POST_A, 1, 30)]),
        comments_path(POST_B): listing([]),
    }
    with FeedServer(routes) as server:
        heard = FacebookListener(source(server), now=NOW).listen({})
        asked = [path for path, _ in server.requests]
    assert asked == [
        posts_path(),
        posts_path(after="UE9TVDE"),  # the listing ends; the quiet 20-day-old post costs nothing
        comments_path(POST_A),
        comments_path(POST_A, after="Q09NMQ"),
        comments_path(POST_B),
    ]
    assert all(f"access_token={TOKEN}" in path for path in asked)
    assert [m.author for m in heard.mentions] == ["Resident 3", "Resident 2", "Resident 1"]
    first = heard.mentions[0]
    assert first.text == "Well done Lincolnshire Police, thank you (3)"
    assert first.url == f"https://www.facebook.com/{PAGE}/posts/901?comment_id=901_5003"
    assert first.published == NOW - timedelta(minutes=5)
    assert first.source_kind == "facebook"
    assert marks(heard.cursor) == {
        f"post:{POST_A}": f"{(NOW - timedelta(minutes=5)).isoformat()} 901_5003"
    }


def test_comments_graph_ranks_are_all_heard_however_they_are_ordered():
    """Meta's Page Post Comments reference (developers.facebook.com/docs/graph-api/reference/
    page-post/comments, v26.0) says of `order`: "If the comments can be ranked, then the order
    will always be ranked regardless of this modifier", and documents `since`, "Lower bound of
    the time range to consider"; `filter=stream` is "All-level comments in chronological
    order" (reference/object/comments), an order ranking overrides. Meta's business SDK takes
    the same four parameters (facebook_business/adobjects/pagepost.py, PagePost.get_comments:
    filter, live_filter, order, since as a datetime) and pyfacebook passes `since` as "A Unix
    timestamp" (sns-sdks/python-facebook, pyfacebook/api/facebook/common_edges/comments.py).
    Its recorded answer (testdata/facebook/apidata/comments/comments_p1.json) says the order
    it was given in (`summary.order`), which is why no order can be assumed.

    Graph answers each query ranked, as it would: all of a post's comments when no `since`
    is given, with a well-liked one heard three hours ago (outside the overlap window) first
    and the newest on page 2; only those since the window when it is. Before, the first
    comment heard before the window ended the read and the newest was never heard; now every
    page since the overlap window behind the newest heard is read."""
    ranked = {n: comment(POST_A, n, m) for n, m in ((1, 30), (2, 180), (3, 20), (4, 2))}
    routes = {
        posts_path(): listing([post(POST_A, 1)]),
        comments_path(POST_A): listing([ranked[2], ranked[1]]),
    }
    window = since(NOW - timedelta(minutes=30))  # comment 1 is the newest heard
    later = {
        comments_path(POST_A): listing([ranked[2], ranked[3]], after="UkFOSzI"),
        comments_path(POST_A, after="UkFOSzI"): listing([ranked[1], ranked[4]]),
        comments_path(POST_A, since=window): listing([ranked[1], ranked[3]], after="U0lOQ0Uy"),
        comments_path(POST_A, since=window, after="U0lOQ0Uy"): listing([ranked[4]]),
        comments_path(POST_A, since=since(NOW - timedelta(minutes=2))): listing(
            [ranked[1], ranked[4], ranked[3]]
        ),
    }
    with FeedServer(routes) as server:
        first = FacebookListener(source(server), now=NOW).listen({})
        server.routes.update(later)
        second = FacebookListener(source(server), now=NOW).listen(first.cursor)
        third = FacebookListener(source(server), now=NOW).listen(second.cursor)
    assert [m.author for m in first.mentions] == ["Resident 2", "Resident 1"]
    assert sorted(m.author for m in second.mentions) == ["Resident 3", "Resident 4"]
    assert third.mentions == []


def sdk_fields(kind) -> set[str]:
    """The field names one of the business SDK's objects defines (its `Field` class)."""
    return {v for k, v in vars(kind.Field).items() if not k.startswith("_")}


def asked_fields(fields: str) -> dict[str, set[str]]:
    """Graph's `fields` parameter: each field, with the sub-fields asked in braces."""
    return {
        name: set(sub.rstrip("}").split(",")) if sub else set()
        for name, _, sub in (f.partition("{") for f in re.findall(r"[^,{]+(?:\{[^}]*\})?", fields))
    }


@pytest.mark.parametrize(
    ("fields", "kind"),
    [
        (facebook.POST_FIELDS, PagePost),
        (facebook.PAGE_POST_FIELDS, PagePost),
        (facebook.COMMENT_FIELDS, Comment),
    ],
    ids=["posts", "tagged-and-visitor-posts", "comments"],
)
def test_every_field_asked_for_is_one_metas_sdk_defines(fields, kind):
    """A misspelt or retired field fails the whole request with Graph error 100."""
    asked = asked_fields(fields)
    assert set(asked) <= sdk_fields(kind)
    for sub in asked.values():  # `from` is a person or a Page: both have a name and an id
        assert sub <= sdk_fields(User) & sdk_fields(Page)


def test_the_loopback_graph_answers_only_with_fields_metas_sdk_defines():
    assert set(post(POST_A, 1)) <= sdk_fields(PagePost)
    assert set(tagging(1, 1)) <= sdk_fields(PagePost)
    assert set(comment(POST_A, 1, 1)) <= sdk_fields(Comment)


def test_the_comments_edge_is_asked_in_orders_and_filters_metas_sdk_defines():
    with FeedServer(comments_on_a(1)) as server:
        FacebookListener(source(server), now=NOW).listen({})
        asked = dict(parse_qsl(urlsplit(server.requests[-1][0]).query))
    assert asked["filter"] in vars(Comment.Filter).values()
    # preferred where Graph does not rank the comments: a run cut at max_pages reads the newest
    assert asked["order"] == Comment.Order.reverse_chronological
    for edge in ("tagged", "visitor_posts"):  # the Page edges `also_hear` may name
        assert callable(getattr(Page, f"get_{edge}"))


def test_the_default_graph_version_is_one_meta_still_serves():
    """v21.0 is served only until 21 January 2027 (changelog/versions); v26.0 is current."""
    default = FacebookSource(kind="facebook", name="f", connection="c", page_id=PAGE)
    assert str(default.graph_url) == "https://graph.facebook.com/v26.0"


def test_the_forces_own_replies_are_labelled_the_forces():
    """A Page replying on its own post: the comment's `from` is the Page (id and name), as a
    v26.0 comments edge answers with fields=from{name,id}."""
    reply = comment(POST_A, 2, minutes_ago=5, text="Thank you, we have passed this on.")
    reply["from"] = {"name": "Lincolnshire Police", "id": PAGE}
    routes = comments_on_a(1) | {
        comments_path(POST_A): listing([reply, comment(POST_A, 1, minutes_ago=10)])
    }
    with FeedServer(routes) as server:
        heard = FacebookListener(source(server), now=NOW).listen({})
    assert [(m.author, m.by_force) for m in heard.mentions] == [
        ("Lincolnshire Police", True),
        ("Resident 1", False),
    ]


def test_next_run_asks_since_the_overlap_window_and_hears_only_what_is_new():
    first = [comment(POST_A, 3, 5), comment(POST_A, 2, 9)]
    routes = {posts_path(): listing([post(POST_A, 1)]), comments_path(POST_A): listing(first)}
    window = comments_path(POST_A, since=since(NOW - timedelta(minutes=5)))
    with FeedServer(routes) as server:
        before = FacebookListener(source(server), now=NOW).listen({f"post:{POST_OLD}": "gone"})
        server.routes[window] = listing(
            [
                comment(POST_A, 5, 1),
                comment(POST_A, 4, 5),  # posted in the same second as the newest heard
                *first,
            ]
        )
        heard = FacebookListener(source(server), now=NOW).listen(before.cursor)
        assert [path for path, _ in server.requests][-1] == window
    assert f"post:{POST_OLD}" not in before.cursor  # the post that left the window left it
    assert [m.author for m in heard.mentions] == ["Resident 5", "Resident 4"]
    assert marks(heard.cursor) == {
        f"post:{POST_A}": f"{(NOW - timedelta(minutes=1)).isoformat()} 901_5005"
    }


def test_a_new_comment_on_a_month_old_post_is_heard_and_a_quiet_old_post_costs_nothing():
    """Graph moves a post's `updated_time` when it is commented on (Page Post reference: "the
    time when the post was created, last edited or the time of the last comment")."""
    busy, quiet = post(POST_OLD, 30, active_days_ago=0.01), post(POST_B, 20)
    today = comment(POST_OLD, 1, 14, "Any news on the burglary in Sleaford last month?")
    marks_before = {
        f"post:{POST_B}": f"{(NOW - timedelta(days=19)).isoformat()} 902_5009",
        f"post:{POST_OLD}": f"{(NOW - timedelta(days=29)).isoformat()} 800_5000",
    }
    routes = {
        posts_path(): listing([post(POST_A, 1), quiet, busy]),
        comments_path(POST_A): listing([]),
        comments_path(POST_OLD): listing([today]),
    }
    with FeedServer(routes) as server:
        heard = FacebookListener(source(server), now=NOW).listen(marks_before)
        asked = [path for path, _ in server.requests]
    assert asked == [posts_path(), comments_path(POST_A), comments_path(POST_OLD)]
    assert [m.text for m in heard.mentions] == [today["message"]]
    assert marks(heard.cursor) == {
        f"post:{POST_B}": marks_before[f"post:{POST_B}"],  # kept for its next comment
        f"post:{POST_OLD}": f"{(NOW - timedelta(minutes=14)).isoformat()} 800_5001",
    }


def test_only_the_newest_max_posts_are_listed_and_a_cut_listing_is_warned():
    cursor = {f"post:{POST_OLD}": f"{(NOW - timedelta(days=2)).isoformat()} 800_5000"}
    routes = {
        posts_path(): listing([post(POST_A, 1), post(POST_B, 2), post(POST_OLD, 3)], "UE9TVDE"),
        comments_path(POST_A): listing([comment(POST_A, 1, 10)]),
        comments_path(POST_B): listing([]),
    }
    with FeedServer(routes) as server:
        heard = FacebookListener(source(server, max_posts=2), now=NOW).listen(cursor)
        asked = [path for path, _ in server.requests]
    assert asked == [posts_path(), comments_path(POST_A), comments_path(POST_B)]
    assert heard.warnings == [
        "listed the newest 2 posts (max_posts) and the Page has older ones: new comments on "
        "those are not heard"
    ]
    assert f"post:{POST_OLD}" not in heard.cursor  # past the cap: the cursor does not grow


def edge_path(edge: str, **params: str) -> str:
    """A Page edge of others' posts: /{page-id}/tagged or /{page-id}/visitor_posts."""
    documented = {"fields": "id,message,created_time,permalink_url,from{name,id}", "limit": 25}
    return f"{GRAPH}/{PAGE}/{edge}?" + urlencode(documented | params | {"access_token": TOKEN})


def tagging(n: int, minutes_ago: int) -> dict:
    """A public post tagging the Page, as /{page-id}/tagged answers (v26.0 reference: no
    `from` unless the token's user wrote it)."""
    return {
        "id": f"5550001_{n}",
        "message": f"Huge thanks to @Lincolnshire Police for finding my bike ({n})",
        "created_time": graph_time(NOW - timedelta(minutes=minutes_ago)),
        "permalink_url": f"https://www.facebook.com/5550001/posts/{n}",
    }


def test_posts_tagging_the_page_are_heard_once_when_the_source_asks_for_them():
    routes = comments_on_a(1) | {
        edge_path("tagged"): listing([tagging(3, 2), tagging(2, 40)], after="VEFHMQ"),
        edge_path("tagged", after="VEFHMQ"): listing([tagging(1, 90)]),
    }
    with FeedServer(routes) as server:
        first = FacebookListener(source(server, also_hear=["tagged"]), now=NOW).listen({})
        tagged = [m for m in first.mentions if "bike" in m.text]
        assert [(m.url, m.author) for m in tagged] == [
            (f"https://www.facebook.com/5550001/posts/{n}", None) for n in (3, 2, 1)
        ]
        assert tagged[0].published == NOW - timedelta(minutes=2)
        assert (
            marks(first.cursor)["tagged"] == f"{(NOW - timedelta(minutes=2)).isoformat()} 5550001_3"
        )
        server.routes[edge_path("tagged")] = listing([tagging(4, 1), tagging(3, 2), tagging(2, 40)])
        later = FacebookListener(source(server, also_hear=["tagged"]), now=NOW).listen(first.cursor)
    assert [m.url for m in later.mentions if "bike" in m.text] == [
        "https://www.facebook.com/5550001/posts/4"
    ]


def test_visitor_posts_on_the_page_are_heard_with_their_author():
    """A visitor's post as /{page-id}/visitor_posts answers a page token (v26.0 reference)."""
    visitor = tagging(7, 3) | {
        "message": "Cars racing on the A46 every night, can someone come out?",
        "from": {"name": "Resident 7", "id": "7007"},
    }
    routes = comments_on_a(1) | {edge_path("visitor_posts"): listing([visitor])}
    with FeedServer(routes) as server:
        heard = FacebookListener(source(server, also_hear=["visitor_posts"]), now=NOW).listen({})
    by_visitor = [m.text for m in heard.mentions if m.author == "Resident 7"]
    assert by_visitor == [visitor["message"]]
    assert "visitor_posts" in marks(heard.cursor)


def test_a_source_hears_others_posts_only_from_the_edges_it_names():
    """Both edges may need Page Public Content Access; an app without it must still be heard."""
    with FeedServer(comments_on_a(1)) as server:
        FacebookListener(source(server), now=NOW).listen({})
        assert not any(e in p for p, _ in server.requests for e in ("/tagged", "/visitor_posts"))
    with pytest.raises(ValidationError, match=r"also_hear\.0"):
        FacebookSource.model_validate(
            {"kind": "facebook", "name": "f", "connection": "c", "page_id": PAGE}
            | {"also_hear": ["feed"]}
        )


def usage(percent: int) -> tuple[tuple[str, str], ...]:
    value = {"call_count": percent, "total_cputime": 10, "total_time": 12}
    return (("X-App-Usage", json.dumps(value)),)


def test_near_the_usage_limit_the_run_stops_and_keeps_the_unfinished_posts_watermarks():
    mark = f"{(NOW - timedelta(minutes=30)).isoformat()} 901_5001"
    routes = {
        posts_path(): listing([post(POST_A, 1), post(POST_B, 2)], headers=usage(40)),
        comments_path(POST_A): listing([comment(POST_A, 3, 5)], "Q09NMQ", headers=usage(96)),
    }
    with FeedServer(routes) as server:
        heard = FacebookListener(source(server), now=NOW).listen({f"post:{POST_A}": mark})
        assert len(server.requests) == 2  # neither the next page nor post B was asked for
    assert [m.author for m in heard.mentions] == ["Resident 3"]
    assert marks(heard.cursor) == {f"post:{POST_A}": mark}  # read again next run: nothing skipped
    held = (
        "Graph API usage at 96% (x-app-usage call_count); stopped asking until "
        "2026-11-21T08:00:00Z, in 1 h 0 min, and the rest is read then"
    )
    assert heard.warnings == [
        f"post:{POST_A}: stopped paging; {held}",
        f"post:{POST_B}: not read this run; {held}",
    ]
    # X-App-Usage gives no time: the rolling hour Meta counts an app's calls over.
    assert heard.wait_until == NOW + timedelta(hours=1)


def test_comments_without_text_move_the_watermark_but_are_not_mentions():
    sticker = comment(POST_A, 2, 1) | {"message": ""}
    routes = {
        posts_path(): listing([post(POST_A, 1)]),
        comments_path(POST_A): listing([sticker, comment(POST_A, 1, 3)]),
    }
    with FeedServer(routes) as server:
        heard = FacebookListener(source(server), now=NOW).listen({})
    assert [m.author for m in heard.mentions] == ["Resident 1"]
    assert heard.cursor[f"post:{POST_A}"].endswith("901_5002")


BUSINESS_USAGE = (
    (
        "X-Business-Use-Case-Usage",
        json.dumps(
            {
                PAGE: [
                    {
                        "type": "pages",
                        "call_count": 100,
                        "total_cputime": 20,
                        "total_time": 30,
                        "estimated_time_to_regain_access": 12,
                    }
                ]
            }
        ),
    ),
)


# Graph's rate-limit errors (graph-api/guides/error-handling): the Page's, with Meta's estimate
# of the wait, and the app's, without one.
PAGE_LIMIT = Route(
    graph_error(32, "Page request limit reached", subcode=2446079),
    "application/json",
    status=400,
    headers=BUSINESS_USAGE,
)
APP_LIMIT = Route(graph_error(4, "Application request limit reached"), status=403)


@pytest.mark.parametrize(
    ("route", "reason"),
    [
        (
            PAGE_LIMIT,
            "rate limited: Graph API error 32/2446079 (OAuthException, HTTP 400): Page request "
            "limit reached; Meta estimates access returns in 12 min",
        ),
        (
            APP_LIMIT,
            "rate limited: Graph API error 4 (OAuthException, HTTP 403)",
        ),
        (
            Route(
                graph_error(
                    190, f"Error validating access token {TOKEN}: Session has expired", subcode=463
                ),
                "application/json",
                status=400,
            ),
            "Graph API error 190/463 (OAuthException, HTTP 400): Error validating access token "
            "***: Session has expired; the page access token has expired or been revoked: put a "
            "new one in connection 'facebook_lincs'",
        ),
        (Route(b"Unauthorized", "text/plain", status=401), "credentials refused: HTTP 401"),
        (Route(b"<html>oops", "text/html"), "malformed JSON"),
        (Route(b'{"data": {"id": "1"}}', "application/json"), "malformed Facebook payload"),
        (
            Route(b'{"data": [{"id": "1"}]}', "application/json"),
            "malformed Facebook payload: created_time is missing",
        ),
        (Route(graph_error(2, "Service temporarily unavailable"), status=500), "Graph API error 2"),
    ],
    ids=[
        "page-limit",
        "app-limit",
        "expired-token",
        "401",
        "not-json",
        "data-not-list",
        "missing-fields",
        "500",
    ],
)
def test_graph_errors_name_the_source_the_code_and_the_message(route, reason):
    with FeedServer({posts_path(): route}) as server, pytest.raises(ListenerError) as e:
        FacebookListener(source(server), now=NOW).listen({})
    assert str(e.value).startswith("source 'facebook': ")
    assert reason in str(e.value)
    assert TOKEN not in str(e.value)


@pytest.mark.parametrize(
    ("route", "waited"),
    [
        (
            PAGE_LIMIT,
            timedelta(minutes=12),
        ),
        (
            APP_LIMIT,
            timedelta(hours=1),
        ),
        (
            Route(graph_error(613, "Calls to this api have exceeded the rate limit."), status=400),
            timedelta(hours=1),
        ),
    ],
    ids=["page-limit-estimated", "app-limit", "custom-limit"],
)
def test_a_rate_limit_error_says_when_meta_lets_the_app_back_in(route, waited):
    """Meta's own estimate (X-Business-Use-Case-Usage's estimated_time_to_regain_access, in
    minutes) when it gives one, else the rolling hour its platform limits count calls over
    (https://developers.facebook.com/docs/graph-api/overview/rate-limiting). Before, none
    was given, so the task's retries and the next runs asked inside the limit again, and the
    app limit's 403 was taken for a refused token."""
    with FeedServer({posts_path(): route}) as server, pytest.raises(ListenerError) as e:
        FacebookListener(source(server), now=NOW).listen({})
    assert type(e.value) is ListenerError  # not Refused: the token is fine
    assert e.value.rate_limited_until == NOW + waited


def test_the_token_in_the_query_string_reaches_no_error_and_no_log_line(caplog):
    caplog.set_level(logging.INFO, logger="httpx")
    with FeedServer({posts_path(): Route(b"{}", status=502)}) as server:
        with pytest.raises(ListenerError) as e:
            FacebookListener(source(server), now=NOW).listen({})
        # a next-page URL, as Graph gives it, carries the token too
        with pytest.raises(FetchError) as direct:
            get_json(server.url(f"/v26.0/x?access_token={TOKEN}&after=QQ"), timeout=5, max_bytes=99)
    assert "access_token=***" in caplog.text  # httpx logged the requests, redacted
    for said in (str(e.value), str(direct.value), caplog.text):
        assert TOKEN not in said
    assert str(direct.value).endswith("/v26.0/x?access_token=***&after=QQ")


def test_a_repeated_after_cursor_is_a_loop_not_more_pages():
    routes = {
        posts_path(): listing([post(POST_A, 1)], after="U0FNRQ"),
        posts_path(after="U0FNRQ"): listing([post(POST_B, 2)], after="U0FNRQ"),
    }
    with FeedServer(routes) as server, pytest.raises(ListenerError, match="pagination loop"):
        FacebookListener(source(server), now=NOW).listen({})


@pytest.mark.elasticsearch
def test_facebook_through_the_collect_dag_hears_new_comments_only(
    es, write_profile, run_collect_dag
):
    # the DAG listens at the real time: the post must be inside its 14-day window
    first = [comment(POST_A, 2, 10), comment(POST_A, 1, 20)]
    routes = {
        posts_path(): listing([post(POST_A, 1, now=datetime.now(UTC))]),
        comments_path(POST_A): listing(first),
    }
    with FeedServer(routes) as server:
        entry = {"kind": "facebook", "name": "facebook", "connection": "facebook_lincs"}
        write_profile([entry | {"graph_url": server.url(GRAPH), "page_id": PAGE, "keep": "all"}])
        states = run_collect_dag()
        assert states["collect[facebook]"] == "success"
        es.indices.refresh(index=MENTIONS)
        assert mention_counts(es).by_source == {"facebook": 2}

        newer = comment(POST_A, 3, 2, "Nobody came when I called 101")
        server.routes[comments_edge(POST_A)] = listing([newer, *first])
        run_collect_dag()
    es.indices.refresh(index=MENTIONS)
    assert mention_counts(es).by_source == {"facebook": 3}
