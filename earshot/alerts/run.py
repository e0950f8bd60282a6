"""One evaluation of the alert rules as of a moment: what the alerts DAG runs each time new
mentions land (or every 15 minutes), and what a benchmark or a test replays."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime

from elasticsearch import Elasticsearch

from earshot.alerts.lifecycle import apply
from earshot.alerts.notify import channels
from earshot.alerts.registry import RULES
from earshot.core.profile import Profile


def evaluate(
    es: Elasticsearch, profile: Profile, now: datetime, *, actor: str | None = None
) -> dict[str, list[str]]:
    """Run every registered rule as of `now` and bring the alerts up to date; `actor` is
    audited for automatic resolutions. Returns the alert ids opened, updated, reopened and
    resolved."""
    situations = [found for rule in RULES.values() for found in rule.detect(es, profile, now)]
    report = apply(
        es,
        situations,
        now=now,
        channels=channels(profile),
        settings=profile.alerts,
        actor=actor,
    )
    return asdict(report)
