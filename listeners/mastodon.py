"""Mastodon: hashtag timelines and status search on one instance.

Follows the Mastodon API documentation: GET /api/v1/timelines/tag/:hashtag and
GET /api/v2/search?type=statuses (https://docs.joinmastodon.org/methods/timelines/,
https://docs.joinmastodon.org/methods/search/), paginated by the Link header
(https://docs.joinmastodon.org/api/guidelines/#pagination), newest first, up to 40 a
page. The cursor keeps, per hashtag or search, the newest status id indexed; the next
run asks only for statuses newer than it (`since_id`).
"""

from __future__ import annotations

from datetime import datetime

import httpx

from earshot.core.fetch import get_json
from earshot.core.model import Mention, mention_id
from earshot.core.profile import MastodonSource
from listeners.api import failures, secret
from listeners.base import Cursor, Heard
from listeners.html_text import plain_text
from listeners.walk import Walk, walk_to_cursor

PAGE_SIZE = 40


class MastodonListener:
    def __init__(self, source: MastodonSource, *, now: datetime):
        self.source = source
        self.now = now
        self.base = str(source.instance).rstrip("/")

    def listen(self, cursor: Cursor) -> Heard:
        with failures(self.source.name, "Mastodon") as secrets:
            headers = self._auth(secrets)
            streams = [(f"tag:{t}", f"/api/v1/timelines/tag/{t}", {}) for t in self.source.hashtags]
            streams += [
                (f"search:{q}", "/api/v2/search", {"q": q, "type": "statuses", "resolve": "false"})
                for q in self.source.search
            ]
            mentions: list[Mention] = []
            warnings: list[str] = []
            new_cursor = dict(cursor)
            for key, path, params in streams:
                walk = self._newer_than(cursor.get(key), path, params, headers)
                mentions += [self._to_mention(s) for s in walk.items]
                if walk.items:
                    new_cursor[key] = str(max(int(s["id"]) for s in walk.items))
                if gap := walk.gap(key, resumed=key in cursor):
                    warnings.append(gap)
        return Heard(mentions=mentions, cursor=new_cursor, warnings=warnings)

    def _auth(self, secrets: set[str]) -> dict[str, str]:
        if not self.source.connection:
            return {}
        token = secret(self.source.connection, "access token")
        secrets.add(token)
        return {"Authorization": f"Bearer {token}"}

    def _newer_than(self, since_id: str | None, path: str, params: dict, headers: dict) -> Walk:
        def page(max_id: str | None) -> tuple[list, str | None]:
            query = {**params, "limit": PAGE_SIZE}
            query |= {"since_id": since_id} if since_id else {}
            query |= {"max_id": max_id} if max_id else {}
            body, response_headers = get_json(
                self.base + path,
                params=query,
                headers=headers,
                timeout=self.source.timeout_seconds,
                max_bytes=self.source.max_bytes,
            )
            statuses = body["statuses"] if isinstance(body, dict) else body
            if not isinstance(statuses, list):
                raise ValueError(f"expected a list of statuses, got {type(statuses).__name__}")
            return statuses, _next_max_id(response_headers)

        return walk_to_cursor(
            page,
            lambda s: not since_id or int(s["id"]) > int(since_id),
            source=self.source.name,
            max_pages=self.source.max_pages,
        )

    def _to_mention(self, status: dict) -> Mention:
        text = plain_text(status.get("content") or "")
        if warning := status.get("spoiler_text"):
            text = f"{plain_text(warning)}\n{text}"
        return Mention(
            id=mention_id(self.source.name, status["uri"]),
            source=self.source.name,
            source_kind=self.source.kind,
            url=status.get("url") or status["uri"],
            title="",
            text=text,
            author="@" + status["account"]["acct"],
            published=datetime.fromisoformat(status["created_at"].replace("Z", "+00:00")),
            fetched=self.now,
        )


def _next_max_id(headers: httpx.Headers) -> str | None:
    """The `max_id` of the Link header's rel="next" URL (RFC 8288), if any."""
    for part in headers.get("link", "").split(","):
        url, _, attributes = part.partition(";")
        if 'rel="next"' in attributes.replace(" ", ""):
            return httpx.URL(url.strip().strip("<>")).params.get("max_id")
    return None
