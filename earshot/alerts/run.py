"""One evaluation of the alert rules as of a moment: what the alerts DAG runs each time new
mentions land (or every 15 minutes), and what a benchmark or a test replays."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime

from elasticsearch import Elasticsearch

from earshot.alerts.detect import find_spikes
from earshot.alerts.evidence import gather
from earshot.alerts.lifecycle import Situation, apply
from earshot.alerts.notify import channels
from earshot.alerts.quiet import find_quiet_sources
from earshot.core.profile import Profile


def evaluate(
    es: Elasticsearch, profile: Profile, now: datetime, *, actor: str | None = None
) -> dict[str, list[str]]:
    """Detect spikes and silent sources as of `now`, with their evidence, and bring the
    alerts up to date; `actor` is audited for automatic resolutions. Returns the alert ids
    opened, updated, reopened and resolved."""
    settings = profile.alerts
    spikes = [
        Situation(
            "negative-spike",
            spike.key,
            spike.window_minutes,
            gather(
                es,
                spike,
                baseline_weeks=settings.baseline_weeks,
                force_handles=profile.force.handles,
            ),
        )
        for spike in find_spikes(es, settings, now)
    ]
    quiet = [
        Situation("source-quiet", q.key, round(settings.quiet_after_hours * 60), q.evidence())
        for q in find_quiet_sources(es, settings, now)
    ]
    report = apply(
        es,
        spikes + quiet,
        now=now,
        channels=channels(profile),
        cooldown_minutes=settings.cooldown_minutes,
        longest_window_minutes=max(settings.windows_minutes),
        actor=actor,
    )
    return asdict(report)
