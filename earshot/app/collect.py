"""Collect one source: listen → enrich → index → advance its cursor, in that order.

The cursor is saved only after every kept mention is indexed, so a crash at any
point means the next run hears the same items again, and the store's exactly-once
writes make that harmless. A report says what its own try stored; whether the alerts are
woken is the collect DAG's `announce` to ask the store, as a try stopped after saving the
cursor leaves its retry nothing new to hear or report.
A listener that fails, or whose mentions the node refuses, leaves its cursor, but for what
it spent quota to learn whatever is indexed (a YouTube search: `Listener.spent`).
"""

from __future__ import annotations

import gc
import logging
import os
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta

from elasticsearch import Elasticsearch

from earshot.app.platform_waits import AskedToWait, refuse_while_waiting, wait_asked
from earshot.core.errors import EarshotError
from earshot.core.profile import Profile, profile_path
from earshot.core.pseudonym import author_key
from earshot.governance.retention import kept_since
from earshot.store import audit
from earshot.store.cursors import load_cursor, note_failure, save_cursor, wait_until
from earshot.store.indices import CURSORS, ERASED, require_installed
from earshot.store.mentions import Handles, IndexingError, index_mentions
from earshot.store.story_lease import deciding_stories
from enrichment import Enricher
from listeners import ListenerError, listener_for

log = logging.getLogger(__name__)

_NO_FULL_PASS = 2**30  # young passes before a full one: none in any run
# Set by `earshot demo` only: the one place the demo's profile may be collected.
DEMO_VARIABLE = "EARSHOT_DEMO"


class DemoProfile(EarshotError):
    """The demo's profile, given to a deployment."""


def refuse_demo_profile(profile: Profile) -> None:
    """The demo's sources are sample feeds on the demo's own loopback server: anywhere else
    every run would fail, and nothing about the force would ever be heard."""
    if profile.demo and os.environ.get(DEMO_VARIABLE) != "1":
        raise DemoProfile(
            f"{profile_path()} is the demo's profile (demo: true): set EARSHOT_PROFILE to "
            "the force's own, made from profiles/example-force.yaml"
        )


@dataclass(frozen=True)
class SourceReport:
    """What one try did: the collect task's result, small enough for Airflow to keep."""

    source: str
    heard: int
    past_retention: int
    not_about_force: int
    # Why those were dropped: other-force, other-sense, not-in-area, not-about-policing.
    dropped: dict[str, int]
    new: int  # stored by this try
    already_indexed: int
    unchanged: bool

    def as_dict(self) -> dict:
        return asdict(self)


@contextmanager
def _full_collections_paused() -> Iterator[None]:
    """Python's full garbage-collection passes walk every object alive: the enrichment's
    models and rules are half a million, and a run holds each mention it hears until it is
    indexed, so the passes find little to free and cost 2 to 3 s of a 20,000-item run
    (bench/ingest.py). Young objects are still collected; the full passes resume, as set
    before, when the run ends however it ends. One source at a time in a process (an
    Airflow task each)."""
    young, middle, full = gc.get_threshold()
    gc.set_threshold(young, middle, _NO_FULL_PASS)
    try:
        yield
    finally:
        gc.set_threshold(young, middle, full)


@_full_collections_paused()
def collect_source(
    es: Elasticsearch, profile: Profile, name: str, now: datetime | None = None
) -> SourceReport:
    """Raises ListenerError (source unreadable; AskedToWait when its platform asked for a
    wait, also when the mentions then failed to index), IndexingError or
    PseudonymKeyMissing, and the cursor then stays put; StillWaiting before that wait, or
    the one a run that spent the rate limit saved, is over, asking nothing. `now` is the
    clock's unless a test or a harness says otherwise."""
    source = profile.source(name)
    _require_pseudonym_key()
    require_installed(es, CURSORS, ERASED)  # setup's, made with the templates
    audit.note_profile(es, profile.model_dump(mode="json"))  # a changed profile is audited
    cursor = load_cursor(es, name)
    now = now or datetime.now(UTC)
    listener = listener_for(source, now=now)
    refuse_while_waiting(name, listener.platform, wait_until(es, name), now)
    started = time.monotonic()
    try:
        heard = listener.listen(cursor)
    except ListenerError as e:
        wait = wait_asked(name, e.rate_limited_until, now, took=_since(started))
        # The source's health line (`earshot stats`), and what cost quota to learn.
        note_failure(es, name, e.reason, spent=e.cursor, wait_until=wait)
        if wait:
            raise AskedToWait(name, e.reason, wait, now) from e
        raise
    # Its rate limit spent on a page read: no run asks before it is back, as after a 429.
    wait = wait_asked(name, heard.wait_until, now, took=_since(started))
    for warning in heard.warnings:
        log.warning("source %r: %s", name, warning)
    # Already past retention: stored, it would be deleted tonight and heard again tomorrow.
    kept_from = kept_since("mentions", profile.retention, now)
    current = [m for m in heard.mentions if m.published >= kept_from]
    enricher = Enricher.for_profile(profile)
    judged = [
        enricher.judge(m, is_reply=source.keep == "all", news=source.reads_as_news) for m in current
    ]
    kept = [enricher.complete(j) for j in judged if j.kept]
    dropped = Counter(j.mention.not_relevant for j in judged if not j.kept)
    try:
        with deciding_stories(es, name):  # copies heard by another task at once: one story
            written = index_mentions(es, kept, handles=Handles.for_profile(profile))
    except IndexingError as e:
        # The node answered but refused some (a write block, a full disk): the cursor waits,
        # and `earshot stats` says why rather than showing the source heard fine. A wait the
        # platform asked for stands (see earshot/app/platform_waits.py), and so does what
        # cost quota to learn: the platform counted it whatever the node refused.
        spent = listener.spent()
        note_failure(es, name, str(e), spent=cursor | spent if spent else None, wait_until=wait)
        if wait:
            raise AskedToWait(name, str(e), wait, now) from e
        raise
    save_cursor(
        es,
        name,
        heard.cursor,
        heard=len(heard.mentions),
        warnings=tuple(heard.warnings),
        wait_until=wait,
    )
    report = SourceReport(
        source=name,
        heard=len(heard.mentions),
        past_retention=len(heard.mentions) - len(current),
        not_about_force=len(judged) - len(kept),
        dropped=dict(sorted(dropped.items())),
        new=written.new,
        already_indexed=written.already_indexed,
        unchanged=heard.unchanged,
    )
    log.info(
        "source %r: %s", name, "unchanged since last fetch" if heard.unchanged else report.as_dict()
    )
    return report


def _since(started: float) -> timedelta:
    return timedelta(seconds=time.monotonic() - started)


def _require_pseudonym_key() -> None:
    """Fail before anything is fetched: no mention is stored without its author's pseudonym,
    and a run that could not store what it heard must not be half done. Pseudonymising
    anything checks the secret (PseudonymKeyMissing when unset or short)."""
    author_key("")
