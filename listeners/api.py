"""The small parsing steps every JSON platform's payload needs, and where its secret is kept."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from earshot.core.connections import MissingCredentials, credentials
from earshot.core.fetch import FetchError


class Malformed(ValueError):
    """A platform item lacks what its platform documents; the message names the field and
    what was wrong, and the source fails with it as a malformed payload (`failures`)."""


def required(item: object, path: str, kind: type | tuple[type, ...] = str) -> Any:
    """The value at `path` ("snippet.topLevelComment.id") of the kind the platform documents:
    a payload that lacks it, or holds something else there, names the field rather than
    failing somewhere past it as a KeyError or `None.get`."""
    found = optional(item, path, kind)
    if found is None:
        raise Malformed(f"{path} is missing")
    return found


def optional(item: object, path: str, kind: type | tuple[type, ...] = str) -> Any:
    """As `required`, but None where the platform may leave it out or null."""
    value = item
    walked = ""
    for key in path.split("."):
        if not isinstance(value, dict):
            raise Malformed(f"{walked or 'the item'} is {_kind(value)}, not an object")
        walked = f"{walked}.{key}" if walked else key
        value = value.get(key)
        if value is None:
            return None
    kinds = kind if isinstance(kind, tuple) else (kind,)
    if not isinstance(value, kinds) or (isinstance(value, bool) and bool not in kinds):
        wanted = " or ".join(_KINDS.get(k, k.__name__) for k in kinds)
        raise Malformed(f"{path} is {_kind(value)}, not {wanted}")
    return value


def time_at(item: object, path: str) -> datetime:
    """The ISO 8601 time at `path` (see `utc`)."""
    value = required(item, path)
    try:
        return utc(value)
    except ValueError as e:
        raise Malformed(f"{path} is not a time: {e}") from None


_KINDS = {str: "text", int: "a whole number", float: "a number", dict: "an object", list: "a list"}


def _kind(value: object) -> str:
    return "null" if value is None else _KINDS.get(type(value), type(value).__name__)


def secret(connection: str, what: str) -> str:
    """The connection's password, where each platform's token or key is kept."""
    password = credentials(connection).password
    if not password:
        raise MissingCredentials(f"connection {connection!r} has no password: put the {what} there")
    return password


def json_object(body: object) -> dict:
    """A page must be a JSON object; anything else is malformed, not empty."""
    if not isinstance(body, dict):
        raise TypeError(f"expected a JSON object, got {type(body).__name__}")
    return body


def error_json(error: FetchError) -> dict:
    """The JSON object an HTTP error response carried, or {} when it carried none."""
    try:
        found = json.loads(error.body)
    except ValueError:
        return {}
    return found if isinstance(found, dict) else {}


def utc(timestamp: str) -> datetime:
    """ISO 8601 as the platforms write it ("…Z", "….000Z", "…+0000"), as an aware UTC time;
    a time whose UTC falls outside the calendar (year 1 at +02:00) is a ValueError too."""
    parsed = datetime.fromisoformat(timestamp)
    if parsed.tzinfo is None:
        raise ValueError(f"time without a UTC offset: {timestamp!r}")
    try:
        return parsed.astimezone(UTC)
    except OverflowError as e:
        raise ValueError(f"time out of range: {timestamp[:40]!r}") from e


def epoch(seconds: object, field: str) -> datetime:
    """Unix seconds (Reddit's `created_utc`, a rate limit's reset header) as an aware UTC
    time; anything else, a number past any calendar too, is Malformed naming `field`."""
    try:
        return datetime.fromtimestamp(float(seconds), UTC)
    except (OverflowError, OSError, ValueError, TypeError) as e:  # ValueError: NaN, text
        raise Malformed(f"{field} is not a time: {str(seconds)[:40]!r}") from e


@dataclass(frozen=True)
class Reset:
    """A platform's own header saying when its spent rate limit is back, and how it writes
    that time: Unix seconds (X, Bluesky, Disqus), an ISO 8601 time (Mastodon) or the
    seconds left (Reddit). A 429's is read before its Retry-After (`Listener.reset`), and an
    answer that spends the limit says it too (`Listener.watch_rate_limit`)."""

    header: str
    written: Literal["unix seconds", "iso 8601", "seconds left"] = "unix seconds"

    def at(self, headers: Mapping[str, str], now: datetime) -> datetime | None:
        """When the limit is back, as of `now`; None when the header is not sent, Malformed
        naming it when it is no time."""
        if not (value := headers.get(self.header)):
            return None
        if self.written == "unix seconds":
            return epoch(value, self.header)
        try:
            if self.written == "iso 8601":
                return utc(value)
            return now + timedelta(seconds=float(value))
        except (ValueError, OverflowError) as e:  # ValueError: NaN, text
            raise Malformed(f"{self.header} is not a time: {value[:40]!r}") from e


def until(moment: datetime, now: datetime) -> str:
    """When a platform lets us back in, as a reason says it: "2026-11-21T07:15:00Z, in 15 min"."""
    minutes = max(0, round((moment - now).total_seconds() / 60))
    wait = f"{minutes // 60} h {minutes % 60} min" if minutes >= 60 else f"{minutes} min"
    return f"{moment.astimezone(UTC).strftime('%Y-%m-%dT%H:%M:%SZ')}, in {wait}"


def phrase(term: str) -> str:
    """A search term of several words as one quoted phrase, as every platform's search syntax
    writes it: unquoted, `Lincolnshire Police` matches posts with both words anywhere."""
    term = term.strip()
    return f'"{term}"' if " " in term and not term.startswith('"') else term
