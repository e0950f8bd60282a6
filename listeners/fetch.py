"""HTTP fetching with what feedparser lacks: a timeout, a size cap and conditional GET."""

from __future__ import annotations

from dataclasses import dataclass

import httpx

USER_AGENT = "Earshot/0.1 (social listening for a UK police force communications team)"


class FetchError(Exception):
    """The response could not be had, or was not one worth parsing."""


@dataclass(frozen=True)
class Fetched:
    """A response body, or `not_modified` when the server says nothing changed."""

    body: bytes
    content_type: str
    validators: dict[str, str]
    not_modified: bool = False


def fetch(url: str, validators: dict[str, str], *, timeout: float, max_bytes: int) -> Fetched:
    """GET `url` with the last fetch's ETag / Last-Modified: an unchanged feed costs nothing."""
    headers = {"User-Agent": USER_AGENT}
    if etag := validators.get("etag"):
        headers["If-None-Match"] = etag
    if last_modified := validators.get("last_modified"):
        headers["If-Modified-Since"] = last_modified
    try:
        with httpx.stream(
            "GET", url, headers=headers, timeout=timeout, follow_redirects=True
        ) as response:
            if response.status_code == 304:
                return Fetched(b"", "", validators, not_modified=True)
            if response.status_code >= 400:
                raise FetchError(f"HTTP {response.status_code} {response.reason_phrase} from {url}")
            body = _read_capped(response, max_bytes)
            return Fetched(
                body=body,
                content_type=response.headers.get("content-type", ""),
                validators=_validators(response.headers),
            )
    except httpx.TimeoutException as e:
        raise FetchError(f"timed out after {timeout:g}s fetching {url}") from e
    except httpx.HTTPError as e:
        raise FetchError(f"could not fetch {url}: {type(e).__name__}: {e}") from e


def _read_capped(response: httpx.Response, max_bytes: int) -> bytes:
    declared = response.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > max_bytes:
        raise FetchError(f"response of {declared} bytes is over the {max_bytes}-byte cap")
    chunks: list[bytes] = []
    size = 0
    for chunk in response.iter_bytes():
        size += len(chunk)
        if size > max_bytes:
            raise FetchError(f"response is over the {max_bytes}-byte cap; stopped reading")
        chunks.append(chunk)
    return b"".join(chunks)


def _validators(headers: httpx.Headers) -> dict[str, str]:
    found = {"etag": headers.get("etag"), "last_modified": headers.get("last-modified")}
    return {k: v for k, v in found.items() if v}
