"""Reddit: search by the profile's terms, and the area's subreddits' new posts and comments.

Follows Reddit's API documentation: application-only OAuth (POST /api/v1/access_token,
grant_type=client_credentials, HTTP basic auth with the app's client id and secret;
https://github.com/reddit-archive/reddit/wiki/OAuth2#application-only-oauth); the API
rules (a unique, descriptive User-Agent `<platform>:<app ID>:<version> (by /u/<user>)`,
and the X-Ratelimit-Used / -Remaining / -Reset headers on every response;
https://github.com/reddit-archive/reddit/wiki/API); and the endpoint reference
(https://www.reddit.com/dev/api/): GET /search (q, sort=new, type=link), GET /r/<sub>/new,
GET /r/<sub>/comments, each a Listing (`data.children[].data`) of up to 100 things,
paged with `after` = the Listing's `data.after`, and `raw_json=1` so text comes without
the legacy HTML escaping (&amp;, &lt;, &gt;). A term of several words is searched as a
quoted phrase, as Lucene syntax (the `syntax` default of GET /search) writes one.

Cursor: per stream (`search:<term>`, `new:<sub>`, `comments:<sub>`) the fullname of the
newest thing indexed. Reddit ids are base-36 sequence numbers, so "newer" is "larger id",
exact where `created_utc` (whole seconds) ties. Search indexes some posts late, below newer
ones: paging goes on through the overlap window behind the newest thing heard and skips
what was heard there before (listeners/overlap.py). An answer whose X-Ratelimit-Remaining is 0
ends the run with what it heard, the cursor held where the stream stopped; the next runs
wait for its X-Ratelimit-Reset (seconds left), as for a 429's (earshot/app/platform_waits.py).
"""

from __future__ import annotations

import base64
from collections.abc import Iterator
from datetime import datetime
from importlib.metadata import PackageNotFoundError, version
from typing import Annotated, Literal

from pydantic import Field, HttpUrl, model_validator

from earshot.core.connections import Credentials, MissingCredentials, credentials
from earshot.core.fetch import FetchError, post_json
from earshot.core.model import Mention
from earshot.core.profile import ApiSource
from listeners.api import Reset, epoch, json_object, optional, phrase, required
from listeners.base import Cursor, Listener, Page, Stream
from listeners.watermark import NewestId

PAGE_SIZE = 100
WEB = "https://www.reddit.com"
KINDS = {"t1", "t3"}  # comment, link (post); a Listing may also hold "more" stubs


class RedditSource(ApiSource):
    """Reddit search by terms, and the area's subreddits' new posts and comments (OAuth,
    app-only). The connection holds the app's client id (login) and secret (password)."""

    kind: Literal["reddit"]
    connection: str
    api_url: HttpUrl = HttpUrl("https://oauth.reddit.com")
    token_url: HttpUrl = HttpUrl("https://www.reddit.com/api/v1/access_token")
    terms: list[str] = Field(default_factory=list)
    subreddits: list[Annotated[str, Field(pattern=r"^\w+$")]] = Field(default_factory=list)

    @model_validator(mode="after")
    def _something_to_follow(self) -> RedditSource:
        if not (self.terms or self.subreddits):
            raise ValueError("give search terms or subreddits (without r/)")
        return self


class RedditListener(Listener[RedditSource]):
    platform = "Reddit"
    # Seconds left in the period, on a 429 as on every answer (`watch_rate_limit`).
    reset = Reset("x-ratelimit-reset", "seconds left")

    def open(self, secrets: set[str]) -> None:
        self.headers = self._authorised(_app_credentials(self.source.connection), secrets)

    def streams(self, cursor: Cursor) -> list[Stream[dict]]:
        return [
            Stream(
                key,
                self._pager(path, params),
                NewestId(cursor.get(key), _number),
                _fullname,
                self._to_mention,
                _posted,
            )
            for key, path, params in self._listings()
        ]

    def _listings(self) -> Iterator[tuple[str, str, dict]]:
        listing = {"limit": PAGE_SIZE, "raw_json": 1}
        for term in self.source.terms:
            search = {
                "q": phrase(term),
                "sort": "new",
                "limit": PAGE_SIZE,
                "type": "link",
                "raw_json": 1,
            }
            yield f"search:{term}", "/search", search
        for sub in self.source.subreddits:
            yield f"new:{sub}", f"/r/{sub}/new", listing
            yield f"comments:{sub}", f"/r/{sub}/comments", listing

    def _authorised(self, app: Credentials, secrets: set[str]) -> dict[str, str]:
        """One app-only token per run: it lasts an hour or more, a run takes seconds."""
        secrets.add(app.password)
        agent = user_agent(app)
        basic = base64.b64encode(f"{app.login}:{app.password}".encode()).decode()
        answer = post_json(
            str(self.source.token_url),
            data={"grant_type": "client_credentials"},
            headers={"Authorization": f"Basic {basic}", "User-Agent": agent},
            timeout=self.source.timeout_seconds,
            as_form=True,
        )
        if isinstance(answer, dict) and "error" in answer and "access_token" not in answer:
            # Reddit answers some refusals (a wrong grant) with 200 and an error field.
            raise FetchError(
                f"token refused by {self.source.token_url}: {answer['error']}; "
                "check the source's connection"
            )
        secrets.add(token := json_object(answer)["access_token"])
        return {"Authorization": f"bearer {token}", "User-Agent": agent}

    def _pager(self, path: str, params: dict) -> Page:
        def page(after: str | None) -> tuple[list[dict], str | None]:
            body, response_headers = self.get(
                str(self.source.api_url).rstrip("/") + path,
                params | ({"after": after} if after else {}),
                self.headers,
            )
            self.watch_rate_limit(
                response_headers, "X-Ratelimit-Remaining", "Reddit rate limit spent"
            )
            listing = json_object(body)["data"]
            things = [child["data"] for child in listing["children"] if child["kind"] in KINDS]
            return things, listing["after"]

        return page

    def _to_mention(self, thing: dict) -> Mention:
        name = _fullname(thing)
        comment = name.startswith("t1_")
        permalink = optional(thing, "permalink")
        author = optional(thing, "author")
        return self.mention(
            name,
            url=WEB + permalink if permalink else None,
            page=optional(thing, "link_permalink"),
            title="" if comment else required(thing, "title"),
            text=required(thing, "body") if comment else optional(thing, "selftext") or "",
            # The bare username, as Reddit gives it, so the force's own account is recognised.
            author=None if author in (None, "[deleted]") else author,
            published=_posted(thing),
        )


def user_agent(app: Credentials) -> str:
    """Reddit throttles generic agents hard and wants a way to reach the operator: the
    connection's extra `username` (a Reddit account) is the contact."""
    try:
        release = version("earshot")
    except PackageNotFoundError:
        release = "dev"
    contact = f" (by /u/{app.extra['username']})" if app.extra.get("username") else ""
    return f"python:earshot:v{release}{contact}"


def _app_credentials(connection: str) -> Credentials:
    app = credentials(connection)
    if not (app.login and app.password):
        raise MissingCredentials(
            f"connection {connection!r} needs the Reddit app's client id as login "
            "and its secret as password"
        )
    return app


def _number(fullname: str) -> int:
    """t3_1h2k3l → its base-36 sequence number; newer things have larger ones."""
    kind, _, base36 = fullname.partition("_")
    if kind not in KINDS:
        raise ValueError(f"not a post or comment fullname: {fullname!r}")
    return int(base36, 36)


def _posted(thing: dict) -> datetime:
    return epoch(required(thing, "created_utc", (int, float)), "created_utc")


def _fullname(thing: dict) -> str:
    return required(thing, "name")
