"""Bluesky against a loopback server replaying answers shaped as the lexicons document them:
com.atproto.server.createSession and app.bsky.feed.searchPosts with postViews
(https://docs.bsky.app/docs/api/app-bsky-feed-search-posts)."""

import base64
import json
import stat
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from earshot.app.feed_server import FeedServer, Route
from earshot.store.cursors import load_cursor
from earshot.store.indices import MENTIONS
from earshot.store.queries import mention_counts
from listeners import ListenerError
from listeners.api import until
from listeners.bluesky import BlueskyListener, BlueskySource
from listeners.bluesky_session import Session
from tests.listener_contract import Contract, marks

NOW = datetime(2026, 11, 21, 7, 0, tzinfo=UTC)
SESSION = "/xrpc/com.atproto.server.createSession"
# A term of two words goes as one phrase: the searchPosts lexicon recommends Lucene syntax
# (lexicons/app/bsky/feed/searchPosts.json, `q`), which quotes a phrase.
SEARCH = "/xrpc/app.bsky.feed.searchPosts?q=%22Lincolnshire+Police%22&sort=latest&limit=100"
JSON = "application/json"
TERM = "term:Lincolnshire Police"


def post(
    n: int,
    text: str = "Thanks Lincolnshire Police for the quick help in Boston",
    *,
    created: str | None = None,
    indexed: str | None = None,
    handle: str | None = None,
) -> dict:
    """An app.bsky.feed.defs#postView (fields we read, and a few we don't)."""
    did = f"did:plc:resident{n}"
    created = created or f"2026-11-20T09:{n:02d}:00.000Z"
    return {
        "uri": f"at://{did}/app.bsky.feed.post/3lbqk{n:07d}",
        "cid": f"bafyreib{n:050d}",
        "author": {
            "did": did,
            "handle": handle or f"resident{n}.bsky.social",
            "displayName": f"Resident {n}",
            "labels": [],
        },
        "record": {
            "$type": "app.bsky.feed.post",
            "text": text,
            "createdAt": created,
            "langs": ["en"],
        },
        "replyCount": 0,
        "repostCount": 0,
        "likeCount": 2,
        "quoteCount": 0,
        "indexedAt": indexed or created,
        "labels": [],
    }


def uri(n: int) -> str:
    return post(n)["uri"]


def results(posts: list[dict], cursor: str | None = None) -> Route:
    body = {"posts": posts, "hitsTotal": len(posts)} | ({"cursor": cursor} if cursor else {})
    return Route(json.dumps(body).encode(), JSON)


def session(access: str = "eyJhbGciOi.access.1") -> Route:
    answer = {
        "did": "did:plc:lincscomms",
        "handle": "lincscomms.bsky.social",
        "accessJwt": access,
        "refreshJwt": "eyJhbGciOi.refresh.1",
        "active": True,
    }
    return Route(json.dumps(answer).encode(), JSON)


def source(server: FeedServer, service: str = "/", **settings) -> BlueskySource:
    return BlueskySource(
        **{
            "kind": "bluesky",
            "name": "bluesky",
            "connection": "bluesky_lincs",
            "service": server.url(service),
            "terms": ["Lincolnshire Police"],
        }
        | settings
    )


@pytest.fixture(autouse=True)
def connection(monkeypatch):
    monkeypatch.setenv(
        "AIRFLOW_CONN_BLUESKY_LINCS", "generic://lincscomms.bsky.social:abcd-efgh-ijkl-mnop@"
    )


CONTRACT = {
    "bluesky": Contract(
        source,
        # answered whatever `since` is asked: the watermark drops what was heard
        first={SESSION: session(), SEARCH.split("?")[0]: results([post(2), post(1)])},
        later={SEARCH.split("?")[0]: results([post(3), post(2), post(1)])},
        listing=SEARCH.split("?")[0],
        connection={"AIRFLOW_CONN_BLUESKY_LINCS": "generic://lincscomms.bsky.social:app-pass@"},
        # post 0 was written at 09:00 but indexed after the last run: searchPosts orders and
        # filters `since` by sortAt, the earlier of createdAt and indexedAt
        # (lexicons/app/bsky/feed/searchPosts.json), so it sorts behind the watermark.
        late={
            SEARCH.split("?")[0]: results(
                [post(2), post(1), post(0, indexed="2026-11-20T09:30:00.000Z")]
            )
        },
    )
}


def test_pages_follow_the_cursor_and_posts_map_to_bsky_app_links():
    routes = {
        SESSION: session(),
        SEARCH: results([post(5), post(4)], cursor="100"),
        f"{SEARCH}&cursor=100": results([post(3, handle="handle.invalid")], cursor="200"),
        f"{SEARCH}&cursor=200": results([]),
    }
    with FeedServer(routes) as server:
        heard = BlueskyListener(source(server), now=NOW).listen({})
        asked = [path for path, _ in server.requests]
    assert asked == [SESSION, SEARCH, f"{SEARCH}&cursor=100", f"{SEARCH}&cursor=200"]
    first, _, invalid = heard.mentions
    assert first.author == "@resident5.bsky.social"
    assert first.url == "https://bsky.app/profile/resident5.bsky.social/post/3lbqk0000005"
    assert first.text == "Thanks Lincolnshire Police for the quick help in Boston"
    assert first.published == datetime(2026, 11, 20, 9, 5, tzinfo=UTC)
    # A handle that no longer verifies is linked by the DID, which always resolves.
    assert invalid.url == "https://bsky.app/profile/did:plc:resident3/post/3lbqk0000003"
    assert marks(heard.cursor) == {TERM: f"2026-11-20T09:05:00+00:00 {uri(5)}"}
    assert heard.warnings == []


def test_the_session_is_opened_with_the_app_password_and_its_token_sent():
    routes = {SESSION: session("eyJ.access.7"), SEARCH: results([post(1)])}
    with FeedServer(routes) as server:
        BlueskyListener(source(server), now=NOW).listen({})
        (_, session_headers), (_, search_headers) = server.requests
        [(posted_path, posted)] = server.posted
    assert posted_path == SESSION
    assert json.loads(posted) == {
        "identifier": "lincscomms.bsky.social",
        "password": "abcd-efgh-ijkl-mnop",
    }
    assert session_headers["Content-Type"] == "application/json"
    assert search_headers["Authorization"] == "Bearer eyJ.access.7"


def test_next_run_asks_since_the_overlap_window_and_drops_only_posts_already_heard():
    cursor = {TERM: f"2026-11-20T09:05:00+00:00 {uri(5)}"}
    also_at_five = post(50, created="2026-11-20T09:05:00.000Z")  # indexed after the last run
    since = f"{SEARCH}&since=2026-11-20T08%3A05%3A00Z"  # 60 minutes (the default) back
    routes = {SESSION: session(), since: results([post(7), post(6), also_at_five, post(5)])}
    with FeedServer(routes) as server:
        heard = BlueskyListener(source(server), now=NOW).listen(cursor)
        asked = [path for path, _ in server.requests]
    assert asked == [SESSION, since]
    assert [m.author for m in heard.mentions] == [
        "@resident7.bsky.social",
        "@resident6.bsky.social",
        "@resident50.bsky.social",
    ]
    assert marks(heard.cursor) == {TERM: f"2026-11-20T09:07:00+00:00 {uri(7)}"}


def test_a_post_dated_in_the_future_is_dated_when_bluesky_indexed_it():
    """A poster's clock in 2099 would keep the post out of every digest and alert window,
    past retention, and push the cursor past posts to come."""
    future = post(8, created="2099-01-01T00:00:00.000Z", indexed="2026-11-20T09:08:00.000Z")
    with FeedServer({SESSION: session(), SEARCH: results([future, post(2)])}) as server:
        heard = BlueskyListener(source(server), now=NOW).listen({})
    assert heard.mentions[0].published == datetime(2026, 11, 20, 9, 8, tzinfo=UTC)
    assert marks(heard.cursor) == {TERM: f"2026-11-20T09:08:00+00:00 {future['uri']}"}


def test_a_post_dated_in_year_0_is_heard_with_the_time_bluesky_indexed_it():
    """The AT Protocol allows `0000-01-01T00:00:00.000Z` ("extreme but currently allowed",
    atproto-interop-tests syntax/datetime_syntax_valid.txt); Python's calendar starts at
    year 1. Before, that one post failed the whole source as a malformed payload."""
    odd = post(8, created="0000-01-01T00:00:00.000Z", indexed="2026-11-20T09:08:00.000Z")
    with FeedServer({SESSION: session(), SEARCH: results([odd, post(2)])}) as server:
        heard = BlueskyListener(source(server), now=NOW).listen({})
    assert [m.published for m in heard.mentions] == [
        datetime(2026, 11, 20, 9, 8, tzinfo=UTC),
        datetime(2026, 11, 20, 9, 2, tzinfo=UTC),
    ]


def test_max_pages_is_honoured_and_a_gap_it_leaves_is_reported():
    since = f"{SEARCH}&since=2026-11-20T08%3A01%3A00Z"
    routes = {
        SESSION: session(),
        since: results([post(9)], cursor="a"),
        f"{since}&cursor=a": results([post(8)], cursor="b"),
        f"{since}&cursor=b": results([post(7)]),
    }
    with FeedServer(routes) as server:
        heard = BlueskyListener(source(server, max_pages=2), now=NOW).listen(
            {TERM: f"2026-11-20T09:01:00+00:00 {uri(1)}"}
        )
        assert len(server.requests) == 3  # the session and two pages
    assert marks(heard.cursor) == {TERM: f"2026-11-20T09:09:00+00:00 {uri(9)}"}
    assert heard.warnings == [
        f"{TERM}: max_pages reached before the last item heard; items between the oldest "
        "read and it were skipped (raise max_pages if this recurs)"
    ]


def test_a_cursor_that_repeats_is_a_loop_not_more_pages():
    routes = {
        SESSION: session(),
        SEARCH: results([post(3)], cursor="x"),
        f"{SEARCH}&cursor=x": results([post(2)], cursor="x"),
    }
    with FeedServer(routes) as server, pytest.raises(ListenerError, match="pagination loop"):
        BlueskyListener(source(server), now=NOW).listen({})


@pytest.mark.parametrize(
    ("path", "route", "reason"),
    [
        (
            SEARCH,
            Route(
                b'{"error": "RateLimitExceeded", "message": "Rate Limit Exceeded"}',
                JSON,
                429,
                headers=(("Retry-After", "120"), ("RateLimit-Remaining", "0")),
            ),
            "rate limited: HTTP 429 Too Many Requests from http://127.0.0.1",
        ),
        (
            SESSION,
            Route(
                b'{"error": "AuthenticationRequired", "message": "Invalid identifier or password"}',
                JSON,
                401,
            ),
            "credentials refused: HTTP 401 Unauthorized from http://127.0.0.1",
        ),
        (
            SEARCH,
            # Not a token to refresh (an expired one is: see the Pds tests below); XRPC's
            # name for a 401 (lexicon error types, @atproto/xrpc ResponseType).
            Route(
                b'{"error": "AuthenticationRequired", "message": "Authentication Required"}',
                JSON,
                401,
            ),
            "credentials refused: HTTP 401",
        ),
        (SEARCH, Route(b'{"error": "InternalServerError"}', JSON, 500), "HTTP 500"),
        (SEARCH, Route(b"<html>bad gateway</html>", JSON), "malformed JSON"),
        (SEARCH, Route(b'{"cursor": "1"}', JSON), "malformed Bluesky payload"),
        (SEARCH, Route(b'{"posts": {"uri": "x"}}', JSON), "malformed Bluesky payload"),
        (
            SEARCH,
            Route(json.dumps({"posts": [post(1) | {"uri": "https://x"}]}).encode(), JSON),
            "malformed Bluesky payload: uri is not a post URI",
        ),
        (
            SEARCH,
            Route(json.dumps({"posts": [post(1, created="yesterday")]}).encode(), JSON),
            "malformed Bluesky payload",
        ),
        (SESSION, Route(b'{"did": "did:plc:x"}', JSON), "malformed Bluesky payload"),
    ],
    ids=[
        "429",
        "401-session",
        "401-search",
        "500",
        "not-json",
        "no-posts",
        "posts-not-a-list",
        "not-a-post-uri",
        "bad-time",
        "no-access-jwt",
    ],
)
def test_platform_errors_name_the_source_and_the_reason(path, route, reason):
    routes = {SESSION: session(), SEARCH: results([post(1)])} | {path: route}
    with FeedServer(routes) as server, pytest.raises(ListenerError) as e:
        BlueskyListener(source(server), now=NOW).listen({})
    assert "source 'bluesky'" in str(e.value)
    assert reason in str(e.value)
    assert "abcd-efgh-ijkl-mnop" not in str(e.value)
    if route.status == 429:
        assert "Retry-After 120" in str(e.value)


@pytest.mark.long
@pytest.mark.elasticsearch
def test_bluesky_through_the_collect_dag_one_source_429_another_500_then_all_resume(
    es, write_profile, run_collect_dag
):
    throttled = "/throttled" + SEARCH
    routes = {
        SESSION: session(),
        SEARCH: results([post(3), post(2)], cursor="p2"),
        f"{SEARCH}&cursor=p2": results([post(1)]),
        "/throttled" + SESSION: session(),
        # The throttled source's first page arrives; its second answers 429.
        throttled: results([post(14), post(13)], cursor="t2"),
        f"{throttled}&cursor=t2": Route(
            b'{"error": "RateLimitExceeded"}', JSON, 429, headers=(("Retry-After", "5"),)
        ),
        "/down" + SESSION: Route(b'{"error": "InternalServerError"}', JSON, 500),
    }
    with FeedServer(routes) as server:

        def bluesky(name: str, service: str) -> dict:
            return {
                "kind": "bluesky",
                "name": name,
                "connection": "bluesky_lincs",
                "service": server.url(service),
                "terms": ["Lincolnshire Police"],
            }

        write_profile(
            [
                bluesky("bluesky", "/"),
                bluesky("bluesky-throttled", "/throttled"),
                bluesky("bluesky-down", "/down"),
            ]
        )
        states = run_collect_dag()
        es.indices.refresh(index=MENTIONS)
        assert states["collect[bluesky]"] == "success"
        assert states["collect[bluesky-throttled]"] == "failed"
        assert states["collect[bluesky-down]"] == "failed"
        assert mention_counts(es).by_source == {"bluesky": 3}
        assert marks(load_cursor(es, "bluesky")) == {TERM: f"2026-11-20T09:03:00+00:00 {uri(3)}"}
        assert load_cursor(es, "bluesky-throttled") == {}

        # Next run: both failing sources answer; two posts arrived for the first source.
        resumed = f"{SEARCH}&since=2026-11-20T08%3A03%3A00Z"  # the overlap window back
        server.routes |= {
            resumed: results([post(5), post(4), post(3)]),
            f"{throttled}&cursor=t2": results([post(12)]),
            "/down" + SESSION: session(),
            "/down" + SEARCH: results([post(21)]),
        }
        server.requests.clear()
        states = run_collect_dag()
        asked = [path for path, _ in server.requests]
    es.indices.refresh(index=MENTIONS)
    assert {k: v for k, v in states.items() if k.startswith("collect[")} == {
        "collect[bluesky]": "success",
        "collect[bluesky-throttled]": "success",
        "collect[bluesky-down]": "success",
    }
    assert resumed in asked and SEARCH not in asked  # asked only for what is newer
    assert mention_counts(es).by_source == {
        "bluesky": 5,
        "bluesky-throttled": 3,
        "bluesky-down": 1,
    }
    assert marks(load_cursor(es, "bluesky")) == {TERM: f"2026-11-20T09:05:00+00:00 {uri(5)}"}
    assert marks(load_cursor(es, "bluesky-throttled")) == {
        TERM: f"2026-11-20T09:14:00+00:00 {uri(14)}"
    }


def did_doc(pds: str) -> dict:
    """The didDoc createSession returns (com.atproto.server.createSession output), shaped as
    the atproto SDK's DidDocument model reads it: the `#atproto_pds` service is the
    account's own PDS, which the SDK calls from then on (its session handling:
    get_session_pds_endpoint, then _update_pds_endpoint)."""
    return {
        "@context": ["https://www.w3.org/ns/did/v1"],
        "id": "did:plc:lincscomms",
        "alsoKnownAs": ["at://lincscomms.bsky.social"],
        "service": [
            {"id": "#atproto_pds", "type": "AtprotoPersonalDataServer", "serviceEndpoint": pds}
        ],
    }


def test_after_login_calls_go_to_the_accounts_own_pds():
    with FeedServer({SESSION: session()}) as server:
        answer = json.loads(session().body) | {"didDoc": did_doc(server.url("/pds").rstrip("/"))}
        server.routes |= {
            SESSION: Route(json.dumps(answer).encode(), JSON),
            "/pds" + SEARCH: results([post(1)]),
        }
        heard = BlueskyListener(source(server), now=NOW).listen({})
        asked = [path for path, _ in server.requests]
    assert len(heard.mentions) == 1
    assert asked == [SESSION, "/pds" + SEARCH]


@pytest.mark.parametrize(
    ("headers", "when"),
    [
        # The entryway's own headers (docs.bsky.app/docs/advanced-guides/rate-limits):
        # RateLimit-Reset is Unix seconds.
        (
            (
                ("RateLimit-Limit", "30"),
                ("RateLimit-Remaining", "0"),
                ("RateLimit-Reset", str(int((NOW + timedelta(minutes=15)).timestamp()))),
                ("RateLimit-Policy", "30;w=300"),
            ),
            "2026-11-21T07:15:00Z, in 15 min",
        ),
        # Retry-After in its HTTP-date form (RFC 9110, section 10.2.3).
        ((("Retry-After", "Sat, 21 Nov 2026 08:00:00 GMT"),), "2026-11-21T08:00:00Z, in 1 h 0 min"),
    ],
    ids=["ratelimit-reset", "retry-after-http-date"],
)
def test_a_login_limit_429_says_it_is_the_login_limit_and_when_to_try_again(headers, when):
    refusal = b'{"error": "RateLimitExceeded", "message": "Rate Limit Exceeded"}'
    routes = {SESSION: Route(refusal, JSON, 429, headers=headers)}
    with FeedServer(routes) as server, pytest.raises(ListenerError) as e:
        BlueskyListener(source(server), now=NOW).listen({})
    assert "login limit" in e.value.reason
    assert f"try again after {when}" in e.value.reason
    assert until(e.value.rate_limited_until, NOW) == when  # the collect task waits till then


def test_a_ratelimit_reset_that_is_no_time_is_named_and_sets_no_wait():
    refusal = b'{"error": "RateLimitExceeded", "message": "Rate Limit Exceeded"}'
    routes = {SESSION: Route(refusal, JSON, 429, headers=(("RateLimit-Reset", "soon"),))}
    with FeedServer(routes) as server, pytest.raises(ListenerError) as e:
        BlueskyListener(source(server), now=NOW).listen({})
    assert "login limit" in e.value.reason
    assert "ratelimit-reset is not a time: 'soon'" in e.value.reason
    assert e.value.rate_limited_until is None  # the task's retries cover it


def test_a_ratelimit_reset_that_is_no_time_falls_back_to_retry_after_and_is_named():
    """Before, the unreadable RateLimit-Reset hid the Retry-After beside it: no wait was set,
    and the task's retries asked inside the hour the entryway had asked for."""
    refusal = b'{"error": "RateLimitExceeded", "message": "Rate Limit Exceeded"}'
    headers = (("RateLimit-Reset", "soon"), ("Retry-After", "3600"))
    routes = {SESSION: Route(refusal, JSON, 429, headers=headers)}
    with FeedServer(routes) as server, pytest.raises(ListenerError) as e:
        BlueskyListener(source(server), now=NOW).listen({})
    assert e.value.rate_limited_until == NOW + timedelta(hours=1)
    assert "try again after 2026-11-21T08:00:00Z, in 1 h 0 min" in e.value.reason
    assert e.value.reason.count("ratelimit-reset is not a time: 'soon'") == 1


def test_a_spent_rate_limit_stops_asking_keeps_what_was_read_and_waits_for_the_reset():
    """Every answer says what is left (RateLimit-Remaining, RateLimit-Reset in Unix seconds:
    docs.bsky.app/docs/advanced-guides/rate-limits). Before, a run that spent it asked on
    till a 429."""
    reset = NOW + timedelta(minutes=5)
    spent = results([post(5), post(4)], cursor="100")
    spent = Route(
        spent.body,
        JSON,
        headers=(("RateLimit-Remaining", "0"), ("RateLimit-Reset", str(int(reset.timestamp())))),
    )
    routes = {SESSION: session(), SEARCH: spent, f"{SEARCH}&cursor=100": results([post(3)])}
    with FeedServer(routes) as server:
        heard = BlueskyListener(source(server), now=NOW).listen({})
        asked = [path for path, _ in server.requests]
    assert asked == [SESSION, SEARCH]
    assert len(heard.mentions) == 2
    assert TERM not in heard.cursor  # the rest is read next run
    assert heard.wait_until == reset
    assert "Bluesky rate limit spent (RateLimit-Remaining 0, resets" in heard.warnings[0]


def access_jwt(expires: datetime, n: int) -> str:
    """An access token as a PDS signs it: a JWT (header.claims.signature, base64url without
    padding) whose claims carry `exp`, the expiry the atproto SDK reads to refresh ahead
    (packages/atproto_server/auth/jwt.py get_jwt_payload)."""

    def part(value: dict | bytes) -> str:
        raw = value if isinstance(value, bytes) else json.dumps(value).encode()
        return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()

    claims = {
        "scope": "com.atproto.appPass",
        "sub": "did:plc:lincscomms",
        "aud": "did:web:pds.example",
        "iat": int((expires - timedelta(hours=2)).timestamp()),
        "exp": int(expires.timestamp()),
        "jti": f"access-{n}",
    }
    return ".".join([part({"typ": "at+jwt", "alg": "ES256K"}), part(claims), part(b"sig%d" % n)])


class Pds:
    """A PDS on loopback that signs in, refreshes and checks tokens as the AT Protocol's
    lexicons say (lexicons/com/atproto/server/createSession.json, refreshSession.json):
    createSession and refreshSession answer {accessJwt, refreshJwt, handle, did}; a refresh
    spends its refresh token and hands out a new pair (the atproto SDK saves the session on
    each CREATE and REFRESH event for that reason: methods_mixin/session.py); refreshSession
    takes the refreshJwt as its Bearer token and no body. An access token the PDS no longer
    takes answers `ExpiredToken` ("Token has expired"); a refused refresh token too."""

    def __init__(
        self,
        password: str = "abcd-efgh-ijkl-mnop",
        expired_status: int = 400,
        access_lifetime: timedelta = timedelta(hours=2),
    ):
        self.password = password
        self.expired_status = expired_status
        self.access_lifetime = access_lifetime  # from NOW, the listener's clock
        self.access: set[str] = set()
        self.refresh: set[str] = set()
        self.calls: list[str] = []  # the XRPC methods asked, in order
        self.issued = 0
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._httpd.daemon_threads = True
        threading.Thread(target=self._httpd.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._httpd.server_address[1]}"

    def close(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    def expire_access_tokens(self) -> None:
        self.access.clear()

    def revoke_sessions(self) -> None:
        """What an app password's revocation does: none of its tokens is taken any more."""
        self.access.clear()
        self.refresh.clear()

    @property
    def logins(self) -> int:
        return self.calls.count("com.atproto.server.createSession")

    def _pair(self) -> dict:
        self.issued += 1
        access = access_jwt(NOW + self.access_lifetime, self.issued)
        refresh = f"eyJ.refresh.{self.issued}"
        self.access.add(access)
        self.refresh.add(refresh)
        return {
            "did": "did:plc:lincscomms",
            "handle": "lincscomms.bsky.social",
            "accessJwt": access,
            "refreshJwt": refresh,
            "active": True,
        }

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        pds = self
        expired = {"error": "ExpiredToken", "message": "Token has expired"}

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                method = self.path.removeprefix("/xrpc/")
                pds.calls.append(method)
                if method == "com.atproto.server.createSession":
                    login = json.loads(body)
                    if login.get("password") != pds.password:
                        self.answer(401, {"error": "AuthenticationRequired"})
                        return
                    self.answer(200, pds._pair())
                elif method == "com.atproto.server.refreshSession":
                    token = self.bearer()
                    if body or token not in pds.refresh:
                        self.answer(400, expired)
                        return
                    pds.refresh.discard(token)  # spent: rotated
                    self.answer(200, pds._pair())
                else:
                    self.answer(404, {"error": "MethodNotImplemented"})

            def do_GET(self) -> None:
                pds.calls.append(self.path.removeprefix("/xrpc/").split("?")[0])
                if self.bearer() not in pds.access:
                    self.answer(pds.expired_status, expired)
                    return
                self.answer(200, {"posts": [post(1)]})

            def bearer(self) -> str:
                return self.headers.get("Authorization", "").removeprefix("Bearer ")

            def answer(self, status: int, payload: dict) -> None:
                sent = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", JSON)
                self.send_header("Content-Length", str(len(sent)))
                self.end_headers()
                self.wfile.write(sent)

            def log_message(self, format: str, *args) -> None:
                pass

        return Handler


@pytest.fixture
def pds() -> Iterator[Pds]:
    server = Pds()
    yield server
    server.close()


def listen_to(pds: Pds, cursor: dict[str, str] | None = None):
    source = BlueskySource(
        kind="bluesky",
        name="bluesky",
        connection="bluesky_lincs",
        service=pds.url,
        terms=["Lincolnshire Police"],
    )
    return BlueskyListener(source, now=NOW).listen(cursor or {})


SEARCH_POSTS = "app.bsky.feed.searchPosts"


def test_the_next_run_keeps_the_session_and_does_not_sign_in_again(pds, earshot_home):
    listen_to(pds)
    pds.calls.clear()
    heard = listen_to(pds)
    assert pds.calls == [SEARCH_POSTS]
    assert len(heard.mentions) == 1
    # Kept for the worker's own account only, and without the app password.
    [kept] = (earshot_home / "bluesky-sessions").iterdir()
    assert stat.S_IMODE(kept.stat().st_mode) == 0o600
    assert stat.S_IMODE(kept.parent.stat().st_mode) == 0o700
    assert "abcd-efgh-ijkl-mnop" not in kept.read_text()


@pytest.mark.parametrize("status", [400, 401])
def test_an_expired_access_token_is_refreshed_not_signed_in_again(status):
    pds = Pds(expired_status=status)
    try:
        listen_to(pds)
        pds.expire_access_tokens()
        pds.calls.clear()
        heard = listen_to(pds)
        assert pds.calls == [SEARCH_POSTS, "com.atproto.server.refreshSession", SEARCH_POSTS]
        assert len(heard.mentions) == 1
        # The refreshed session was kept: the run after uses it as it is.
        pds.calls.clear()
        listen_to(pds)
        assert pds.calls == [SEARCH_POSTS]
    finally:
        pds.close()


def test_a_kept_session_about_to_expire_is_refreshed_before_the_search():
    """The atproto SDK refreshes 15 minutes before the access JWT's `exp` (methods_mixin/
    session.py _should_refresh_session): no call is spent on a token about to lapse."""
    pds = Pds(access_lifetime=timedelta(minutes=1))
    try:
        listen_to(pds)
        pds.calls.clear()
        heard = listen_to(pds)
        assert pds.calls == ["com.atproto.server.refreshSession", SEARCH_POSTS]
        assert len(heard.mentions) == 1
    finally:
        pds.close()


def test_a_kept_session_with_hours_left_is_used_as_it_is(pds):
    listen_to(pds)  # access tokens good for 2 hours, as bsky.social gives them
    pds.calls.clear()
    listen_to(pds)
    assert pds.calls == [SEARCH_POSTS]


@pytest.mark.parametrize(
    "access",
    ["opaque-token", "eyJ.bm90IGpzb24.sig", "eyJ.eyJzdWIiOiAiZGlkOnBsYzp4In0.sig", "eyJ.W10.sig"],
    ids=["not-a-jwt", "claims-not-json", "no-exp", "claims-not-an-object"],
)
def test_an_access_token_with_no_readable_expiry_is_used_until_the_pds_refuses_it(access):
    assert Session(access, "eyJ.refresh.1", "https://pds.example/xrpc/").expires() is None


def test_a_refused_refresh_signs_in_once(pds):
    listen_to(pds)
    pds.revoke_sessions()
    pds.calls.clear()
    heard = listen_to(pds)
    assert pds.calls == [
        SEARCH_POSTS,
        "com.atproto.server.refreshSession",
        "com.atproto.server.createSession",
        SEARCH_POSTS,
    ]
    assert len(heard.mentions) == 1


def test_a_changed_app_password_is_not_outlived_by_the_kept_session(pds, monkeypatch):
    listen_to(pds)
    pds.password = "wxyz-wxyz-wxyz-wxyz"
    monkeypatch.setenv(
        "AIRFLOW_CONN_BLUESKY_LINCS", "generic://lincscomms.bsky.social:wxyz-wxyz-wxyz-wxyz@"
    )
    pds.calls.clear()
    listen_to(pds)
    assert pds.calls == ["com.atproto.server.createSession", SEARCH_POSTS]


def test_a_refresh_refused_and_a_login_refused_fail_and_keep_no_session(pds, earshot_home):
    listen_to(pds)
    pds.revoke_sessions()
    pds.password = "changed-on-bluesky"
    with pytest.raises(ListenerError, match="credentials refused: HTTP 401"):
        listen_to(pds)
    assert list((earshot_home / "bluesky-sessions").iterdir()) == []


def test_a_kept_session_that_cannot_be_read_signs_in_again(pds, earshot_home):
    listen_to(pds)
    [kept] = (earshot_home / "bluesky-sessions").iterdir()
    kept.write_text("{not json")
    pds.calls.clear()
    assert len(listen_to(pds).mentions) == 1
    assert pds.calls == ["com.atproto.server.createSession", SEARCH_POSTS]
