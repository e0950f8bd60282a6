"""Mastodon: hashtag timelines and status search on one instance.

Follows the Mastodon API documentation: GET /api/v1/timelines/tag/:hashtag
(https://docs.joinmastodon.org/methods/timelines/#tag), paged by the Link header
(https://docs.joinmastodon.org/api/guidelines/#pagination), and GET /api/v2/search with
type=statuses (https://docs.joinmastodon.org/methods/search/#v2), which sends no Link header
and pages by `offset`, filtered to newer statuses by `min_id`. Newest first, up to 40 a page.

Ids are strings, "not guaranteed to be a number" (https://docs.joinmastodon.org/api/guidelines/#id):
they are ordered as Mastodon's own web app orders them (app/javascript/mastodon/compare_id.ts:
the longer id is newer, ids of equal length compare as text), never parsed as numbers.

Search finds only posts whose authors opted in to being found (`indexable`), and those
the token's account wrote, favourited, bookmarked or was mentioned in; it matches words,
not hashtags or accounts: `#tag` and `@handle` terms are refused in the profile, hashtags
go in `hashtags`. Since Mastodon 4.5 an instance can restrict hashtag timelines
(`configuration.timelines_access.hashtag_feeds` of GET /api/v2/instance): `authenticated`
answers 401 without a token, `disabled` answers empty; each is said in those words. The
same entity's `domain` is the instance's handle domain, given to its own accounts' bare
`acct`: it may differ from the host the API answers on (LOCAL_DOMAIN and WEB_DOMAIN,
https://docs.joinmastodon.org/admin/config/), so no other host stands in for it. A server
without that endpoint (404: Mastodon before 4.0) names it `uri` in GET /api/v1/instance
(https://docs.joinmastodon.org/entities/V1_Instance/#uri).

The cursor keeps, per hashtag or search, the newest status id indexed. A remote status that
federates late keeps the id of its original publish time, so it sorts below that cursor:
the listener never asks only for newer ids (`since_id`, `min_id`), it reads from the top
down through the overlap window and skips the statuses heard there before
(listeners/overlap.py); a status is known across instances by its `uri`.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Annotated, Literal

import httpx
from pydantic import Field, HttpUrl, model_validator

from earshot.core.fetch import FetchError
from earshot.core.model import Mention
from earshot.core.profile import ApiSource
from listeners.api import Malformed, Reset, error_json, optional, phrase, required, time_at
from listeners.base import Cursor, Heard, Listener, Page, Stream
from listeners.html_text import plain_text
from listeners.watermark import NewestId

PAGE_SIZE = 40
INSTANCE = "/api/v2/instance"  # the Instance entity: the handle domain, hashtag feeds' access
V1_INSTANCE = "/api/v1/instance"  # all a server before Mastodon 4.0 has


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
        for term in self.search:
            if any(word.startswith(("#", "@")) for word in term.split()):
                raise ValueError(
                    f"search term {term!r}: Mastodon search matches words, not #hashtags or "
                    "@accounts; put hashtags (without #) in `hashtags`, and search for words"
                )
        return self


class MastodonListener(Listener[MastodonSource]):
    platform = "Mastodon"
    # A 429 has it and no Retry-After (docs.joinmastodon.org/api/rate-limits/;
    # config/initializers/rack_attack.rb).
    reset = Reset("x-ratelimit-reset", "iso 8601")

    def open(self, secrets: set[str]) -> None:
        self.base = str(self.source.instance).rstrip("/")
        self.headers: dict[str, str] = {}
        self.quiet_tags: list[str] = []  # hashtag timelines that answered an empty first page
        self.about: dict | None = None  # the Instance entity, asked at most once a run
        self.unanswered: FetchError | None = None  # how asking for it failed (`explain`)
        if self.source.connection:
            token = self.password(secrets, "access token")
            self.headers = {"Authorization": f"Bearer {token}"}

    def listen(self, cursor: Cursor) -> Heard:
        heard = super().listen(cursor)
        if not self.quiet_tags or not (closed := self._closed_tag_feeds()):
            return heard
        said = [f"tag:{tag}: {closed}" for tag in self.quiet_tags]
        return replace(heard, warnings=[*heard.warnings, *said])

    def streams(self, cursor: Cursor) -> list[Stream]:
        found = [self._tag(t, cursor.get(f"tag:{t}")) for t in self.source.hashtags]
        return found + [self._search(q, cursor.get(f"search:{q}")) for q in self.source.search]

    def _tag(self, tag: str, newest: str | None) -> Stream[dict]:
        url = f"{self.base}/api/v1/timelines/tag/{tag}"

        def page(max_id: str | None) -> tuple[list[dict], str | None]:
            query = {"limit": PAGE_SIZE} | ({"max_id": max_id} if max_id else {})
            body, response_headers = self.get(url, query, self.headers)
            statuses = _statuses(body)
            if not statuses and not max_id:
                self.quiet_tags.append(tag)
            return statuses, _next_max_id(response_headers)

        return self._stream(f"tag:{tag}", page, newest)

    def _search(self, term: str, newest: str | None) -> Stream[dict]:
        """v2 search pages by offset until a page comes back empty. A short page is not the
        end: Mastodon drops the statuses the token's account may not see (blocked, muted,
        limited accounts) after taking a page of `limit`, so a page of 40 can arrive with
        fewer while more follow (app/services/statuses_search_service.rb)."""
        params = {"q": phrase(term), "type": "statuses", "resolve": "false", "limit": PAGE_SIZE}

        def page(offset: str | None) -> tuple[list[dict], str | None]:
            query = params | ({"offset": offset} if offset else {})
            body, _ = self.get(f"{self.base}/api/v2/search", query, self.headers)
            statuses = _statuses(body["statuses"])
            return statuses, str(int(offset or 0) + PAGE_SIZE) if statuses else None

        return self._stream(f"search:{term}", page, newest)

    def _stream(self, key: str, page: Page, newest: str | None) -> Stream[dict]:
        return Stream(key, page, NewestId(newest, _order), _status_id, self._to_mention, _posted)

    def _instance(self) -> dict:
        """The Instance entity (GET /api/v2/instance), asked once a run and only when needed.
        A server without it (404: Mastodon before 4.0, older Pleroma) has only the v1 entity,
        which names the handle domain `uri` and holds nothing else read here: it stands in as
        `domain` alone. Any other failure is not taken for an old server: it raises
        FetchError, as does a v1 that fails too."""
        if self.about is None:
            try:
                body = self._ask_instance()
            except FetchError as e:
                self.unanswered = e  # whatever it says, a URL or not, `explain` names the question
                raise
            self.about = body if isinstance(body, dict) else {}
        return self.about

    def _ask_instance(self) -> object:
        try:
            body, _ = self.get(self.base + INSTANCE, {}, self.headers)
        except FetchError as e:
            if e.status != 404:
                raise
            v1, _ = self.get(self.base + V1_INSTANCE, {}, self.headers)
            body = {"domain": v1.get("uri")} if isinstance(v1, dict) else {}
        return body

    def get(
        self, url: str, params: dict, headers: dict[str, str] | None = None
    ) -> tuple[object, httpx.Headers]:
        """Every answer says what is left of the rate limit (docs.joinmastodon.org/api/
        rate-limits/): none left, the run stops asking till its reset."""
        body, answered = super().get(url, params, headers)
        self.watch_rate_limit(answered, "X-RateLimit-Remaining", "Mastodon rate limit spent")
        return body, answered

    def _closed_tag_feeds(self) -> str | None:
        """Why hashtag timelines may answer empty: the instance disabled them (Mastodon 4.5+)."""
        try:
            feeds: object = self._instance()
        except FetchError:
            return None  # only an explanation: the run heard what it could
        for key in ("configuration", "timelines_access", "hashtag_feeds"):
            feeds = feeds.get(key) if isinstance(feeds, dict) else None
        if not isinstance(feeds, dict):
            return None  # before 4.5, or not said: no explanation to give
        disabled = [where for where in ("local", "remote") if feeds.get(where) == "disabled"]
        if not disabled:
            return None
        return (
            f"the instance has disabled hashtag timelines for {' and '.join(disabled)} posts "
            "(timelines_access.hashtag_feeds), so they answer empty; choose another instance "
            "or ask its admin"
        )

    def explain(self, error: FetchError) -> str | None:
        said = error_json(error).get("error")
        told = f"{error}; Mastodon says: {said}" if isinstance(said, str) else None
        if error is self.unanswered:  # asked by `_handle_domain`
            return (
                "could not learn the handle domain of the instance's own accounts from "
                "GET /api/v2/instance (or, before Mastodon 4.0, /api/v1/instance), so nothing "
                f"is stored this run: {told or error}"
            )
        if error.status == 401 and not self.source.connection:
            # Without a token only hashtag timelines are asked for (search needs one).
            return (
                f"{error}; Mastodon says: {said}. The instance lets only signed-in users read "
                "hashtag timelines (timelines_access.hashtag_feeds: authenticated, Mastodon "
                "4.5+): give the source a connection holding an access token"
            )
        return told

    def _to_mention(self, status: dict) -> Mention:
        text = plain_text(optional(status, "content") or "")
        # A content warning is plain text as typed (Mastodon.py's return types: "the plain
        # text used to compose the status's subject"), unlike `content`'s HTML: read as HTML,
        # "Lincoln<Boston" or "<sigh>" would lose words.
        if warning := optional(status, "spoiler_text"):
            text = f"{' '.join(warning.split())}\n{text}"
        uri = required(status, "uri")
        return self.mention(
            uri,
            url=optional(status, "url") or uri,
            text=text,
            author=self._handle(status),
            published=_posted(status),
        )

    def _handle(self, status: dict) -> str:
        """`@name@domain` wherever she was heard. Mastodon gives an account of the instance
        answering as a bare `name`, others as `name@domain` with their handle domain
        (docs.joinmastodon.org/entities/Account/#acct): kept bare, she would have two
        pseudonyms, and share one with every namesake on other instances."""
        acct = required(status, "account.acct")
        return f"@{acct}" if "@" in acct else f"@{acct}@{self._handle_domain()}"

    def _handle_domain(self) -> str:
        """The instance's `domain`: its LOCAL_DOMAIN, "used for account handles, and is not
        necessarily the same as WEB_DOMAIN" where its pages and API are (entities/Instance/
        #domain). Nothing else says it (her profile link is on the web host): rather than
        store her under a handle she does not have (a second pseudonym, missed by erasure
        by her handle), the run fails and the same statuses are heard next run; a 429 asks
        the same wait, and a 401 or 403 is refused as on a timeline (`failures`; `explain`
        names the question). A web address (older Pleroma's v1 `uri`) is the web host, not a
        handle domain."""
        domain = self._instance().get("domain")
        if not (isinstance(domain, str) and domain and "/" not in domain):
            raise Malformed(
                "no handle domain for the instance's accounts in `domain` of GET "
                f"/api/v2/instance (`uri` of /api/v1/instance before Mastodon 4.0): got {domain!r}"
            )
        return domain


def _statuses(found: object) -> list[dict]:
    if not isinstance(found, list):
        raise ValueError(f"expected a list of statuses, got {type(found).__name__}")
    return found


def _status_id(status: dict) -> str:
    return str(required(status, "id", (str, int)))


def _posted(status: dict) -> datetime:
    return time_at(status, "created_at")


def _order(status_id: str) -> tuple[int, str]:
    """Mastodon's compareId: a longer id is newer; ids of one length compare as text."""
    return len(status_id), status_id


def _next_max_id(headers: httpx.Headers) -> str | None:
    """The `max_id` of the Link header's rel="next" URL (RFC 8288), if any."""
    for part in headers.get("link", "").split(","):
        url, _, attributes = part.partition(";")
        if 'rel="next"' in attributes.replace(" ", ""):
            return httpx.URL(url.strip().strip("<>")).params.get("max_id")
    return None
