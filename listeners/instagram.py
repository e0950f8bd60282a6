"""Instagram: comments on the force's own media, media the force's account is tagged in, and
hashtags, from the Instagram Graph API (Instagram API with Facebook Login, served from
graph.facebook.com at the same GRAPH_VERSION as listeners/facebook.py).

Follows Meta's Instagram Platform reference: GET /{ig-user-id}/media
(https://developers.facebook.com/docs/instagram-platform/instagram-graph-api/reference/ig-user/media),
GET /{ig-media-id}/comments with the comments' `replies` expanded
(https://developers.facebook.com/documentation/instagram-platform/instagram-graph-api/reference/ig-media/comments,
https://developers.facebook.com/docs/instagram-api/guides/comment-moderation), GET
/{ig-user-id}/tags (https://developers.facebook.com/docs/instagram-api/reference/ig-user/tags:
cursor paging with `paging.cursors.after` but no `next` link), and the Hashtag Search API
(https://developers.facebook.com/documentation/instagram-platform/instagram-api-with-facebook-login/hashtag-search):
GET /ig_hashtag_search?user_id=…&q=… for a hashtag's id (static and global), then GET
/{ig-hashtag-id}/recent_media?user_id=… (https://developers.facebook.com/docs/instagram-api/
reference/ig-hashtag/recent-media: media of the last 24 hours only, at most 50 a page, "not
always in chronological order", no usernames, and an `after` cursor that is the same on every
page yet still gives the next one). Errors and usage headers are Graph's, read as
listeners/facebook.py reads them. The access token goes in `access_token`, as documented;
errors and logs show `***`.

Which media: the force's own, published in the last 14 days (POST_WINDOW, as Facebook's). The
force's own replies (a comment whose `username` is the force's account) are labelled the
force's. A comment's replies come with it; a reply is heard when its comment is on a page the
run reads.

Mentions: only `/tags` (media the account is tagged in) can be polled. Media and comments that
@mention the account in their text are reached through `mentioned_media` / `mentioned_comment`,
which need the media or comment id that only a `mentions` webhook delivers
(https://developers.facebook.com/documentation/instagram-platform/instagram-api-with-facebook-login/mentions):
not heard here.

Hashtags: Meta allows an account 30 unique hashtags in a rolling 7 days; a hashtag counts from
its first query for 7 days, and querying it again meanwhile is free and does not restart its
clock. The cursor keeps each hashtag queried with its first-query time (and its id, to ask
ig_hashtag_search once), also after a failed run; a run whose hashtags would make more than 30
unique in the 7 days is refused before it asks anything; from BUDGET_WARNING counted, each run
warns.

Cursor: per stream (`media:<id>`, `tags`, `hashtag:<name>`), a Watermark (newest time
indexed and the ids at that second); `hashtag-budget` holds the hashtags counted.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Annotated, Literal

from pydantic import Field, HttpUrl

from earshot.core.fetch import FetchError
from earshot.core.model import Mention
from earshot.core.profile import ApiSource
from listeners.api import json_object, optional, required, time_at
from listeners.base import Cursor, Heard, ListenerError, Stream
from listeners.graph import (
    GRAPH_VERSION,
    GraphListener,
    graph_data,
    graph_error,
    next_after,
    recent,
)
from listeners.watermark import Watermark, posted

MEDIA_FIELDS = "id,caption,timestamp,permalink"
COMMENT_FIELDS = "id,text,timestamp,username,replies{id,text,timestamp,username}"
TAGGED_FIELDS = "id,caption,timestamp,permalink,username"
HASHTAG_BUDGET = 30  # unique hashtags an account may query …
BUDGET_WINDOW = timedelta(days=7)  # … in this rolling window
BUDGET_WARNING = 25  # counted hashtags from which each run warns that few are left
BUDGET_KEY = "hashtag-budget"
RECENT_MEDIA_PAGE = 50  # recent_media's documented maximum `limit`
RECENT_MEDIA_SPAN = timedelta(hours=24)  # recent_media lists the last 24 hours' media only

Hashtag = Annotated[str, Field(pattern=r"^\w+$")]  # without "#"; Instagram refuses emoji


class InstagramSource(ApiSource):
    """The force's Instagram professional account (linked to its Facebook Page); the password
    is an access token of a user with a task on that Page."""

    kind: Literal["instagram"]
    connection: str
    graph_url: HttpUrl = HttpUrl(f"https://graph.facebook.com/{GRAPH_VERSION}")
    ig_user_id: Annotated[str, Field(pattern=r"^\d+$")]
    # The force's account name, without "@": its replies are labelled the force's.
    username: Annotated[str, Field(pattern=r"^[A-Za-z0-9._]{1,30}$")]
    # Needs the Instagram Public Content Access feature (App Review); 30 a week at most.
    hashtags: list[Hashtag] = Field(default_factory=list, max_length=HASHTAG_BUDGET)


@dataclass(frozen=True)
class Counted:
    """A hashtag counted against the account's weekly budget."""

    hashtag_id: str
    first_query: datetime


class InstagramListener(GraphListener[InstagramSource]):
    platform = "Instagram"

    def __init__(self, source: InstagramSource, *, now: datetime):
        super().__init__(source, now=now)
        self.budget: dict[str, Counted] | None = None  # read from the cursor by `streams`

    def open(self, secrets: set[str]) -> None:
        self.token = self.password(secrets, "access token")

    def streams(self, cursor: Cursor) -> list[Stream[dict]]:
        self.budget = budget = self._budget(cursor.get(BUDGET_KEY, ""))
        path = f"/{self.source.ig_user_id}/media"
        media, self.all_listed = recent(self, path, MEDIA_FIELDS, _posted, self._get)
        return [
            *(self._comments(m, cursor) for m in media),
            self._tagged(cursor),
            *(self._hashtag(h, cursor, budget) for h in self.source.hashtags),
        ]

    def listen(self, cursor: Cursor) -> Heard:
        """With the hashtags counted by this run's queries, known only once it has read, and
        a warning (in the source's health line) while few new hashtags are left."""
        heard = super().listen(cursor)
        kept = {k: v for k, v in heard.cursor.items() if k != BUDGET_KEY}
        warnings = heard.warnings
        if self.budget and len(self.budget) >= BUDGET_WARNING:
            warnings = [
                *warnings,
                f"hashtag budget: {len(self.budget)} of {HASHTAG_BUDGET} unique hashtags "
                f"counted in the last 7 days; the next one frees at "
                f"{_frees(self.budget):%Y-%m-%d %H:%M} UTC",
            ]
        return replace(heard, cursor=kept | self.spent(), warnings=warnings)

    def carried(self, cursor: Cursor) -> Cursor:
        """Media that left the window leave the cursor, once every recent one was listed."""
        return {} if self.all_listed else dict(cursor)

    def spent(self) -> Cursor:
        """The hashtags counted: Meta counts a query whether or not the run succeeds."""
        if not self.budget:
            return {}
        entries = (
            f"{name}/{c.hashtag_id}/{int(c.first_query.timestamp())}"
            for name, c in sorted(self.budget.items())
        )
        return {BUDGET_KEY: " ".join(entries)}

    # --- the hashtag budget -------------------------------------------------------------

    def _budget(self, saved: str) -> dict[str, Counted]:
        """The hashtags still counted, refusing a run that would go past the budget."""
        counted = {}
        for entry in saved.split():
            name, hashtag_id, seconds = entry.split("/")
            first = datetime.fromtimestamp(int(seconds), UTC)
            if first > self.now - BUDGET_WINDOW:
                counted[name] = Counted(hashtag_id, first)
        wanted = {h.lower() for h in self.source.hashtags}
        if len(unique := counted.keys() | wanted) > HASHTAG_BUDGET:
            new = sorted(wanted - counted.keys())
            raise ListenerError(
                self.source.name,
                f"hashtag budget: Instagram allows {HASHTAG_BUDGET} unique hashtags per "
                f"account in a rolling 7 days; querying {', '.join('#' + n for n in new)} "
                f"would make {len(unique)} ({len(counted)} counted since "
                f"{(self.now - BUDGET_WINDOW):%Y-%m-%d %H:%M} UTC); nothing was asked. The "
                f"next one frees at {_frees(counted):%Y-%m-%d %H:%M} UTC",
            )
        return counted

    def _hashtag_id(self, name: str, budget: dict[str, Counted]) -> str:
        """The hashtag's id, counting it against the budget from its first query (counted
        before asking: a query Meta counted must never be forgotten)."""
        key = name.lower()
        known = budget.get(key)
        if known and known.hashtag_id:
            return known.hashtag_id
        budget[key] = Counted("", known.first_query if known else self.now)
        body = self._get("/ig_hashtag_search", {"user_id": self.source.ig_user_id, "q": name})
        if not (found := graph_data(body)):
            raise ListenerError(
                self.source.name, f"Instagram knows no hashtag #{name}: check the profile"
            )
        budget[key] = Counted(str(found[0]["id"]), budget[key].first_query)
        return budget[key].hashtag_id

    # --- streams ------------------------------------------------------------------------

    def _comments(self, media: dict, cursor: Cursor) -> Stream[dict]:
        """The media's comments, each followed by its replies, down to its watermark."""
        media_id = str(media["id"])

        def page(after: str | None) -> tuple[list[dict], str | None]:
            params = {"fields": COMMENT_FIELDS, "limit": 50} | ({"after": after} if after else {})
            body = self._get(f"/{media_id}/comments", params)
            found = [c for comment in graph_data(body) for c in (comment, *_replies(comment))]
            return found, next_after(body)

        def mention(comment: dict) -> Mention | None:
            return self._to_mention(comment, media) if comment.get("text") else None

        key = f"media:{media_id}"
        return Stream(key, page, Watermark.parse(cursor.get(key)), _stamp, mention, posted(_stamp))

    def _tagged(self, cursor: Cursor) -> Stream[dict]:
        """Others' media the account is tagged in; /tags gives `after` but no `next` link."""

        def page(after: str | None) -> tuple[list[dict], str | None]:
            params = {"fields": TAGGED_FIELDS, "limit": 25} | ({"after": after} if after else {})
            body = self._get(f"/{self.source.ig_user_id}/tags", params)
            paging = body.get("paging") or {}
            return graph_data(body), (paging.get("cursors") or {}).get("after")

        mark = Watermark.parse(cursor.get("tags"))
        return Stream("tags", page, mark, _stamp, self._captioned, posted(_stamp))

    def _hashtag(self, name: str, cursor: Cursor, budget: dict[str, Counted]) -> Stream[dict]:
        """The hashtag's media of the last 24 hours. recent_media repeats the same `after` on
        every page, so the page token carries the page's number too; its media are "not
        always in chronological order", so every page is read (media heard earlier are
        known for the 24 hours they are listed), not only down to the last one heard."""

        def page(token: str | None) -> tuple[list[dict], str | None]:
            number, _, after = (token or "1 ").partition(" ")
            params = {
                "user_id": self.source.ig_user_id,
                "fields": MEDIA_FIELDS,
                "limit": RECENT_MEDIA_PAGE,
            } | ({"after": after} if after else {})
            body = self._get(f"/{self._hashtag_id(name, budget)}/recent_media", params)
            more = next_after(body)
            return graph_data(body), f"{int(number) + 1} {more}" if more else None

        key = f"hashtag:{name.lower()}"
        mark = Watermark.parse(cursor.get(key))
        return Stream(
            key, page, mark, _stamp, self._captioned, posted(_stamp), lasts=RECENT_MEDIA_SPAN
        )

    # --- shared -------------------------------------------------------------------------

    def _get(self, path: str, params: dict) -> dict:
        body, headers = self.get(
            str(self.source.graph_url).rstrip("/") + path, {**params, "access_token": self.token}
        )
        self.watch_usage(headers)
        return json_object(body)

    def _captioned(self, media: dict) -> Mention | None:
        return self._to_mention(media, media) if media.get("caption") else None

    def _to_mention(self, item: dict, media: dict) -> Mention:
        """A comment (text) on `media`, or a medium itself (caption); comments have no link
        of their own, so they carry their medium's."""
        author = optional(item, "username")
        heard = self.mention(
            str(required(item, "id", (str, int))),
            url=optional(media, "permalink") if item is media else None,
            page=optional(media, "permalink"),
            text=required(item, "text" if "text" in item else "caption"),
            author=author,
            published=time_at(item, "timestamp"),
        )
        by_force = author is not None and author.lower() == self.source.username.lower()
        return heard.model_copy(update={"by_force": True}) if by_force else heard

    def explain(self, error: FetchError) -> str | None:
        return graph_error(error, self.source.connection)


def _frees(budget: dict[str, Counted]) -> datetime:
    """When the hashtag counted longest ago stops counting."""
    return min(c.first_query for c in budget.values()) + BUDGET_WINDOW


def _replies(comment: dict) -> list[dict]:
    replies = comment.get("replies") or {"data": []}
    return graph_data(replies)


def _posted(item: dict) -> datetime:
    return time_at(item, "timestamp")


def _stamp(item: dict) -> tuple[datetime, str]:
    """Where a comment or a medium sits in its newest-first listing."""
    return _posted(item), str(item["id"])
