"""X: posts matching the source's query, from the X API v2 recent search.

Follows X's documentation of GET /2/tweets/search/recent
(https://docs.x.com/x-api/posts/search/api-reference/get-tweets-search-recent): app-only
auth with the bearer token, newest first, up to 100 posts a page, `next_token` paging
(https://docs.x.com/x-api/posts/search/integrate/paginate), `since_id` polling, authors'
usernames from the `author_id` expansion, and the x-rate-limit-* headers and 429 of
https://docs.x.com/fundamentals/rate-limits. Recent search reaches back seven days.

Cursor: `since_id`, the newest post id indexed; the next run asks only for newer posts. A
run cut short (max_pages, or x-rate-limit-remaining down to 0) also keeps `next_token` and
`newest_id`: X documents that a next_token does not expire, so the next run reads the rest
of that backlog first and only then moves since_id up, and nothing between runs is skipped.
A next_token belongs to its query: `query` is kept beside it, and a changed query starts
afresh from since_id. When the limit is spent, `wait_until` keeps its reset time, and runs
before then ask nothing.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Literal

from pydantic import HttpUrl

from earshot.core.fetch import FetchError, RateLimited
from earshot.core.model import Mention
from earshot.core.profile import ApiSource
from listeners.api import error_json, json_object, until, utc
from listeners.base import Cursor, Heard, Listener, pages

PAGE_SIZE = 100
FIELDS = {
    "tweet.fields": "created_at,author_id,conversation_id,in_reply_to_user_id,lang",
    "expansions": "author_id",
    "user.fields": "username",
}


class XSource(ApiSource):
    """X API v2 recent search; the connection's password is the app's bearer token."""

    kind: Literal["x"]
    connection: str
    api_url: HttpUrl = HttpUrl("https://api.x.com")
    query: str


class XListener(Listener[XSource]):
    """One search, read on from its own backlog token rather than walked down to a mark
    (see the module's docstring): it keeps `listen` to itself."""

    platform = "X"

    def listen(self, cursor: Cursor) -> Heard:
        if (wait := cursor.get("wait_until")) and self.now < utc(wait):
            spent = (
                f"X rate limit spent; nothing asked until it resets ({until(utc(wait), self.now)})"
            )
            return Heard(mentions=[], cursor=cursor, unchanged=True, warnings=[spent])
        with self.failures() as secrets:
            bearer = self.password(secrets, "bearer token")
            search = _Search(self, bearer, cursor)
            walk = pages(search.page, source=self.source.name, max_pages=self.source.max_pages)
            posts = [post for batch in walk for post in batch]
            heard = {m.id: m for m in (self._to_mention(p, search.usernames) for p in posts)}
            return Heard(
                list(heard.values()), search.cursor_after(posts), warnings=search.warnings()
            )

    def _to_mention(self, post: dict, usernames: dict[str, str]) -> Mention:
        post_id = str(post["id"])
        username = usernames.get(str(post.get("author_id")))
        return self.mention(
            post_id,
            # /i/web/status/<id> is X's link for a post whose author is not known
            url=f"https://x.com/{username or 'i/web'}/status/{post_id}",
            text=post["text"],
            author=f"@{username}" if username else None,
            published=utc(post["created_at"]),
        )

    def explain(self, error: FetchError) -> str | None:
        body = error_json(error)
        detail = body.get("detail") or body.get("title")
        if isinstance(error, RateLimited):
            reset = _reset_time(error.headers.get("x-rate-limit-reset"))
            when = f"X resets the limit at {until(reset, self.now)}" if reset else "no reset time"
            return f"{error}; {when}"
        return f"{error}; X says: {detail}" if detail else None


class _Search:
    """One run's walk through the recent-search pages, and what it leaves for the next run."""

    def __init__(self, listener: XListener, bearer: str, cursor: Cursor):
        self.listener = listener
        self.url = str(listener.source.api_url).rstrip("/") + "/2/tweets/search/recent"
        self.bearer = bearer
        if cursor.get("query") != listener.source.query:  # the backlog was another query's
            cursor = {k: v for k, v in cursor.items() if k == "since_id"}
        self.cursor = cursor
        self.usernames: dict[str, str] = {}
        self.left: str | None = None  # the next_token not yet read
        self.spent = False  # x-rate-limit-remaining reached 0
        self.reset: datetime | None = None

    def page(self, token: str | None) -> tuple[list[dict], str | None]:
        source = self.listener.source
        params = {"query": source.query, "max_results": PAGE_SIZE, **FIELDS}
        if since_id := self.cursor.get("since_id"):
            params["since_id"] = since_id
        if token := token or self.cursor.get("next_token"):
            params["next_token"] = token
        body, headers = self.listener.get(
            self.url, params, {"Authorization": f"Bearer {self.bearer}"}
        )
        body = json_object(body)
        posts = body.get("data", [])  # absent when nothing matched
        if not isinstance(posts, list):
            raise TypeError(f"data is {type(posts).__name__}, not a list of posts")
        for user in body.get("includes", {}).get("users", []):
            self.usernames[str(user["id"])] = user["username"]
        self.left = body.get("meta", {}).get("next_token")
        if headers.get("x-rate-limit-remaining") == "0":
            self.spent = True
            self.reset = _reset_time(headers.get("x-rate-limit-reset"))
            return posts, None
        return posts, self.left

    def cursor_after(self, posts: list[dict]) -> Cursor:
        ids = [int(p["id"]) for p in posts]
        if newest_before := self.cursor.get("newest_id"):
            ids.append(int(newest_before))
        newest = str(max(ids)) if ids else None
        since_id = self.cursor.get("since_id")
        if self.left:
            after = {
                "since_id": since_id,
                "next_token": self.left,
                "newest_id": newest,
                "query": self.listener.source.query,
            }
        else:
            after = {"since_id": newest or since_id}
        if self.spent and self.reset:
            after["wait_until"] = self.reset.isoformat()
        return {k: v for k, v in after.items() if v}

    def warnings(self) -> list[str]:
        if not self.left:
            return []
        if self.spent:
            reset = until(self.reset, self.listener.now) if self.reset else "time not given"
            return [
                "x-rate-limit-remaining reached 0 with more posts to read; "
                f"the first run after the reset ({reset}) reads on from there"
            ]
        return [
            f"stopped after max_pages={self.listener.source.max_pages} pages with more posts "
            "to read; the next run reads on from there"
        ]


def _reset_time(epoch: str | None) -> datetime | None:
    """x-rate-limit-reset is in Unix seconds."""
    if not epoch or not epoch.isdigit():
        return None
    return datetime.fromtimestamp(int(epoch), tz=UTC)
