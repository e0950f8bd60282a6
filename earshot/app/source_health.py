"""Which sources are alive: one line per source of the profile, from what each collect run
left beside its cursor (earshot/store/cursors.py). A source that fails only shows in
Airflow's task logs otherwise, and a source waiting for its platform is skipped, not failed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from elasticsearch import Elasticsearch

from earshot.core.clock import FORCE_TIME_ZONE
from earshot.core.profile import Profile
from earshot.store.cursors import CursorsUnreadable, load_cursors
from listeners import LISTENER_FOR_MODEL
from listeners.threads import ThreadsSource, search_budget


@dataclass(frozen=True)
class SourceHealth:
    """Times are UK time, as the analyst reads them, to the minute."""

    source: str
    kind: str
    last_success: str | None  # None: never heard
    last_error: str | None  # "<when>: <reason>", secrets blanked
    heard_last_run: int | None  # items the last successful run heard, before relevance
    # waiting for the platform, the day's paid budget or search budget, then the last
    # run's warnings
    limits: list[str]


def source_health(es: Elasticsearch, profile: Profile, now: datetime) -> list[SourceHealth] | None:
    """In the profile's order; a source never collected has nothing but its name. None when
    these credentials may not read the cursors (an analyst's may not: they hold where each
    platform's listing was read to), so the counts are still shown."""
    try:
        docs = load_cursors(es, [source.name for source in profile.sources])
    except CursorsUnreadable:
        return None
    lines = []
    for source in profile.sources:
        doc = docs.get(source.name, {})
        health, state = doc.get("health", {}), doc.get("state", {})
        error = health.get("last_error")
        waiting = _waiting(health, LISTENER_FOR_MODEL[type(source)].platform, now)
        limits = waiting + _limits(state, getattr(source, "max_posts_per_day", None), now)
        if isinstance(source, ThreadsSource) and (budget := search_budget(source, state, now)):
            limits.append(budget)
        lines.append(
            SourceHealth(
                source=source.name,
                kind=source.kind,
                last_success=_local(health.get("last_success")),
                last_error=f"{_local(health.get('last_error_at'))}: {error}" if error else None,
                heard_last_run=health.get("heard"),
                limits=limits + health.get("warnings", []),
            )
        )
    return lines


def _waiting(health: dict, platform: str, now: datetime) -> list[str]:
    """The wait a 429 or a spent rate limit asked for (earshot/app/platform_waits.py), while
    it lasts: no run asks the platform before then."""
    if (wait := health.get("wait_until")) and datetime.fromisoformat(wait) > now:
        return [f"waiting for {platform} until {_local(wait)}"]
    return []


def _limits(state: dict[str, str], posts_per_day: int | None, now: datetime) -> list[str]:
    """What the cursor says the platform allows: the posts read on the force's calendar day
    (`day`, `read`) against the source's cap."""
    if not posts_per_day:
        return []
    today = now.astimezone(FORCE_TIME_ZONE).date().isoformat()
    read = int(state["read"]) if state.get("day") == today else 0
    return [f"{read} of max_posts_per_day {posts_per_day} posts read today"]


def _local(moment: str | None) -> str | None:
    if not moment:
        return None
    return datetime.fromisoformat(moment).astimezone(FORCE_TIME_ZONE).strftime("%Y-%m-%d %H:%M")
