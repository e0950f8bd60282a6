"""HTTP for listeners, with what feedparser and raw clients lack: a timeout, a size cap,
conditional GET, and errors that say what the server said (401, 429 + Retry-After, 5xx).

The size cap (a source's `max_bytes`) counts the body as parsed, after decompression, and
reading stops at the cap: a response over it is refused with FetchError, never cut short and
parsed, since a truncated page would move the cursor past items nobody read. gzip is the only
compression asked for, and it is inflated here in steps that cannot pass the cap (httpx
would inflate each network chunk whole: 64 kB of a gzip bomb is 64 MB before it can be
counted).

A source's timeout bounds each read, and the whole response, an error's as much as a
success's, must arrive within WHOLE_RESPONSE_TIMEOUTS times it: a server that drips a byte
every few seconds never trips a per-read timeout, and would otherwise hold the task for as
long as it liked.

Some APIs take their credential in the query string (Graph API `access_token`, Google `key`):
error messages and httpx's request log show such values as `***`.
"""

from __future__ import annotations

import base64
import contextlib
import json
import logging
import re
import time
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime

import httpx

from earshot.core.errors import EarshotError

USER_AGENT = "Earshot/0.1 (social listening for a UK police force communications team)"
ERROR_BODY_BYTES = 65_536  # enough for any platform's JSON error; no more is read
TOKEN_ANSWER_BYTES = 1_000_000  # OAuth and session answers are a few hundred bytes
WHOLE_RESPONSE_TIMEOUTS = 4
GZIP = zlib.MAX_WBITS | 16
_SECRET_PARAMS = re.compile(r"(?<![\w-])(access_token|key)=[^&#\s'\"<>]+", re.IGNORECASE)


def redact(text: str) -> str:
    """`access_token=…` and `key=…` values shown as `***`, wherever they appear in `text`."""
    return _SECRET_PARAMS.sub(r"\1=***", text)


class _RedactQuerySecrets(logging.Filter):
    """httpx logs every request URL at INFO, which Airflow writes to the task log."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg, record.args = redact(record.getMessage()), None
        return True


logging.getLogger("httpx").addFilter(_RedactQuerySecrets())


class FetchError(EarshotError):
    """The response could not be had, or was not one worth parsing.

    For an HTTP error, `status`, `headers` and `body` (its first ERROR_BODY_BYTES) are kept:
    platforms explain errors there (a JSON error object, rate-limit reset headers).
    """

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        headers: httpx.Headers | None = None,
        body: bytes = b"",
    ):
        super().__init__(redact(message))
        self.status = status
        self.headers = headers if headers is not None else httpx.Headers()
        self.body = body


class RateLimited(FetchError):
    """HTTP 429. `retry_after` is its Retry-After as sent ("" when not given): in seconds it
    counts from the moment it is read, so `retry_after()` says when as of the caller's clock."""

    def __init__(self, message: str, retry_after: str, **response):
        super().__init__(message, **response)
        self.retry_after = retry_after


def retry_after(value: str, now: datetime) -> datetime | None:
    """When a Retry-After lets us ask again, in either of its forms (RFC 9110 §10.2.3):
    delay-seconds from `now`, or an HTTP-date. None when absent, or neither form."""
    value = value.strip()
    with contextlib.suppress(ValueError, TypeError, OverflowError):
        if value.isdigit():
            return now + timedelta(seconds=int(value))
        moment = parsedate_to_datetime(value)
        return moment if moment.tzinfo else moment.replace(tzinfo=UTC)  # "-0000": UTC
    return None


@dataclass(frozen=True)
class Fetched:
    """A response body, or `not_modified` when the server says nothing changed."""

    body: bytes
    content_type: str
    validators: dict[str, str]
    not_modified: bool = False


def fetch(url: str, validators: dict[str, str], *, timeout: float, max_bytes: int) -> Fetched:
    """GET `url` with the last fetch's ETag / Last-Modified: an unchanged feed costs nothing."""
    headers = {}
    if etag := validators.get("etag"):
        headers["If-None-Match"] = etag
    if last_modified := validators.get("last_modified"):
        headers["If-Modified-Since"] = last_modified
    with _request("GET", url, headers=headers, timeout=timeout) as response:
        if response.status_code == 304:
            return Fetched(b"", "", validators, not_modified=True)
        _check(response, url, timeout)
        return Fetched(
            body=_read_capped(response, max_bytes, url, timeout),
            content_type=response.headers.get("content-type", ""),
            validators=_validators(response.headers),
        )


def get_json(
    url: str,
    *,
    params: dict | None = None,
    headers: dict[str, str] | None = None,
    timeout: float,
    max_bytes: int,
) -> tuple[object, httpx.Headers]:
    """A platform API page: the parsed JSON and the headers (pagination, rate limits)."""
    with _request("GET", url, headers=headers or {}, timeout=timeout, params=params) as response:
        _check(response, url, timeout)
        body = _read_capped(response, max_bytes, url, timeout)
        try:
            return json.loads(body), response.headers
        except ValueError as e:
            raise FetchError(f"malformed JSON from {url}: {e}") from e


def post_json(
    url: str,
    *,
    data: dict | None,
    headers: dict[str, str] | None = None,
    timeout: float,
    as_form: bool = False,
) -> object:
    """For token and session endpoints (OAuth, AT Protocol): small answers, same errors,
    the same cap and deadline. `data=None` posts no body: an XRPC procedure without input
    (refreshSession) refuses one."""
    with _request(
        "POST",
        url,
        headers=headers or {},
        timeout=timeout,
        **({} if data is None else {"data": data} if as_form else {"json": data}),
    ) as response:
        _check(response, url, timeout)
        answer = _read_capped(response, TOKEN_ANSWER_BYTES, url, timeout)
    try:
        return json.loads(answer)
    except ValueError as e:
        raise FetchError(f"malformed JSON from {url}: {e}") from e


@contextlib.contextmanager
def _request(
    method: str, url: str, *, headers: dict, timeout: float, **request
) -> Iterator[httpx.Response]:
    verb = "fetch" if method == "GET" else "post to"
    try:
        with httpx.stream(
            method,
            url,
            headers={"User-Agent": USER_AGENT, "Accept-Encoding": "gzip", **headers},
            timeout=timeout,
            follow_redirects=True,
            **request,
        ) as response:
            yield response
    except httpx.TimeoutException as e:
        raise FetchError(f"timed out after {timeout:g}s trying to {verb} {url}") from e
    except httpx.HTTPError as e:
        raise FetchError(f"could not {verb} {url}: {type(e).__name__}: {e}") from e


def _check(response: httpx.Response, url: str, timeout: float) -> None:
    status = response.status_code
    if status < 400:
        return
    said = f"HTTP {status} {response.reason_phrase} from {url}"
    body = _without_credentials_sent(_error_body(response, timeout), response.request)
    details = {"status": status, "headers": response.headers, "body": body}
    if status == 429:
        wait = response.headers.get("retry-after", "")
        raise RateLimited(
            f"rate limited: {said}; Retry-After {wait or 'not given'}", wait, **details
        )
    if status in (401, 403):
        raise FetchError(f"credentials refused: {said}; check the source's connection", **details)
    raise FetchError(said, **details)


def _without_credentials_sent(body: bytes, request: httpx.Request) -> bytes:
    """An error body with the request's own credentials blanked: some servers echo the
    request's headers back, and the body ends up in the task log's reason."""
    for header in ("authorization", "proxy-authorization"):
        sent = request.headers.get(header, "")
        scheme, _, credential = sent.partition(" ")
        forms = [sent, credential]
        if scheme.lower() == "basic":  # the secret inside "id:secret", should a server decode it
            with contextlib.suppress(ValueError):
                forms.append(base64.b64decode(credential).decode().partition(":")[2])
        for form in sorted(filter(None, forms), key=len, reverse=True):
            body = body.replace(form.encode(), b"***")
    return body


def _error_body(response: httpx.Response, timeout: float) -> bytes:
    """The start of an error response's body, read under the same whole-response deadline as
    any other: an error that trickles must not hold the task longer than a success may."""
    deadline = time.monotonic() + timeout * WHOLE_RESPONSE_TIMEOUTS
    try:
        return _decoded(response, ERROR_BODY_BYTES, deadline)[0]
    except (httpx.HTTPError, FetchError):
        return b""


def _read_capped(response: httpx.Response, max_bytes: int, url: str, timeout: float) -> bytes:
    declared = response.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > max_bytes:
        raise FetchError(
            f"response from {url} of {declared} bytes is over the {max_bytes}-byte cap; not read"
        )
    deadline = time.monotonic() + timeout * WHOLE_RESPONSE_TIMEOUTS
    body, more = _decoded(response, max_bytes, deadline)
    if more is None:
        raise FetchError(
            f"response from {url} still arriving after {timeout * WHOLE_RESPONSE_TIMEOUTS:g}s;"
            " stopped reading"
        )
    if more:
        raise FetchError(f"response from {url} is over the {max_bytes}-byte cap; stopped reading")
    return body


def _decoded(
    response: httpx.Response, limit: int, deadline: float | None = None
) -> tuple[bytes, bool | None]:
    """At most `limit` bytes of the decompressed body, and whether there was more (None: the
    deadline passed first); reading stops as soon as either is known."""
    encoding = response.headers.get("content-encoding", "identity").strip().lower()
    if encoding not in ("identity", "gzip"):
        raise FetchError(f"unsupported Content-Encoding {encoding!r} (only gzip was asked for)")
    inflater = zlib.decompressobj(GZIP) if encoding == "gzip" else None
    body = bytearray()
    try:
        for raw in response.iter_raw():
            if deadline is not None and time.monotonic() > deadline:
                return bytes(body[:limit]), None
            pending = raw
            while pending and len(body) <= limit:
                if inflater is None:
                    body += pending
                    pending = b""
                else:  # never more output than the room left (+1, to know there is more)
                    body += inflater.decompress(pending, limit + 1 - len(body))
                    pending = inflater.unconsumed_tail
            if len(body) > limit:
                return bytes(body[:limit]), True
        if inflater is not None:
            body += inflater.flush()  # what the last steps held back: at most a window
    except zlib.error as e:
        raise FetchError(f"body is not valid gzip: {e}") from e
    return bytes(body[:limit]), len(body) > limit


def _validators(headers: httpx.Headers) -> dict[str, str]:
    found = {"etag": headers.get("etag"), "last_modified": headers.get("last-modified")}
    return {k: v for k, v in found.items() if v}
