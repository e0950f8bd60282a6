"""One alert per situation: open → acknowledged → resolved, kept in Elasticsearch.

A situation is a (rule, key): the 15-minute and the 1-hour window of the same key are the
same situation, and while a key that covers it fires (the county-wide spike covers a topic or
place spike, collection stopping a source gone quiet), it is part of that alert rather than a
second one. While it keeps firing, its alert is updated (the evidence replaced when the new
window is bigger), never opened again. It resolves itself once calm. What covers what and
what is calm, each rule says (alerts/rule.py): nothing here knows one rule from another.

Repeat openings back off: within `cooldown_minutes * 2^(openings-1)` (at most a day) of the
last resolution the earlier alert is reopened silently — it shows in `earshot alerts list`
again but nobody is paged twice for a flapping story. After the cooldown a new alert opens
(and is notified); if it comes within as long again (the story still flapping) its
`openings` is one higher, so the next cooldown is twice as long. Later, it starts afresh:
a busy week of separate stories must not stretch the cooldown until the next day's story
is reopened silently into yesterday's alert.

Every time is the evaluation's `now`, never the clock, so re-running a window changes nothing.
Writes use optimistic concurrency: an acknowledgement made while a run works is never undone.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from elasticsearch import ConflictError, Elasticsearch, NotFoundError

from earshot.alerts.detect import as_utc
from earshot.alerts.model import (
    ALERTS,
    Alert,
    Delivery,
    StatusChange,
    alert_id,
    from_hit,
    to_document,
)
from earshot.alerts.registry import rule_named
from earshot.alerts.rule import Situation
from earshot.core.errors import EarshotError
from earshot.core.profile import AlertSettings
from earshot.store.audit import actor_name, record
from earshot.store.indices import require_installed

MAX_COOLDOWN = timedelta(hours=24)
EARSHOT = "earshot"
RECENT = 1_000  # alerts read per run: every active one and the recently resolved


class AlertNotFound(EarshotError, LookupError):
    """No alert has the id a person gave."""


class AlertChanged(EarshotError, RuntimeError):
    """The alert changed while a person was changing it: nothing was written; try again."""


@dataclass
class LifecycleReport:
    opened: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    reopened: list[str] = field(default_factory=list)
    resolved: list[str] = field(default_factory=list)
    conflicts: list[str] = field(default_factory=list)  # changed meanwhile: next run retries


@dataclass(frozen=True)
class _Stored:
    alert: Alert
    seq_no: int
    primary_term: int


def apply(
    es: Elasticsearch,
    situations: list[Situation],
    *,
    now: datetime,
    channels: list[str],
    settings: AlertSettings,
    actor: str | None = None,
) -> LifecycleReport:
    """Open, update, reopen and resolve alerts so each situation has at most one active;
    `settings` give the cooldown and what each rule needs to judge calm."""
    require_installed(es, ALERTS)
    now = as_utc(now)
    report = LifecycleReport()
    active, last_resolved = _recent(es, now)
    fired: dict[tuple[str, str], list[Situation]] = defaultdict(list)
    for situation in situations:
        fired[(situation.rule, situation.key)].append(situation)
    for situation_key in _covered(fired, active):
        del fired[situation_key]
    for situation_key, found in fired.items():
        strongest = min(found, key=lambda s: s.evidence.probability)
        biggest = max(found, key=lambda s: s.size)
        if situation_key in active:
            _write(
                es,
                _updated(active[situation_key].alert, biggest),
                active[situation_key],
                report.updated,
                report,
            )
        elif (previous := last_resolved.get(situation_key)) and now < _cooled(
            previous.alert, settings.cooldown_minutes
        ):
            reopened = _updated(previous.alert, biggest).model_copy(
                update={"status": "open", "resolved": None, "acknowledged": None}
            )
            _write(es, reopened, previous, report.reopened, report)
        else:
            previous_alert = previous.alert if previous else None
            _open(es, strongest, previous_alert, channels, now, settings.cooldown_minutes, report)
    for situation_key, stored in active.items():
        alert = stored.alert
        if situation_key not in fired and rule_named(alert.rule).is_calm(alert, now, settings):
            resolved = _with_status(alert, "resolved", StatusChange(at=now, by=EARSHOT))
            if _write(es, resolved, stored, report.resolved, report):
                _audit(es, alert, resolved, actor=actor or actor_name())
    return report


def acknowledge(es: Elasticsearch, id: str, *, by: str | None = None) -> Alert:
    """A person has seen it and is on it. Audited; acknowledging twice changes nothing."""
    return _change_by_person(es, id, "acknowledged", by)


def resolve(es: Elasticsearch, id: str, *, by: str | None = None) -> Alert:
    """A person closes it. Audited; resolving twice changes nothing."""
    return _change_by_person(es, id, "resolved", by)


def list_alerts(
    es: Elasticsearch, *, include_resolved: bool = False, size: int = 200
) -> list[Alert]:
    """Newest first; by default only what still needs someone (open and acknowledged).
    Only reads, so an analyst who may only look can list them."""
    require_installed(es, ALERTS)
    query = (
        {"match_all": {}} if include_resolved else {"terms": {"status": ["open", "acknowledged"]}}
    )
    hits = es.search(
        index=ALERTS,
        query=query,
        size=size,
        sort=[{"@timestamp": "desc"}],
        ignore_unavailable=True,
    )
    return [from_hit(hit) for hit in hits["hits"]["hits"]]


def _open(
    es: Elasticsearch,
    situation: Situation,
    previous: Alert | None,
    channels: list[str],
    now: datetime,
    cooldown_minutes: int,
    report: LifecycleReport,
) -> None:
    evidence = situation.evidence
    flapping = (
        previous is not None
        and previous.resolved is not None
        and now - previous.resolved.at < 2 * _cooldown(previous, cooldown_minutes)
    )
    opened = evidence.window_end
    alert = Alert(
        id=alert_id(situation.rule, situation.key, situation.window_minutes, opened),
        rule=situation.rule,
        key=situation.key,
        window_minutes=situation.window_minutes,
        opened=opened,
        updated=opened,
        message=_message(situation),
        evidence=evidence,
        openings=previous.openings + 1 if flapping else 1,
        notifications={channel: Delivery() for channel in channels},
    )
    try:
        es.create(index=ALERTS, id=alert.id, document=to_document(alert), refresh="wait_for")
    except ConflictError:
        return  # this very opening is already stored: a re-run of the same window
    report.opened.append(alert.id)


def _updated(alert: Alert, situation: Situation) -> Alert:
    changes: dict = {"updated": max(alert.updated, situation.evidence.window_end)}
    current = Situation(alert.rule, alert.key, alert.window_minutes, alert.evidence)
    if situation.size > current.size:
        changes |= {
            "evidence": situation.evidence,
            "window_minutes": situation.window_minutes,
            "message": _message(situation),
        }
    return alert.model_copy(update=changes)


def _message(situation: Situation) -> str:
    return rule_named(situation.rule).message(situation)


def _covered(
    fired: dict[tuple[str, str], list[Situation]], active: dict[tuple[str, str], _Stored]
) -> list[tuple[str, str]]:
    """Fired situations with no alert yet that would only repeat another of the same rule,
    fired or active, whose key covers theirs (the rule says which do)."""
    broader = fired.keys() | active.keys()
    return [
        (rule, key)
        for rule, key in fired
        if (rule, key) not in active
        and any(
            other_rule == rule and other != key and rule_named(rule).covers(other, key)
            for other_rule, other in broader
        )
    ]


def _cooled(alert: Alert, cooldown_minutes: int) -> datetime:
    """When the cooldown after this alert's resolution ends."""
    assert alert.resolved is not None
    return alert.resolved.at + _cooldown(alert, cooldown_minutes)


def _cooldown(alert: Alert, cooldown_minutes: int) -> timedelta:
    """Doubling with each repeat opening, at most a day."""
    return min(timedelta(minutes=cooldown_minutes * 2 ** (alert.openings - 1)), MAX_COOLDOWN)


def _recent(
    es: Elasticsearch, now: datetime
) -> tuple[dict[tuple[str, str], _Stored], dict[tuple[str, str], _Stored]]:
    """The active alert of each situation, and the last resolved one of the past day."""
    es.indices.refresh(index=ALERTS)
    hits = es.search(
        index=ALERTS,
        query={
            "bool": {
                "should": [
                    {"terms": {"status": ["open", "acknowledged"]}},
                    {"range": {"resolved.at": {"gte": (now - MAX_COOLDOWN).isoformat()}}},
                ]
            }
        },
        size=RECENT,
        sort=[{"updated": "desc"}],
        seq_no_primary_term=True,
    )["hits"]["hits"]
    active: dict[tuple[str, str], _Stored] = {}
    resolved: dict[tuple[str, str], _Stored] = {}
    for hit in hits:
        stored = _Stored(from_hit(hit), hit["_seq_no"], hit["_primary_term"])
        situation_key = (stored.alert.rule, stored.alert.key)
        into = resolved if stored.alert.status == "resolved" else active
        into.setdefault(situation_key, stored)
    return active, resolved


def _write(
    es: Elasticsearch, alert: Alert, stored: _Stored, done: list[str], report: LifecycleReport
) -> bool:
    """Store the changed alert unless nothing changed or someone changed it meanwhile."""
    if alert == stored.alert:
        return False
    try:
        es.index(
            index=ALERTS,
            id=alert.id,
            document=to_document(alert),
            if_seq_no=stored.seq_no,
            if_primary_term=stored.primary_term,
            refresh="wait_for",
        )
    except ConflictError:
        report.conflicts.append(alert.id)
        return False
    done.append(alert.id)
    return True


def _with_status(alert: Alert, status: str, change: StatusChange) -> Alert:
    field_name = "acknowledged" if status == "acknowledged" else "resolved"
    return alert.model_copy(update={"status": status, field_name: change})


def _change_by_person(es: Elasticsearch, id: str, status: str, by: str | None) -> Alert:
    require_installed(es, ALERTS)
    try:
        hit = es.get(index=ALERTS, id=id)
    except NotFoundError:
        raise AlertNotFound(f"no alert with id {id!r} (see `earshot alerts list --all`)") from None
    stored = _Stored(from_hit(hit), hit["_seq_no"], hit["_primary_term"])
    alert = stored.alert
    if alert.status == status or (alert.status == "resolved" and status == "acknowledged"):
        return alert
    person = by or actor_name()
    changed = _with_status(alert, status, StatusChange(at=datetime.now(UTC), by=person))
    report = LifecycleReport()
    if not _write(es, changed, stored, [], report):
        raise AlertChanged(f"alert {id} changed meanwhile; nothing was written, try again")
    _audit(es, alert, changed, actor=person)
    return changed


def _audit(es: Elasticsearch, before: Alert, after: Alert, *, actor: str) -> None:
    action = "alert.acknowledge" if after.status == "acknowledged" else "alert.resolve"
    record(
        es,
        action,
        after.id,
        before={"status": before.status},
        after={"status": after.status},
        actor=actor,
    )
