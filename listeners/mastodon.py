"""Mastodon: hashtag timelines and status search on one instance.

Follows the Mastodon API documentation: GET /api/v1/timelines/tag/:hashtag and
GET /api/v2/search?type=statuses (https://docs.joinmastodon.org/methods/timelines/,
https://docs.joinmastodon.org/methods/search/), paginated by the Link header
(https://docs.joinmastodon.org/api/guidelines/#pagination), newest first, up to 40 a
page. The cursor keeps, per hashtag or search, the newest status id indexed; the next
run asks only for statuses newer than it (`since_id`).
"""

from __future__ import annotations

from typing import Annotated, Literal

import httpx
from pydantic import Field, HttpUrl, model_validator

from earshot.core.model import Mention
from earshot.core.profile import ApiSource
from listeners.api import utc
from listeners.base import Cursor, Listener, Stream
from listeners.html_text import plain_text
from listeners.watermark import NewestId

PAGE_SIZE = 40


class MastodonSource(ApiSource):
    """Hashtag timelines (public) and status search (needs a token) on one instance."""

    kind: Literal["mastodon"]
    instance: HttpUrl
    hashtags: list[Annotated[str, Field(pattern=r"^\w+$")]] = Field(default_factory=list)
    search: list[str] = Field(default_factory=list)

    @model_validator(mode="after")
    def _something_to_follow(self) -> MastodonSource:
        if not (self.hashtags or self.search):
            raise ValueError("give hashtags (without #) or search terms")
        if self.search and not self.connection:
            raise ValueError("search needs a connection holding an access token")
        return self


class MastodonListener(Listener[MastodonSource]):
    platform = "Mastodon"

    def open(self, secrets: set[str]) -> None:
        self.headers: dict[str, str] = {}
        if self.source.connection:
            token = self.password(secrets, "access token")
            self.headers = {"Authorization": f"Bearer {token}"}

    def streams(self, cursor: Cursor) -> list[Stream]:
        base = str(self.source.instance).rstrip("/")
        found = [(f"tag:{t}", f"{base}/api/v1/timelines/tag/{t}", {}) for t in self.source.hashtags]
        found += [
            (
                f"search:{q}",
                f"{base}/api/v2/search",
                {"q": q, "type": "statuses", "resolve": "false"},
            )
            for q in self.source.search
        ]
        return [self._stream(key, url, params, cursor.get(key)) for key, url, params in found]

    def _stream(self, key: str, url: str, params: dict, since_id: str | None) -> Stream[dict]:
        def page(max_id: str | None) -> tuple[list[dict], str | None]:
            query = {**params, "limit": PAGE_SIZE}
            query |= {"since_id": since_id} if since_id else {}
            query |= {"max_id": max_id} if max_id else {}
            body, response_headers = self.get(url, query, self.headers)
            statuses = body["statuses"] if isinstance(body, dict) else body
            if not isinstance(statuses, list):
                raise ValueError(f"expected a list of statuses, got {type(statuses).__name__}")
            return statuses, _next_max_id(response_headers)

        return Stream(key, page, NewestId(since_id, int), _status_id, self._to_mention)

    def _to_mention(self, status: dict) -> Mention:
        text = plain_text(status.get("content") or "")
        if warning := status.get("spoiler_text"):
            text = f"{plain_text(warning)}\n{text}"
        return self.mention(
            status["uri"],
            url=status.get("url") or status["uri"],
            text=text,
            author="@" + status["account"]["acct"],
            published=utc(status["created_at"]),
        )


def _status_id(status: dict) -> str:
    return str(status["id"])


def _next_max_id(headers: httpx.Headers) -> str | None:
    """The `max_id` of the Link header's rel="next" URL (RFC 8288), if any."""
    for part in headers.get("link", "").split(","):
        url, _, attributes = part.partition(";")
        if 'rel="next"' in attributes.replace(" ", ""):
            return httpx.URL(url.strip().strip("<>")).params.get("max_id")
    return None
