"""Walking a newest-first listing down to the last item heard, for Reddit and Bluesky.

Neither platform can be trusted to answer "only what is newer than X": Reddit's `before=`
comes back empty once X is deleted, and Bluesky's `since` is inclusive and filters on a
time (`sortAt`) the post views do not show. So the listener pages from the top and stops
at the first item it has already heard. How
the walk ended decides whether the cursor may jump to the newest item: only if nothing
between it and the old cursor was left unread.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, Literal, TypeVar

from listeners.paging import pages

Item = TypeVar("Item")

# done: reached the old cursor or the end of the listing.
# max_pages: the source's page budget ran out first; older new items were not read.
# spent: the platform's rate-limit budget ran out first (see `may_continue`).
Ending = Literal["done", "max_pages", "spent"]


@dataclass(frozen=True)
class Walk(Generic[Item]):
    items: list[Item]
    ended: Ending

    def gap(self, stream: str, *, resumed: bool) -> str | None:
        """The warning owed when the page budget ran out before the old cursor was reached.

        The cursor still moves to the newest item: listings end (Reddit keeps ~1,000
        items), so holding it would re-read the same pages for ever and never catch up.
        """
        if self.ended != "max_pages" or not resumed:
            return None
        return (
            f"{stream}: max_pages reached before the last item heard; items between the "
            "oldest read and it were skipped (raise max_pages if this recurs)"
        )


def walk_to_cursor(
    fetch_page: Callable[[str | None], tuple[list[Item], str | None]],
    is_new: Callable[[Item], bool],
    *,
    source: str,
    max_pages: int,
    may_continue: Callable[[], bool] = lambda: True,
) -> Walk[Item]:
    """The new items of a newest-first listing, page by page (`pages`: loop guard, cap).

    A page holding any item that is not new ends the walk: everything after it is older.
    `may_continue` is asked before each further page, so a spent rate limit stops the walk
    cleanly with what was heard instead of hammering the platform into 429s.
    """
    ended: Ending = "max_pages"

    def page(token: str | None) -> tuple[list[Item], str | None]:
        nonlocal ended
        items, next_token = fetch_page(token)
        new = [item for item in items if is_new(item)]
        if not new or len(new) < len(items) or not next_token:
            ended = "done"
            return new, None
        if not may_continue():
            ended = "spent"
            return new, None
        return new, next_token

    heard = [item for batch in pages(page, source=source, max_pages=max_pages) for item in batch]
    return Walk(heard, ended)
