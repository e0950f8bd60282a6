"""One collect task at a time decides which stories its mentions belong to and writes them.

Collect tasks run side by side, one per source, and each looks up the stories stored
before it writes (earshot/store/clusters.py). Two tasks hearing copies of one story at the
same moment (a press release on three local news sites, a news search result and the
publisher's item) would each find nothing stored and start a story of its own: the desk
would list it twice and the alerts count it twice. Naming a story by its canonical URL
closes that only for copies at one address. So a task holds a lease, a document in
earshot-cursors (the writer's own index: no new privilege), from its lookups until its
writes are searchable, and a task finding it held waits.

A lease whose holder died (a killed worker, a node lost mid-write) lapses after LEASE; the
same source's next try takes its own at once, as Airflow never runs two tries of one task
together. A holder slower than LEASE is overtaken: two tasks may then start one story
twice, as before there was a lease, and nothing is lost.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

from elasticsearch import ApiError, ConflictError, Elasticsearch, NotFoundError, TransportError

from earshot.store.indices import CURSORS

log = logging.getLogger(__name__)

# A task holds it for its lookups, one bulk write and a refresh: a second or two.
LEASE = timedelta(seconds=60)
LEASE_ID = "~stories"  # no source's name: a source's starts with a letter or digit
POLL_SECONDS = 0.1


@contextmanager
def deciding_stories(es: Elasticsearch, source: str) -> Iterator[None]:
    """Hold the lease while `source`'s mentions are matched to stories and written."""
    while not (held := _take(es, source)):
        time.sleep(POLL_SECONDS)
    try:
        yield
    finally:
        try:
            es.options(ignore_status=(404, 409)).delete(
                index=CURSORS, id=LEASE_ID, if_seq_no=held[0], if_primary_term=held[1]
            )
        except (TransportError, ApiError) as e:
            # Not the run's failure, nor in place of it: the mentions are written (or the
            # write's own error is on its way), and the lease lapses or the retry takes it.
            log.warning("source %r: story lease not given back (%s); it lapses", source, e)


def _take(es: Elasticsearch, source: str) -> tuple[int, int] | None:
    """The lease's sequence number and primary term once taken; None while another holds
    it. A lapsed lease, or this source's own from an earlier try, is deleted first."""
    now = datetime.now(UTC)
    try:
        made = es.create(
            index=CURSORS,
            id=LEASE_ID,
            document={"source": LEASE_ID, "state": {"holder": source}, "updated": now.isoformat()},
        )
        return made["_seq_no"], made["_primary_term"]
    except ConflictError:
        pass
    try:
        lease = es.get(index=CURSORS, id=LEASE_ID)
    except NotFoundError:
        return None  # released meanwhile: ask again
    taken = datetime.fromisoformat(lease["_source"]["updated"])
    holder = lease["_source"]["state"].get("holder")
    if holder == source or now - taken > LEASE:
        if holder != source:
            log.warning("source %r: took the story lease %r held since %s", source, holder, taken)
        es.options(ignore_status=(404, 409)).delete(
            index=CURSORS,
            id=LEASE_ID,
            if_seq_no=lease["_seq_no"],
            if_primary_term=lease["_primary_term"],
        )
    return None
