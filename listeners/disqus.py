"""Disqus: comments under local news articles, by the news site's forum and, if asked, thread.

Follows the Disqus API 3.0 reference: forums/listPosts (https://disqus.com/api/docs/forums/
listPosts/) and threads/listPosts (https://disqus.com/api/docs/threads/listPosts/) with
limit=100, order=desc and related=thread (each post carries its article's link and title);
cursor paging, more while `cursor.hasNext`, the next page asked with `cursor=<cursor.next>`
(https://disqus.com/api/docs/cursors/); the X-Ratelimit-Limit / -Remaining / -Reset headers
(https://disqus.com/api/docs/ratelimits/; a basic account has 1,000 requests an hour) and
error bodies {"code": n, "response": "why"} (https://disqus.com/api/docs/errors/). The API key
(the application's public key) goes in the `api_key` parameter, as documented; errors and
logs show `***`.

Order: newest first (order=desc), walked down to the stream's watermark like every other
listener, so the overlap window hears a comment a moderator approved after the run that passed
its place. Disqus's `since` is not used: with order=asc it reads oldest first, which the
newest-first walk and its overlap re-read cannot follow, and with order=desc users report it
bounding the listing from above (the reference does not say), so it cannot stand for the cursor.

Times: Disqus writes `createdAt` in UTC without an offset ("2026-11-21T06:50:00").

Cursor: per stream (`forum:<name>`, `thread:<id>`), a Watermark (newest comment time indexed,
and the ids at that second). A stream with more new comments than max_pages pages (100 each)
in one run loses the oldest of them, and that is warned. At a spent hourly budget the run stops
asking, keeps what was read, and the next runs wait until Disqus resets it
(X-Ratelimit-Reset); a request refused for a spent limit (error 13 or 14, or a 429) fails the
run and waits the same: the wait every platform's 429 gets (earshot/app/platform_waits.py).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Literal

from pydantic import Field, HttpUrl

from earshot.core.fetch import FetchError
from earshot.core.model import Mention
from earshot.core.profile import ApiSource, Strict
from listeners.api import (
    Malformed,
    Reset,
    error_json,
    json_object,
    optional,
    required,
    utc,
)
from listeners.base import Cursor, Listener, Stream
from listeners.html_text import plain_text
from listeners.watermark import Watermark, posted

PAGE_SIZE = 100  # the documented maximum of `limit`
# Disqus error codes: "You have exceeded the rate limit for this resource", "… for your account"
RATE_LIMITED = (13, 14)
BAD_KEY = (5,)  # "Invalid API key"


class Forum(Strict):
    """A news site's Disqus forum (its shortname, as in <shortname>.disqus.com); `threads`
    names the articles to follow there (thread ids); none: every comment on the site."""

    name: Annotated[str, Field(pattern=r"^[a-z0-9_-]+$")]
    threads: list[Annotated[str, Field(pattern=r"^\d+$")]] = Field(default_factory=list)


class DisqusSource(ApiSource):
    """Comments on news sites' Disqus forums; the connection's password is the API key."""

    kind: Literal["disqus"]
    connection: str
    api_url: HttpUrl = HttpUrl("https://disqus.com/api/3.0")
    forums: list[Forum] = Field(min_length=1)


class DisqusListener(Listener[DisqusSource]):
    platform = "Disqus"
    reset = Reset("x-ratelimit-reset")  # Unix seconds: when the hour's requests are back

    def open(self, secrets: set[str]) -> None:
        self.key = self.password(secrets, "API key")

    def streams(self, cursor: Cursor) -> list[Stream[dict]]:
        found = []
        for forum in self.source.forums:
            if not forum.threads:
                found.append((f"forum:{forum.name}", "/forums/listPosts", {"forum": forum.name}))
            for thread in forum.threads:
                query = {"forum": forum.name, "thread": thread}
                found.append((f"thread:{thread}", "/threads/listPosts", query))
        return [self._posts(key, path, query, cursor) for key, path, query in found]

    def _posts(self, key: str, path: str, query: dict, cursor: Cursor) -> Stream[dict]:
        def page(token: str | None) -> tuple[list[dict], str | None]:
            params = {**query, "limit": PAGE_SIZE, "order": "desc", "related": "thread"}
            body = self._get(path, params | ({"cursor": token} if token else {}))
            posts = body["response"]
            if not isinstance(posts, list):
                raise TypeError(f"response is {type(posts).__name__}, not a list")
            more = body["cursor"]
            return posts, more["next"] if more.get("hasNext") else None

        mark = Watermark.parse(cursor.get(key))
        return Stream(key, page, mark, _stamp, self._to_mention, posted(_stamp))

    def _get(self, path: str, params: dict) -> dict:
        url = str(self.source.api_url).rstrip("/") + path + ".json"
        body, headers = self.get(url, {**params, "api_key": self.key})
        self.watch_rate_limit(headers, "X-Ratelimit-Remaining", "Disqus hourly request limit spent")
        return json_object(body)

    def _to_mention(self, post: dict) -> Mention | None:
        """Deleted and spam comments are not heard; an anonymous author stays unnamed."""
        if post.get("isDeleted") or post.get("isSpam"):
            return None
        post_id = str(required(post, "id", (str, int)))
        anonymous = optional(post, "author.isAnonymous", bool)
        return self.mention(
            post_id,
            url=f"{required(post, 'thread.link')}#comment-{post_id}",
            title=optional(post, "thread.clean_title") or optional(post, "thread.title") or "",
            text=optional(post, "raw_message") or plain_text(required(post, "message")),
            author=None if anonymous else optional(post, "author.name"),
            published=_created(post),
        )

    def rate_limited(self, error: FetchError) -> bool:
        """Disqus says a spent limit with its error code, whatever the HTTP status."""
        return super().rate_limited(error) or error_json(error).get("code") in RATE_LIMITED

    def explain(self, error: FetchError) -> str | None:
        """Disqus errors are JSON: {"code": 13, "response": "You have exceeded …"}."""
        found = error_json(error)
        if "code" not in found:
            return None
        said = f"Disqus error {found['code']} (HTTP {error.status}): {found.get('response')}"
        if self.rate_limited(error):
            return f"rate limited: {said}{self.try_again_after(error)}"
        if found["code"] in BAD_KEY:
            return f"{said}; check the API key in connection {self.source.connection!r}"
        return said


def _created(post: dict) -> datetime:
    """createdAt is UTC without an offset; one given with an offset is read as written."""
    stamp = required(post, "createdAt")
    try:
        created = datetime.fromisoformat(stamp)
        return utc(stamp) if created.tzinfo else created.replace(tzinfo=UTC)
    except ValueError as e:
        raise Malformed(f"createdAt is not a time: {e}") from None


def _stamp(post: dict) -> tuple[datetime, str]:
    return _created(post), str(required(post, "id", (str, int)))
