"""Facebook: comments on the force page's recent posts, from the Graph API.

Follows Meta's Graph API reference: GET /{page-id}/posts
(https://developers.facebook.com/docs/graph-api/reference/page/feed), GET /{post-id}/comments
with filter=stream (all comments and replies), order=reverse_chronological and `since`
(https://developers.facebook.com/docs/graph-api/reference/object/comments,
https://developers.facebook.com/docs/graph-api/reference/page-post/comments), cursor paging
(`paging.cursors.after`, more while `paging.next` is given:
https://developers.facebook.com/docs/graph-api/results), error objects
(https://developers.facebook.com/docs/graph-api/guides/error-handling) and the usage headers
of https://developers.facebook.com/docs/graph-api/overview/rate-limiting. The page access
token goes in the `access_token` parameter, as documented; errors and logs show `***`.

Graph version: GRAPH_VERSION (listeners/graph.py), the one place it is named: the newest when
last checked (v26.0, released 29 July 2026; each version is served about two years,
https://developers.facebook.com/docs/graph-api/changelog/versions/). Move it on when Meta
announces the next; v21.0, the old default, is served only until 21 January 2027.

The force's own replies (a comment `from` the Page itself) are labelled the force's.

Posts by others about the Page, from the Page edges the source names in `also_hear`:
`tagged` (posts the Page is tagged in, GET /{page-id}/tagged,
https://developers.facebook.com/docs/graph-api/reference/page/tagged) and `visitor_posts`
(posts visitors left on the Page,
https://developers.facebook.com/docs/graph-api/reference/page/visitor_posts). Opt-in: Meta
says both "may" also need the Page Public Content Access feature (its own App Review),
which a comments-only app does not have, and its visitor_posts reference says the edge is
not served for Pages moved to the New Pages Experience. Graph returns a tagged post's
`from` only to its author, so one is heard without it. Cursor: one Watermark per edge,
under its name.

Which posts: the Page's newest `max_posts` (default 100, one request of POSTS_PAGE) are
listed with `updated_time`, which the Page Post reference defines as the time the post was
created, last edited or last commented on
(https://developers.facebook.com/docs/graph-api/reference/page-post, field `updated_time`;
also a PagePost field in Meta's business SDK, facebook_business/adobjects/pagepost.py).
Comments are read on the listed posts that are active: published or updated in the last
POST_WINDOW (14 days). So a new comment on a month-old post is heard, and an old post nobody
touched costs no request. The /posts edge sorts by publish time and offers no order or
filter by `updated_time` (the SDK's Page.get_posts takes include_hidden, limit, q,
show_expired, with), so an active post older than the newest `max_posts` is not heard; a run
whose listing was cut there says so. Meta's documented push for every new comment is the Page
`feed` webhook, which needs a public HTTPS endpoint a pull pipeline does not have.

Cursor: per post (`post:<id>`), a Watermark (newest comment time indexed, and the ids at that
second), and the comments heard in the overlap window behind it (listeners/overlap.py). The
order asked for is only a preference: "If the comments can be ranked, then the order will
always be ranked regardless of this modifier" (page-post/comments reference), so a comment
heard before can come ahead of new ones. A post's comments are therefore asked `since` the
overlap window behind the newest one heard and read to their last page, skipping those heard
in that window (a Stream that `lasts` the overlap, as Instagram's hashtags are read). When a
usage header nears its limit the run stops asking and keeps the watermark of the post it was
reading, so the first run after Meta's wait (listeners/graph.py) reads that post again rather
than skip what it had not reached. Only
a post with more new comments than max_pages pages in one run can lose some, and that is
warned.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Literal

from pydantic import Field, HttpUrl

from earshot.core.fetch import FetchError
from earshot.core.model import Mention
from earshot.core.profile import ApiSource
from listeners import overlap
from listeners.api import json_object, optional, required, time_at
from listeners.base import Cursor, Heard, Stream, pages
from listeners.graph import (
    GRAPH_VERSION,
    POST_WINDOW,
    GraphListener,
    graph_data,
    graph_error,
    next_after,
)
from listeners.watermark import Watermark, posted

POSTS_PAGE = 100  # posts asked per listing request; Graph may give fewer, paging goes on
POST_FIELDS = "id,message,created_time,updated_time,permalink_url"
COMMENT_FIELDS = "id,message,created_time,from{name,id},permalink_url"
PAGE_POST_FIELDS = "id,message,created_time,permalink_url,from{name,id}"
PageEdge = Literal["tagged", "visitor_posts"]


class FacebookSource(ApiSource):
    """Comments on the force page's posts (Graph API); the password is a page access token."""

    kind: Literal["facebook"]
    connection: str
    graph_url: HttpUrl = HttpUrl(f"https://graph.facebook.com/{GRAPH_VERSION}")
    page_id: str
    also_hear: tuple[PageEdge, ...] = ()  # others' posts about the Page (see the module docstring)
    max_posts: int = Field(default=100, gt=0, le=1000)  # newest posts listed each run


class FacebookListener(GraphListener[FacebookSource]):
    platform = "Facebook"

    def open(self, secrets: set[str]) -> None:
        self.token = self.password(secrets, "page access token")

    def listen(self, cursor: Cursor) -> Heard:
        heard = super().listen(cursor)
        if not self.cut:
            return heard
        cut = (
            f"listed the newest {self.source.max_posts} posts (max_posts) and the Page has "
            "older ones: new comments on those are not heard"
        )
        return replace(heard, warnings=[*heard.warnings, cut])

    def streams(self, cursor: Cursor) -> list[Stream[dict]]:
        self.listed = self._listed_posts()
        oldest = self.now - POST_WINDOW
        active = [p for p in self.listed if _last_active(p) >= oldest]
        comments = [self._comments(post, cursor) for post in active]
        return [*(self._page_edge(e, cursor) for e in self.source.also_hear), *comments]

    def carried(self, cursor: Cursor) -> Cursor:
        """A quiet listed post keeps its watermark for when it is commented on again; a post
        no longer listed leaves the cursor, unless the listing itself was held short."""
        if self.held:
            return dict(cursor)
        listed = {f"post:{p['id']}" for p in self.listed}
        return {k: v for k, v in cursor.items() if k.removeprefix("heard:") in listed}

    def _listed_posts(self) -> list[dict]:
        """The Page's newest `max_posts` posts, newest first; `cut` says if it has more."""
        self.cut = False
        room = self.source.max_posts

        def page(after: str | None) -> tuple[list[dict], str | None]:
            nonlocal room
            params = {"fields": POST_FIELDS, "limit": POSTS_PAGE} | (
                {"after": after} if after else {}
            )
            body = self._get(f"/{self.source.page_id}/posts", params)
            posts, left = graph_data(body), next_after(body)
            kept, room = posts[:room], max(room - len(posts), 0)
            self.cut = len(kept) < len(posts) or (not room and left is not None)
            return kept, None if self.held or not room else left

        # Never the bound that stops it: every page but an empty last one lists a post.
        walk = pages(page, source=self.source.name, max_pages=self.source.max_posts)
        return [post for batch in walk for post in batch]

    def _comments(self, post: dict, cursor: Cursor) -> Stream[dict]:
        """The post's comments since the overlap window behind the newest one heard, every
        page of them: Graph ranks comments when it can, whatever `order` asks, so a comment
        heard before may come ahead of new ones."""
        post_id = str(post["id"])
        key = f"post:{post_id}"
        reach = overlap.Recent.parse(cursor.get(overlap.key(key)), self.overlap).reach
        asked = {
            "fields": COMMENT_FIELDS,
            "filter": "stream",
            "order": "reverse_chronological",
            "limit": 100,
        } | ({"since": int(reach.timestamp())} if reach else {})

        def page(after: str | None) -> tuple[list[dict], str | None]:
            body = self._get(f"/{post_id}/comments", asked | ({"after": after} if after else {}))
            return graph_data(body), next_after(body)

        def mention(comment: dict) -> Mention | None:
            return self._to_mention(comment, post) if comment.get("message") else None

        mark = Watermark.parse(cursor.get(key))
        return Stream(key, page, mark, _stamp, mention, posted(_stamp), lasts=self.overlap)

    def _page_edge(self, edge: PageEdge, cursor: Cursor) -> Stream[dict]:
        """Others' posts on one Page edge, newest first, down to that edge's watermark."""

        def page(after: str | None) -> tuple[list[dict], str | None]:
            params = {"fields": PAGE_POST_FIELDS, "limit": 25} | ({"after": after} if after else {})
            body = self._get(f"/{self.source.page_id}/{edge}", params)
            return graph_data(body), next_after(body)

        def mention(post: dict) -> Mention | None:
            return self._to_mention(post, post) if post.get("message") else None

        mark = Watermark.parse(cursor.get(edge))
        return Stream(edge, page, mark, _stamp, mention, posted(_stamp))

    def _get(self, path: str, params: dict) -> dict:
        body, headers = self.get(
            str(self.source.graph_url).rstrip("/") + path, {**params, "access_token": self.token}
        )
        self.watch_usage(headers)
        return json_object(body)

    def _to_mention(self, comment: dict, post: dict) -> Mention:
        heard = self.mention(
            str(required(comment, "id", (str, int))),
            url=optional(comment, "permalink_url"),
            page=optional(post, "permalink_url"),
            text=required(comment, "message"),
            author=optional(comment, "from.name"),
            published=time_at(comment, "created_time"),
        )
        # The Page answering on its own post: the force's reply, not a public mention.
        by_force = str(optional(comment, "from.id", (str, int))) == self.source.page_id
        return heard.model_copy(update={"by_force": True}) if by_force else heard

    def explain(self, error: FetchError) -> str | None:
        return graph_error(error, self.source.connection, token="page access token")


def _last_active(post: dict) -> datetime:
    """When the post was last published, edited or commented on (`updated_time`)."""
    return time_at(post, "updated_time" if optional(post, "updated_time") else "created_time")


def _stamp(item: dict) -> tuple[datetime, str]:
    """Where a comment or another's post sits in its newest-first listing."""
    return time_at(item, "created_time"), str(required(item, "id", (str, int)))
