"""The page loop every platform listener shares, with the guard paginators need."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TypeVar

from listeners.base import ListenerError

Item = TypeVar("Item")


def pages(
    fetch_page: Callable[[str | None], tuple[list[Item], str | None]],
    *,
    source: str,
    max_pages: int,
) -> Iterator[list[Item]]:
    """Pages from `fetch_page(token)` until no next token, an empty page, or `max_pages`.

    A token that comes back twice would loop for ever: that is an error, not the end.
    """
    seen: set[str] = set()
    token: str | None = None
    for _ in range(max_pages):
        items, next_token = fetch_page(token)
        yield items
        if not items or not next_token:
            return
        if next_token in seen:
            raise ListenerError(source, f"pagination loop: next-page token {next_token!r} repeated")
        seen.add(next_token)
        token = next_token
