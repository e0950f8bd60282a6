"""The small parsing steps every JSON platform's payload needs, and where its secret is kept."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from earshot.core.connections import MissingCredentials, credentials
from earshot.core.fetch import FetchError


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


def epoch(seconds: object) -> datetime:
    """Unix seconds (Reddit's `created_utc`) as an aware UTC time; a number past any
    calendar is a ValueError like any other malformed field, not an OverflowError."""
    try:
        return datetime.fromtimestamp(float(seconds), UTC)
    except (OverflowError, OSError) as e:
        raise ValueError(f"created_utc is not a time: {str(seconds)[:40]}") from e


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
