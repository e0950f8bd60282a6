"""Threads: posts that name the force (keyword and topic-tag search), and replies to the
force's own posts, from Meta's Threads API.

Follows Meta's Threads API documentation: keyword and topic-tag search, GET /keyword_search
with q, search_type=RECENT, search_mode=KEYWORD or TAG and since (Unix seconds)
(https://developers.facebook.com/docs/threads/keyword-search,
https://developers.facebook.com/docs/threads/reference/media-retrieval); the force's posts,
GET /me/threads with since and limit (https://developers.facebook.com/docs/threads/threads-media,
https://developers.facebook.com/docs/threads/reference/user), reposts left out; their replies
at every depth, newest first, GET /{media-id}/conversation with reverse=true
(https://developers.facebook.com/docs/threads/retrieve-and-manage-replies/replies-and-conversations);
cursor paging, `paging.cursors.after` while `paging.next` is given; Graph error objects
(https://developers.facebook.com/docs/graph-api/guides/error-handling), and a spent rate limit
(Meta counts an app's calls for each user over a rolling 24 hours,
https://developers.facebook.com/docs/threads/overview, "Rate Limiting") waited for as
listeners/graph.py waits for Graph's. The long-lived user
access token (https://developers.facebook.com/docs/threads/get-started/long-lived-tokens:
60 days, refreshed with GET /refresh_access_token) goes in the `access_token` parameter, as
documented; errors and logs show `***`.

The search budget: Meta lets one Threads user send 2,200 keyword-search queries in a rolling
24 hours, across every app acting for that user; a query that returns nothing does not count
(the keyword-search page, "Limitations"). `searches` in the cursor keeps the queries this
source sent that returned something, by the hour, for the last 24 hours; a source stops at its
`max_searches_per_day` and says when the oldest of them ages out. It is saved even when the
run then fails: Meta counted those queries whatever Earshot indexed. A search stopped by it
keeps its mark, so a later run reads it again from the top: those pages cost again, and
their posts, known in the overlap record, are not heard twice. Replies are read first: they
cost no search budget, and a spent budget never holds them back.

Without App Review for threads_keyword_search, Meta searches only the token owner's own posts
and says nothing: a search that hears only the force's own posts is that, not a quiet day.

Replies: to the force's posts of the last POST_WINDOW (14 days), like the Facebook listener.
A reply by the force's own account (its username, from GET /me) is labelled the force's, and
so is a post of its own that a search finds.

Cursor: per stream (`keyword:<term>`, `tag:<tag>`, `post:<media id>`), a Watermark (newest
post time indexed, and the ids at that second). Each search asks `since` the stream's overlap
window before its watermark, so a quiet search answers empty and costs no budget.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Annotated, Literal

from pydantic import Field, HttpUrl, model_validator

from earshot.core.fetch import FetchError
from earshot.core.model import Mention
from earshot.core.profile import ApiSource
from listeners.api import json_object, optional, required, time_at, until
from listeners.base import Cursor, Stream, pages
from listeners.graph import POST_WINDOW, GraphListener, graph_data, graph_error, next_after
from listeners.watermark import Watermark, posted

API_VERSION = "v1.0"
SEARCH_FIELDS = "id,text,timestamp,permalink,username"
REPLY_FIELDS = "id,text,timestamp,permalink,username,is_reply,root_post"
POST_FIELDS = "id,timestamp,permalink,media_type"
POSTS_PAGE = 100  # the documented maximum of /me/threads' `limit`
REPOST = "REPOST_FACADE"  # the force sharing another's post: its replies are that post's
QUERIES_A_DAY = 2_200  # Meta's limit of keyword-search queries per user per rolling 24 hours
BUDGET = "searches"  # the cursor key of the queries counted against it
HOUR = 3_600
Tag = Annotated[str, Field(pattern=r"^[^#]")]  # a topic tag, without "#"


class ThreadsSource(ApiSource):
    """Threads keyword and topic-tag search, and replies to the force's own posts; the
    connection's password is the force account's long-lived Threads user access token."""

    kind: Literal["threads"]
    connection: str
    api_url: HttpUrl = HttpUrl(f"https://graph.threads.net/{API_VERSION}")
    keywords: list[Annotated[str, Field(min_length=1)]] = Field(default_factory=list)
    tags: list[Tag] = Field(default_factory=list)
    # Replies to the force's posts (threads_read_replies): all talk to the force, so give them
    # a source of their own with `keep: all`.
    replies: bool = False
    # Queries a rolling 24 hours; the rest of Meta's 2,200 is left to the account's other apps.
    max_searches_per_day: int = Field(default=1_000, ge=1, le=QUERIES_A_DAY)

    @model_validator(mode="after")
    def _something_to_hear(self) -> ThreadsSource:
        if not (self.keywords or self.tags or self.replies):
            raise ValueError("give keywords, tags, or replies: true")
        return self


@dataclass
class SearchBudget:
    """The keyword-search queries counted in the last 24 hours, by the hour they were sent.

    Hour buckets keep the cursor short; a bucket counts until its last second is 24 hours
    old, so the source never believes it has more left than Meta does.
    """

    cap: int
    now: datetime
    hours: dict[int, int] = field(default_factory=dict)  # hour start, Unix s → queries

    @classmethod
    def of(cls, saved: str | None, now: datetime, cap: int) -> SearchBudget:
        oldest = _hour(now) - 24 * HOUR
        hours: dict[int, int] = {}
        for pair in (saved or "").split():
            hour, _, count = pair.partition("/")
            if int(hour) >= oldest:
                hours[int(hour)] = int(count)
        return cls(cap, now, hours)

    @property
    def used(self) -> int:
        return sum(self.hours.values())

    @property
    def left(self) -> int:
        return max(0, self.cap - self.used)

    def spend(self) -> None:
        self.hours[_hour(self.now)] = self.hours.get(_hour(self.now), 0) + 1

    def saved(self) -> str:
        return " ".join(f"{hour}/{count}" for hour, count in sorted(self.hours.items()))

    def __str__(self) -> str:
        frees = datetime.fromtimestamp(min(self.hours) + 25 * HOUR, UTC) if self.hours else None
        when = f"; more from {until(frees, self.now)}" if frees else ""
        return (
            f"Threads keyword search budget spent: {self.used} of max_searches_per_day "
            f"{self.cap} queries sent in the last 24 hours{when}"
        )


def search_budget(source: ThreadsSource, state: Cursor, now: datetime) -> str | None:
    """The budget line of a searching source's health (`earshot stats`), from its cursor."""
    if not (source.keywords or source.tags):
        return None
    cap = source.max_searches_per_day
    used = SearchBudget.of(state.get(BUDGET), now, cap).used
    return f"{used} of max_searches_per_day {cap} search queries sent in the last 24 hours"


class ThreadsListener(GraphListener[ThreadsSource]):
    platform = "Threads"

    def open(self, secrets: set[str]) -> None:
        cap = self.source.max_searches_per_day
        self.budget = SearchBudget(cap, self.now)  # before anything can fail: see `spent`
        self.kept: Cursor = {}  # the budget, as saved; see `carried`
        self.token = self.password(secrets, "Threads user access token")
        self.all_listed = True
        self.username = str(self._get("/me", {"fields": "id,username"})["username"])

    def streams(self, cursor: Cursor) -> list[Stream[dict]]:
        self.budget = SearchBudget.of(
            cursor.get(BUDGET), self.now, self.source.max_searches_per_day
        )
        # Replies first (see the module docstring).
        found = [self._replies(post, cursor) for post in self._recent_posts()]
        found += [self._search("keyword", term, cursor) for term in self.source.keywords]
        found += [self._search("tag", tag, cursor) for tag in self.source.tags]
        return found

    def carried(self, cursor: Cursor) -> Cursor:
        """The budget (updated as queries are sent: the run's cursor is this dict), and every
        post's mark while the recent posts could not all be listed."""
        if not self.all_listed:
            self.kept |= {k: v for k, v in cursor.items() if k != BUDGET}
        self._count()
        return self.kept

    def spent(self) -> Cursor:
        """The queries sent: Meta counts them though the run failed."""
        return {BUDGET: self.budget.saved()} if self.budget.hours else {}

    def _count(self) -> None:
        if saved := self.budget.saved():
            self.kept[BUDGET] = saved

    def _recent_posts(self) -> list[dict]:
        """The force's posts inside POST_WINDOW, newest first."""
        if not self.source.replies:
            return []
        since = int((self.now - POST_WINDOW).timestamp())
        left: str | None = None

        def page(after: str | None) -> tuple[list[dict], str | None]:
            nonlocal left
            params = {"fields": POST_FIELDS, "since": since, "limit": POSTS_PAGE}
            posts, left = self._page("/me/threads", params, after)
            return [p for p in posts if p.get("media_type") != REPOST], left

        found = [
            p
            for batch in pages(page, source=self.source.name, max_pages=self.source.max_pages)
            for p in batch
        ]
        self.all_listed = not left
        return found

    def _replies(self, post: dict, cursor: Cursor) -> Stream[dict]:
        """Every reply under the post, at any depth, newest first."""
        post_id = str(post["id"])

        def page(after: str | None) -> tuple[list[dict], str | None]:
            params = {"fields": REPLY_FIELDS, "reverse": "true"}
            replies, more = self._page(f"/{post_id}/conversation", params, after)
            return [reply | {"root_permalink": post.get("permalink")} for reply in replies], more

        key = f"post:{post_id}"
        return Stream(
            key, page, Watermark.parse(cursor.get(key)), _stamp, self._heard, posted(_stamp)
        )

    def _search(self, mode: Literal["keyword", "tag"], term: str, cursor: Cursor) -> Stream[dict]:
        """Posts the search finds, newest first, from the overlap window before the mark."""
        key = f"{mode}:{term}"
        mark = Watermark.parse(cursor.get(key))
        query = {
            "q": term,
            "search_type": "RECENT",
            "search_mode": mode.upper(),
            "fields": SEARCH_FIELDS,
        }
        if mark.time:
            query["since"] = int((mark.time - self.overlap).timestamp())

        def page(after: str | None) -> tuple[list[dict], str | None]:
            if not self.budget.left:
                self.held = str(self.budget)
                return [], None
            found, more = self._page("/keyword_search", query, after)
            if found:  # an empty answer is not counted by Meta
                self.budget.spend()
                self._count()
            if not self.budget.left:
                self.held = str(self.budget)  # stops the walk: the rest is read later
            return found, more

        return Stream(key, page, mark, _stamp, self._heard, posted(_stamp))

    def _page(self, path: str, params: dict, after: str | None) -> tuple[list[dict], str | None]:
        """One page of a Graph list, the one after the `after` token if given."""
        body = self._get(path, params | ({"after": after} if after else {}))
        return graph_data(body), next_after(body)

    def _get(self, path: str, params: dict) -> dict:
        url = str(self.source.api_url).rstrip("/") + path
        body, headers = self.get(url, {**params, "access_token": self.token})
        self.watch_usage(headers)
        return json_object(body)

    def _heard(self, item: dict) -> Mention | None:
        """A post or reply with words; one with only an image or video is not heard."""
        return self._to_mention(item, self.username) if item.get("text") else None

    def _to_mention(self, item: dict, force: str | None) -> Mention:
        author = optional(item, "username")
        heard = self.mention(
            str(required(item, "id", (str, int))),
            url=optional(item, "permalink"),
            page=optional(item, "root_permalink"),
            text=required(item, "text"),
            author=author or None,
            published=time_at(item, "timestamp"),
        )
        # The force's own account answering (or posting the words searched for).
        by_force = author is not None and author == force
        return heard.model_copy(update={"by_force": True}) if by_force else heard

    def explain(self, error: FetchError) -> str | None:
        return graph_error(
            error,
            self.source.connection,
            api="Threads API",
            needs="threads_keyword_search and threads_read_replies",
        )


def _hour(moment: datetime) -> int:
    seconds = int(moment.timestamp())
    return seconds - seconds % HOUR


def _stamp(item: dict) -> tuple[datetime, str]:
    return time_at(item, "timestamp"), str(required(item, "id", (str, int)))
