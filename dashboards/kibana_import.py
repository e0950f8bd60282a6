"""Post saved objects to Kibana's import API and say plainly what Kibana refused.

Kibana answers 503 while it starts and may drop connections under load, so those are retried
with back-off; anything else (a wrong password, a missing space) fails at once with Kibana's
own message. A 200 can still carry per-object errors (a missing reference, a conflict): those
are returned for the caller to report, one line per object.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import httpx

from earshot.core.errors import EarshotError

RETRIED_STATUSES = frozenset({429, 500, 502, 503, 504})


class ImportFailed(EarshotError):
    """Kibana could not be reached, or refused the whole import."""


@dataclass(frozen=True)
class KibanaAuth:
    """Either a user and password, or an API key (the `encoded` form Kibana shows)."""

    user: str | None = None
    password: str | None = None
    api_key: str | None = None

    def headers(self) -> dict[str, str]:
        return {"Authorization": f"ApiKey {self.api_key}"} if self.api_key else {}

    def basic(self) -> tuple[str, str] | None:
        if self.api_key or not self.user:
            return None
        return (self.user, self.password or "")


@dataclass(frozen=True)
class ObjectError:
    """One saved object Kibana did not import, and why, in Kibana's terms."""

    type: str
    id: str
    title: str
    reason: str

    def __str__(self) -> str:
        title = f' "{self.title}"' if self.title else ""
        return f"{self.type} {self.id}{title}: {self.reason}"


@dataclass(frozen=True)
class ImportReport:
    imported: int
    errors: tuple[ObjectError, ...]

    @property
    def ok(self) -> bool:
        return not self.errors


def import_url(kibana_url: str, space: str | None) -> str:
    """The import endpoint, in a space when one is named (the default space has no prefix)."""
    base = kibana_url.rstrip("/")
    prefix = f"/s/{space}" if space and space != "default" else ""
    return f"{base}{prefix}/api/saved_objects/_import"


def import_saved_objects(
    kibana_url: str,
    ndjson: str,
    *,
    space: str | None = None,
    auth: KibanaAuth | None = None,
    attempts: int = 6,
    first_delay: float = 1.0,
    max_delay: float = 30.0,
    timeout: float = 60.0,
    sleep: Callable[[float], None] = time.sleep,
) -> ImportReport:
    """Import with overwrite, so running it again updates the objects in place."""
    auth = auth or KibanaAuth()
    url = import_url(kibana_url, space)
    last = "no attempt made"
    for attempt in range(1, attempts + 1):
        try:
            response = httpx.post(
                url,
                params={"overwrite": "true"},
                headers={"kbn-xsrf": "true", **auth.headers()},
                auth=auth.basic(),
                files={"file": ("earshot.ndjson", ndjson.encode(), "application/ndjson")},
                timeout=timeout,
            )
        except httpx.TransportError as e:
            last = f"{type(e).__name__}: {e}"
        else:
            if response.status_code == 200:
                return _report(response)
            last = f"HTTP {response.status_code}: {_message(response)}"
            if response.status_code not in RETRIED_STATUSES:
                raise ImportFailed(f"Kibana refused the import at {url}: {last}")
        if attempt < attempts:
            sleep(min(first_delay * 2 ** (attempt - 1), max_delay))
    raise ImportFailed(f"Kibana at {url} did not answer after {attempts} attempts; last: {last}")


def _report(response: httpx.Response) -> ImportReport:
    try:
        body = response.json()
    except ValueError as e:
        raise ImportFailed(f"Kibana answered 200 without JSON: {response.text[:300]!r}") from e
    errors = tuple(_object_error(e) for e in body.get("errors") or [])
    if not body.get("success", False) and not errors:
        raise ImportFailed(f"Kibana reported the import unsuccessful: {body}")
    return ImportReport(imported=int(body.get("successCount", 0)), errors=errors)


def _object_error(error: dict) -> ObjectError:
    title = error.get("title") or (error.get("meta") or {}).get("title") or ""
    return ObjectError(
        type=str(error.get("type", "?")),
        id=str(error.get("id", "?")),
        title=str(title),
        reason=_reason(error.get("error") or {}),
    )


def _reason(error: dict) -> str:
    """Kibana's error kinds: conflict, ambiguous_conflict, missing_references,
    unsupported_type, unknown (with a message and status code)."""
    kind = error.get("type", "unknown")
    if kind == "missing_references":
        missing = ", ".join(f"{r.get('type')} {r.get('id')}" for r in error.get("references", []))
        return f"missing references: {missing}"
    if kind == "conflict":
        return "conflict: an object with this id already exists"
    if kind == "ambiguous_conflict":
        return "ambiguous conflict: several existing objects match"
    if kind == "unsupported_type":
        return "unsupported type: this Kibana does not know the object type"
    message = error.get("message") or error.get("error") or "no message"
    status = f" (HTTP {error['statusCode']})" if "statusCode" in error else ""
    return f"{kind}: {message}{status}"


def _message(response: httpx.Response) -> str:
    """Kibana's JSON error message when there is one, else the start of the body."""
    try:
        body = response.json()
    except ValueError:
        return response.reason_phrase or response.text[:300]
    if isinstance(body, dict) and body.get("message"):
        return str(body["message"])
    return str(body)[:300]
