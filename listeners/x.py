"""X: posts matching the source's query, from the X API v2 recent search.

Follows X's documentation of GET /2/tweets/search/recent
(https://docs.x.com/x-api/posts/search/api-reference/get-tweets-search-recent): app-only
auth with the bearer token, newest first, up to 100 posts a page, `next_token` paging
(https://docs.x.com/x-api/posts/search/integrate/paginate), `start_time` polling, authors'
usernames from the `author_id` expansion, the full text of long posts from `note_tweet`
(https://docs.x.com/x-api/fundamentals/data-dictionary), and the x-rate-limit-* headers and
429 of https://docs.x.com/fundamentals/rate-limits. Recent search reaches back seven days.

Cursor: `since_id`, the newest post id indexed. Search indexes some posts late, behind
newer ones, so the next run does not ask `since_id` (which would never hear them) but
`start_time`, the source's overlap window before that post (post ids are snowflakes, which
carry their time), and skips the posts it heard there before (`heard:search`,
listeners/overlap.py). X bills a post read again the same day once
(https://docs.x.com/x-api/fundamentals/post-cap, "Daily deduplication"), so re-reading the
window costs next to nothing, and only posts not heard before count against the day's cap.

A run cut short (max_pages, the day's post budget, or the rate limit) also keeps
`next_token`, the `start_time` it was asked with, and `newest_id`: X documents that a
next_token does not expire, so the next run reads the rest of that backlog first and only
then moves since_id up, and nothing between runs is skipped. A next_token belongs to its
query: `query` is kept beside it, and a changed query starts afresh from since_id. A page
that spends the limit (x-rate-limit-remaining 0) ends the run there, keeping what it read,
rather than asking once more and being refused, and no run asks again before its
x-rate-limit-reset (Unix seconds; `reset`). A 429 fails the run and waits the same: the wait
every platform's 429 gets (earshot/app/platform_waits.py); the cursor stays as it was, and
re-reading the run's pages after the wait costs next to nothing (same-day reads are billed
once).

Recent search reaches back seven days and refuses (400) anything older, so a quiet search
whose since_id has aged out asks from the window's start instead, with a warning. X is paid
per post read: `day` and `read` count the posts read on the force's calendar day, and runs
stop at the source's `max_posts_per_day`.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Literal

from pydantic import Field, HttpUrl

from earshot.core.clock import FORCE_TIME_ZONE
from earshot.core.fetch import FetchError
from earshot.core.model import Mention, mention_id
from earshot.core.profile import ApiSource
from listeners import overlap
from listeners.api import Reset, error_json, json_object, required, time_at
from listeners.base import Cursor, Heard, Listener, pages
from listeners.overlap import Recent

PAGE_SIZE = 100
MIN_PAGE_SIZE = 10  # the smallest max_results X accepts
FIELDS = {
    "tweet.fields": "created_at,author_id,conversation_id,in_reply_to_user_id,lang,note_tweet",
    "expansions": "author_id",
    "user.fields": "username",
}
# How far back recent search reaches, less a margin for the clocks and the run itself.
SEARCH_WINDOW = timedelta(days=7)
WINDOW_MARGIN = timedelta(minutes=10)
SNOWFLAKE_EPOCH_MS = 1288834974657  # a post id >> 22 is milliseconds since this
HEARD = overlap.key("search")  # the posts heard in the overlap window


class XSource(ApiSource):
    """X API v2 recent search; the connection's password is the app's bearer token."""

    kind: Literal["x"]
    connection: str
    api_url: HttpUrl = HttpUrl("https://api.x.com")
    query: str
    # X bills every post read; runs stop at this many a day (UK calendar day).
    max_posts_per_day: int = Field(default=1000, ge=MIN_PAGE_SIZE)


class XListener(Listener[XSource]):
    """One search, read on from its own backlog token rather than walked down to a mark
    (see the module's docstring): it keeps the streams' loop (`_listen`) to itself."""

    platform = "X"
    reset = Reset("x-rate-limit-reset")  # Unix seconds: when the window's requests are back

    def _listen(self, cursor: Cursor) -> Heard:
        budget = _Budget.of(cursor, self.now, self.source.max_posts_per_day)
        if budget.left < MIN_PAGE_SIZE:
            return Heard(mentions=[], cursor=cursor, unchanged=True, warnings=[str(budget)])
        with self.failures() as secrets:
            bearer = self.password(secrets, "bearer token")
            warnings: list[str] = []
            if (since_id := cursor.get("since_id")) and posted_at(since_id) < self.window_start:
                warnings.append(self._aged_out(since_id))
                cursor = {"since_id": since_id}  # a backlog that old is past reading too
            return self._search(bearer, cursor, budget, warnings)

    @property
    def window_start(self) -> datetime:
        return self.now - SEARCH_WINDOW + WINDOW_MARGIN

    def _aged_out(self, since_id: str) -> str:
        start = _rfc3339(self.window_start)
        return (
            f"since_id {since_id} is older than recent search's 7 days (it is); "
            f"searched from {start} instead"
        )

    def resumed_from(self, since_id: str | None) -> str | None:
        """The start_time a run asks: the overlap window before the newest post heard, but
        never before the start of the seven days recent search reaches back."""
        if not since_id:
            return None  # never heard: X's whole seven days
        return _rfc3339(max(posted_at(since_id) - self.overlap, self.window_start))

    def _search(self, bearer: str, cursor: Cursor, budget: _Budget, warnings: list[str]) -> Heard:
        search = _Search(self, bearer, cursor, budget)
        posts: list[dict] = []
        for batch in pages(search.page, source=self.source.name, max_pages=self.source.max_pages):
            posts += batch
        mentions = (self._to_mention(p, search.usernames) for p in posts)
        heard = {m.id: m for m in mentions if not search.recent.knows(m.id)}
        return Heard(
            list(heard.values()),
            search.cursor_after(posts),
            warnings=warnings + search.warnings(),
            wait_until=self.wait_until,
        )

    def _to_mention(self, post: dict, usernames: dict[str, str]) -> Mention:
        post_id = str(required(post, "id", (str, int)))
        username = usernames.get(str(post.get("author_id")))
        return self.mention(
            post_id,
            # /i/web/status/<id> is X's link for a post whose author is not known
            url=f"https://x.com/{username or 'i/web'}/status/{post_id}",
            text=_full_text(post),
            author=f"@{username}" if username else None,
            published=time_at(post, "created_at"),
        )

    def explain(self, error: FetchError) -> str | None:
        body = error_json(error)
        detail = body.get("detail") or body.get("title")
        return f"{error}; X says: {detail}" if detail else None


class _Budget:
    """The posts X may still bill today: `max_posts_per_day` less those read earlier today."""

    def __init__(self, day: str, read: int, cap: int):
        self.day, self.read, self.cap = day, read, cap

    @classmethod
    def of(cls, cursor: Cursor, now: datetime, cap: int) -> _Budget:
        day = now.astimezone(FORCE_TIME_ZONE).date().isoformat()
        return cls(day, int(cursor["read"]) if cursor.get("day") == day else 0, cap)

    @property
    def left(self) -> int:
        return self.cap - self.read

    def __str__(self) -> str:
        return (
            f"max_posts_per_day={self.cap} reached ({self.read} posts read on {self.day}); "
            "nothing more is asked until tomorrow (UK time)"
        )


class _Search:
    """One run's walk through the recent-search pages, and what it leaves for the next run."""

    def __init__(self, listener: XListener, bearer: str, cursor: Cursor, budget: _Budget):
        self.listener = listener
        self.url = str(listener.source.api_url).rstrip("/") + "/2/tweets/search/recent"
        self.bearer = bearer
        if cursor.get("query") != listener.source.query:  # the backlog was another query's
            cursor = {k: v for k, v in cursor.items() if k in ("since_id", HEARD)}
        self.cursor = cursor
        self.recent = Recent.parse(cursor.get(HEARD), listener.overlap)
        backlog = cursor.get("next_token")  # asked again as it was first asked
        since_id = cursor.get("since_id")
        self.start_time = cursor.get("start_time") if backlog else listener.resumed_from(since_id)
        self.budget = budget
        self.usernames: dict[str, str] = {}
        self.left: str | None = cursor.get("next_token")  # the next_token not yet read
        self.capped = False  # the day's post budget is spent

    def page(self, token: str | None) -> tuple[list[dict], str | None]:
        source = self.listener.source
        size = min(PAGE_SIZE, self.budget.left)
        params = {"query": source.query, "max_results": size, **FIELDS}
        if self.start_time:
            params["start_time"] = self.start_time
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
        self.budget.read += sum(not self.recent.knows(self._id(p)) for p in posts)
        self.left = body.get("meta", {}).get("next_token")
        self.listener.watch_rate_limit(headers, "x-rate-limit-remaining", "X rate limit spent")
        if self.listener.held:
            return posts, None
        if self.left and self.budget.left < MIN_PAGE_SIZE:
            self.capped = True
            return posts, None
        return posts, self.left

    def _id(self, post: dict) -> str:
        return mention_id(self.listener.source.name, str(post["id"]))

    def cursor_after(self, posts: list[dict]) -> Cursor:
        ids = [int(p["id"]) for p in posts]
        if newest_before := self.cursor.get("newest_id"):
            ids.append(int(newest_before))
        newest = str(max(ids)) if ids else None
        since_id = self.cursor.get("since_id")
        if self.left:
            after = {
                "since_id": since_id,
                "start_time": self.start_time,
                "next_token": self.left,
                "newest_id": newest,
                "query": self.listener.source.query,
            }
        else:
            after = {"since_id": newest or since_id}
        after[HEARD] = str(self.recent.after((self._id(p), posted_at(p["id"])) for p in posts))
        if self.budget.read:
            after |= {"day": self.budget.day, "read": str(self.budget.read)}
        return {k: v for k, v in after.items() if v}

    def warnings(self) -> list[str]:
        if spent := self.listener.held:
            return [f"{spent}; the next run reads on from there"]
        if not self.left:
            return []
        if self.capped:
            return [f"{self.budget}; tomorrow's first run reads on from there"]
        return [
            f"stopped after max_pages={self.listener.source.max_pages} pages with more posts "
            "to read; the next run reads on from there"
        ]


def posted_at(post_id: str) -> datetime:
    """When a post was made, from its snowflake id (https://docs.x.com/fundamentals/x-ids)."""
    return datetime.fromtimestamp(((int(post_id) >> 22) + SNOWFLAKE_EPOCH_MS) / 1000, tz=UTC)


def _full_text(post: dict) -> str:
    """A long post's whole text: `text` holds only its first 280 characters. The written
    docs name the field note_tweet, X's 2026 OpenAPI note_post; either is read."""
    for field in ("note_tweet", "note_post"):
        if isinstance(note := post.get(field), dict) and note.get("text"):
            return note["text"]
    return required(post, "text")


def _rfc3339(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
