"""What a platform's own test file gives the shared listener contract
(tests/integration/test_listener_contract.py): its platform answering as documented."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from earshot.app.feed_server import FeedServer, Route
from earshot.core.profile import SourceSettings


@dataclass(frozen=True)
class Contract:
    """A test file's `CONTRACT = {kind: Contract(...)}`, one per kind of source it covers."""

    source: Callable[[FeedServer], SourceSettings]  # the source, reading from the server
    first: dict[str, Route]  # routes answering two items, newest first
    later: dict[str, Route]  # routes changed to answer one more item on top
    listing: str  # the request that answers 401, 429 or 500 in the error cases
    # routes changed to answer, besides the first two, one item that reached the platform
    # late and sorts behind the cursor, inside the source's overlap window (None: a
    # listener whose platform has no such late arrivals)
    late: dict[str, Route] | None = None
    connection: dict[str, str] = field(default_factory=dict)  # AIRFLOW_CONN_<ID> variables
    # A feed has no per-item cursor: a changed feed is heard whole, and the store's
    # exactly-once writes absorb what was heard before.
    hears_a_changed_feed_whole: bool = False
    # Cursor keys counting requests the platform charges even when nothing is new (Threads'
    # search budget counts every query that answers, the overlap re-read too): they move.
    counted: tuple[str, ...] = ()


def marks(cursor: dict[str, str]) -> dict[str, str]:
    """A cursor's stream marks, without what each stream heard in its overlap window."""
    return {k: v for k, v in cursor.items() if not k.startswith("heard:")}
