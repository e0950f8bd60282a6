"""Meta's Graph API as Facebook, Instagram and Threads serve it: list pages, error objects,
usage headers, and the window of the account's own recent posts whose comments are read.

Paging: `paging.cursors.after`, more while `paging.next` is given
(https://developers.facebook.com/docs/graph-api/results). Errors:
https://developers.facebook.com/docs/graph-api/guides/error-handling. Usage headers:
https://developers.facebook.com/docs/graph-api/overview/rate-limiting.

A spent limit is waited for as X's reset is (earshot/app/platform_waits.py): an answer whose
usage header is at USAGE_STOP ends the run, which keeps what it read, and an error with a
rate-limit code fails it; either way no run asks before Meta lets the app back in. Meta
sends no reset time: its business use case header (X-Business-Use-Case-Usage) estimates the
wait in minutes (`estimated_time_to_regain_access`; "Time in minutes to resume calls" in
huandu/facebook's result.go at 4be8bcf, a Graph client that parses it); without one, the
wait is PLATFORM_WINDOW, the rolling hour over which Meta counts the app's and the user's
calls ("until enough time has passed for the call count to drop below the limit").
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime, timedelta

import httpx

from earshot.core.fetch import FetchError
from listeners.api import error_json, until
from listeners.base import Listener, SourceT, pages

GRAPH_VERSION = "v26.0"  # why this one, and when to move on: listeners/facebook.py
POST_WINDOW = timedelta(days=14)  # the account's own posts whose comments and replies are read
USAGE_STOP = 95  # percent of any Graph usage limit at which a run stops asking
PLATFORM_WINDOW = timedelta(hours=1)  # Meta counts the app's and the user's calls over this
RATE_LIMIT_CODES = {4, 17, 32, 613, 80001}  # app, user, page, custom, Pages BUC
TOKEN_CODES = {102, 190}  # session or access token expired, revoked or invalid
PERMISSION_CODES = {10, 200}  # the app lacks a permission (App Review)
USAGE_HEADERS = ("x-app-usage", "x-page-usage")
BUSINESS_USAGE = "x-business-use-case-usage"


class GraphListener(Listener[SourceT]):
    """A listener of Meta's Graph API (Facebook, Instagram, Threads): a spent limit, told by a
    usage header or an error's code, is waited for until Meta lets the app back in."""

    def watch_usage(self, headers: httpx.Headers) -> None:
        """Stop asking near the limit: past it, Meta throttles the app for everyone using it."""
        percent, where = _usage(headers)
        if self.held or percent < USAGE_STOP:
            return
        self.wait_until = regained(headers, self.now)
        self.held = (
            f"Graph API usage at {percent}% ({where}); stopped asking until "
            f"{until(self.wait_until, self.now)}, and the rest is read then"
        )

    def rate_limited(self, error: FetchError) -> bool:
        """Graph says a spent limit with its error code, as a 400 or a 403 as often as not."""
        return super().rate_limited(error) or _code(error) in RATE_LIMIT_CODES

    def rate_limit_lifts(self, error: FetchError) -> tuple[datetime | None, str | None]:
        if _code(error) in RATE_LIMIT_CODES:
            return regained(error.headers, self.now), None
        return super().rate_limit_lifts(error)


def regained(headers: httpx.Headers, now: datetime) -> datetime:
    """When Meta lets the app back in: its own estimate when it gives one, else after the
    rolling hour of its platform limits (see the module's docstring)."""
    minutes = _regain_minutes(headers)
    return now + (timedelta(minutes=minutes) if minutes else PLATFORM_WINDOW)


def graph_reason(error: FetchError, api: str) -> tuple[object, str] | None:
    """A Graph API error object ({"error": {"message", "type", "code", "error_subcode"}}, as
    Facebook and Threads send): its code, and the reason in `api`'s own words; None if the
    response carried none."""
    graph = error_json(error).get("error")
    if not isinstance(graph, dict):
        return None
    code = graph.get("code")
    subcode = f"/{graph['error_subcode']}" if graph.get("error_subcode") else ""
    said = f"{api} error {code}{subcode} ({graph.get('type')}, HTTP {error.status}): "
    return code, said + str(graph.get("message"))


def graph_data(body: dict) -> list[dict]:
    """A Graph API list page's items (Facebook, Instagram, Threads)."""
    found = body["data"]
    if not isinstance(found, list):
        raise TypeError(f"data is {type(found).__name__}, not a list")
    return found


def next_after(body: dict) -> str | None:
    """The page's `paging.cursors.after` token, while `paging.next` says there is a next page."""
    paging = body.get("paging") or {}
    return paging["cursors"]["after"] if paging.get("next") else None


def recent(
    listener: Listener,
    path: str,
    fields: str,
    posted: Callable[[dict], datetime],
    get: Callable[[str, dict], dict],
) -> tuple[list[dict], bool]:
    """The items of a newest-first Graph listing (a Page's posts, an Instagram account's
    media) posted inside POST_WINDOW, and whether all of them were listed."""
    oldest = listener.now - POST_WINDOW
    left: str | None = None

    def page(after: str | None) -> tuple[list[dict], str | None]:
        nonlocal left
        params = {"fields": fields, "limit": 25} | ({"after": after} if after else {})
        body = get(path, params)
        items = graph_data(body)
        left = next_after(body)
        if items and posted(items[-1]) < oldest:
            left = None  # newest first: the window ends on this page
        inside = [item for item in items if posted(item) >= oldest]
        return inside, None if listener.held else left

    walk = pages(page, source=listener.source.name, max_pages=listener.source.max_pages)
    found = [item for batch in walk for item in batch]
    return found, not left and not listener.held


def graph_error(
    error: FetchError,
    connection: str,
    *,
    api: str = "Graph API",
    token: str = "access token",
    needs: str = "",
) -> str | None:
    """A Graph error object in `api`'s words: an expired `token` is named with the
    `connection` to put a new one in, a missing permission with what the app `needs`."""
    if not (found := graph_reason(error, api)):
        return None
    code, said = found
    if code in TOKEN_CODES:
        return (
            f"{said}; the {token} has expired or been revoked: put a new one "
            f"in connection {connection!r}"
        )
    if needs and code in PERMISSION_CODES:
        return (
            f"{said}; the Meta app needs {needs}, approved in App Review, and the token "
            "must grant them"
        )
    if code in RATE_LIMIT_CODES or error.status == 429:
        return f"rate limited: {said}{_regain(error.headers)}"
    return said


def _usage(headers: httpx.Headers) -> tuple[int, str]:
    """The highest share (percent) of any Graph limit in use, and the header that says so.

    X-App-Usage / X-Page-Usage: {"call_count": 28, "total_cputime": 25, "total_time": 25};
    X-Business-Use-Case-Usage: {"<id>": [{"type": "pages", "call_count": 98, …}]}.
    """
    found: list[tuple[int, str]] = []
    for name in USAGE_HEADERS:
        for field, value in _header_json(headers, name).items():
            found.append((_percent(value), f"{name} {field}"))
    for entries in _header_json(headers, BUSINESS_USAGE).values():
        for entry in entries if isinstance(entries, list) else []:
            for field in ("call_count", "total_cputime", "total_time"):
                found.append((_percent(entry.get(field)), f"{BUSINESS_USAGE} {field}"))
    return max(found, default=(0, ""))


def _regain(headers: httpx.Headers) -> str:
    wait = _regain_minutes(headers)
    return f"; Meta estimates access returns in {wait} min" if wait else ""


def _regain_minutes(headers: httpx.Headers) -> int:
    """Meta's own estimate of the wait, when its business usage header gives one; 0: none."""
    minutes = [
        entry.get("estimated_time_to_regain_access", 0)
        for entries in _header_json(headers, BUSINESS_USAGE).values()
        for entry in (entries if isinstance(entries, list) else [])
        if isinstance(entry, dict)
    ]
    return max((m for m in minutes if isinstance(m, int) and m > 0), default=0)


def _code(error: FetchError) -> int | None:
    """The Graph error object's code; None when the response carried none (or no number)."""
    graph = error_json(error).get("error")
    code = graph.get("code") if isinstance(graph, dict) else None
    return code if isinstance(code, int) else None


def _header_json(headers: httpx.Headers, name: str) -> dict:
    """A usage header's JSON; an unreadable one is ignored rather than fail the run."""
    try:
        found = json.loads(headers.get(name, "{}"))
    except ValueError:
        return {}
    return found if isinstance(found, dict) else {}


def _percent(value: object) -> int:
    return int(value) if isinstance(value, int | float) else 0
