"""The alert record: one per situation, kept in Elasticsearch through its whole life.

This is the contract between detection (the rules, alerts/registry.py), the lifecycle
(alerts/lifecycle.py), notification (alerts/notify.py), erasure, the digest's alerts
section and the Kibana objects (which read `@timestamp`, `status` and `message`).
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Literal

from elasticsearch import Elasticsearch
from pydantic import BaseModel, ConfigDict

from earshot.store.indices import install_index

ALERTS = "earshot-alerts"

AlertStatus = Literal["open", "acknowledged", "resolved"]
Channel = Literal["email", "webhook"]
# "unknown": sent, but no answer came; it may have arrived, so it is not sent again.
DeliveryState = Literal["pending", "sent", "failed", "unknown"]


class Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class EvidenceMention(Frozen):
    """One of the top negative mentions of the window (a near-duplicate cluster once).
    No author: an alert is about talk, not about who talked. A mention with risk flags keeps
    neither its words nor its link (a post's address often repeats its words): alerts are
    forwarded and listed to every analyst, and those words are seen only in the desk, where
    revealing them is recorded."""

    id: str
    title: str
    url: str | None
    source: str
    toward_force: float | None = None
    risk_flags: tuple[str, ...] = ()

    @property
    def shown_title(self) -> str:
        """What every channel may show of the post."""
        if self.risk_flags:
            return f"words withheld (flags: {', '.join(self.risk_flags)})"
        return self.title


class KnownEventNote(Frozen):
    name: str
    kind: str
    start: datetime
    end: datetime


class Evidence(Frozen):
    """Why the alert fired, in figures a duty officer can check."""

    window_start: datetime
    window_end: datetime
    count: int  # negative stories in the window, a near-duplicate cluster counted once
    baseline: float  # expected count for this hour of the week
    probability: float  # chance of at least `count` under the baseline
    share: float | None = None  # negative share of all mentions in the window
    baseline_share: float | None = None
    mentions: tuple[EvidenceMention, ...] = ()
    terms: tuple[str, ...] = ()  # significant terms of the window against the baseline
    places: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    event: KnownEventNote | None = None


class Delivery(Frozen):
    """One channel's delivery of the alert: retried on later runs until sent. An email the
    mail server took for some addresses and refused for now (4yz) for others is "failed"
    with those others in `retry_only`, the only ones the next try goes to; one refused for
    good (5yz) is named in `last_error`, even once "sent" to the rest, and not tried again."""

    state: DeliveryState = "pending"
    attempts: int = 0
    last_error: str | None = None
    sent_at: datetime | None = None
    retry_only: tuple[str, ...] = ()


class StatusChange(Frozen):
    at: datetime
    by: str


class Alert(Frozen):
    id: str
    rule: str  # the name of a registered rule (alerts/registry.py)
    key: str  # what the rule watched: "all", "topic:<topic>", "place:<place>", "source:<name>"
    window_minutes: int
    status: AlertStatus = "open"
    opened: datetime  # stored as @timestamp
    updated: datetime
    message: str  # one line for lists, digests and notification subjects
    evidence: Evidence
    openings: int = 1  # how often this (rule, key) has opened recently: drives the cooldown
    acknowledged: StatusChange | None = None
    resolved: StatusChange | None = None
    notifications: dict[Channel, Delivery] = {}


def alert_id(rule: str, key: str, window_minutes: int, opened: datetime) -> str:
    """Stable for one opening, so re-running the same window can never open it twice."""
    raw = f"{rule}\n{key}\n{window_minutes}\n{opened.isoformat()}"
    return hashlib.sha256(raw.encode()).hexdigest()[:24]


_KEYWORD = {"type": "keyword", "ignore_above": 1024}
_DATE = {"type": "date"}
_DELIVERY = {
    "properties": {
        "state": _KEYWORD,
        "attempts": {"type": "integer"},
        "last_error": {"type": "text"},
        "sent_at": _DATE,
        "retry_only": _KEYWORD,
    }
}
_CHANGE = {"properties": {"at": _DATE, "by": _KEYWORD}}
MAPPING = {
    "dynamic": "strict",
    "properties": {
        "@timestamp": _DATE,
        "status": _KEYWORD,
        "message": {"type": "text"},
        "rule": _KEYWORD,
        "key": _KEYWORD,
        "window_minutes": {"type": "integer"},
        "updated": _DATE,
        "openings": {"type": "integer"},
        "acknowledged": _CHANGE,
        "resolved": _CHANGE,
        "notifications": {"properties": {"email": _DELIVERY, "webhook": _DELIVERY}},
        "evidence": {
            "properties": {
                "window_start": _DATE,
                "window_end": _DATE,
                "count": {"type": "integer"},
                "baseline": {"type": "float"},
                "probability": {"type": "double"},
                "share": {"type": "float"},
                "baseline_share": {"type": "float"},
                "mentions": {
                    "properties": {
                        "id": _KEYWORD,
                        "title": {"type": "text"},
                        "url": _KEYWORD,
                        "source": _KEYWORD,
                        "toward_force": {"type": "float"},
                        "risk_flags": _KEYWORD,
                    }
                },
                "terms": _KEYWORD,
                "places": _KEYWORD,
                "sources": _KEYWORD,
                "event": {
                    "properties": {"name": _KEYWORD, "kind": _KEYWORD, "start": _DATE, "end": _DATE}
                },
            }
        },
    },
}


def ensure_alerts(es: Elasticsearch) -> None:
    """Part of `earshot setup`. One index: alerts are few, and retention deletes by age."""
    install_index(es, ALERTS, MAPPING)


def to_document(alert: Alert) -> dict:
    doc = alert.model_dump(mode="json", exclude={"id", "opened"})
    return {"@timestamp": alert.opened.isoformat(), **doc}


def from_hit(hit: dict) -> Alert:
    source = dict(hit["_source"])
    return Alert.model_validate({"id": hit["_id"], "opened": source.pop("@timestamp"), **source})
