"""Telling on-call staff: every open alert's pending deliveries (email, webhook) are tried
on each run, and the outcome is written onto the alert in Elasticsearch, so a mail server
or webhook that is down loses nothing: the alert waits, marked failed, for the next run.

A delivery that has failed MAX_ATTEMPTS times stays failed and is not tried again; nor is
one whose outcome is unknown (sent, but no answer came: it may have arrived, and a second
copy is worse than asking on-call to check). The alert shows it
(`notifications.<channel>`: state, attempts, last_error), and the alert itself is still
there in `earshot alerts list` and Kibana. An email the mail server refused for some
addresses only is tried again for those alone, if they were refused for now (_by_email).
Acknowledged and resolved alerts are not sent: someone already has them.

A channel that could not be reached or did not answer is not tried again in the same run:
each try of a mail server or webhook that is gone takes up to a minute or two, and the
task's five minutes would go on it, alert after alert, while on-call's other channel
waited behind it. The deliveries left wait for the next run, with no attempt counted.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import get_args

from elasticsearch import Elasticsearch

from earshot.alerts.email import send_alert_email
from earshot.alerts.model import (
    ALERTS,
    MAPPING,
    Alert,
    Channel,
    Delivery,
    DeliveryState,
    from_hit,
)
from earshot.alerts.summary import Summary, summarise
from earshot.alerts.webhook import (
    WebhookError,
    WebhookRefused,
    hide_webhook_url,
    post_alert,
    webhook,
    webhook_configured,
)
from earshot.core.desk_links import desk_url
from earshot.core.errors import EarshotError, OutcomeUnknown
from earshot.core.mail import DeliveryError, RefusedForGood, each_once
from earshot.core.profile import Profile
from earshot.store.indices import require_fields

MAX_ATTEMPTS = 10  # with runs every 15 minutes, about two and a half hours of trying
PER_RUN = 100  # alerts are few; any beyond this wait for the next run
ERROR_CHARS = 300
DUE_STATES = ["pending", "failed"]
CHANNELS: tuple[Channel, ...] = get_args(Channel)
# Failures that are this alert's own (the channel answered, and refused it): the channel is
# up, and the next alert is tried on it. Any other failure stops the channel for the run.
REFUSED = (RefusedForGood, WebhookRefused)

log = logging.getLogger(__name__)


class NotificationFailed(EarshotError):
    """Some alert could not be delivered this run; it is recorded and tried again."""


@dataclass(frozen=True)
class DeliveryReport:
    sent: tuple[tuple[str, Channel], ...] = ()  # (alert id, channel)
    failed: tuple[tuple[str, Channel, str], ...] = ()  # (alert id, channel, error)
    unknown: tuple[tuple[str, Channel, str], ...] = ()  # sent, no answer: not sent again
    waiting: tuple[tuple[str, Channel], ...] = ()  # not tried: the channel was down this run

    def raise_for_failures(self) -> None:
        """For the DAG: a red task when anything failed or may not have arrived, after every
        outcome was recorded, so someone checks."""
        said = []
        if self.waiting:
            said.append(
                f"{len(self.waiting)} alert deliveries were not tried, as their channel failed "
                "earlier in this run (tried next run, no attempt counted): "
                + "; ".join(f"{alert} by {channel}" for alert, channel in self.waiting)
            )
        if self.failed:
            said.append(
                f"{len(self.failed)} alert deliveries failed (each is tried again next run, up "
                f"to {MAX_ATTEMPTS} attempts, unless refused for good): {_listed(self.failed)}"
            )
        if self.unknown:
            said.append(
                f"{len(self.unknown)} alert deliveries may not have arrived (not sent again: "
                f"check the channel): {_listed(self.unknown)}"
            )
        if said:
            raise NotificationFailed(". ".join(said))


def _listed(outcomes: tuple[tuple[str, Channel, str], ...]) -> str:
    return "; ".join(f"{alert} by {channel}: {error}" for alert, channel, error in outcomes)


def channels(profile: Profile) -> list[Channel]:
    """The channels a new alert is delivered by: what the profile and connections set up."""
    configured: list[Channel] = []
    if profile.recipients.alerts:
        configured.append("email")
    if webhook_configured():
        configured.append("webhook")
    return configured


def deliver_pending(
    es: Elasticsearch, profile: Profile, now: datetime | None = None
) -> DeliveryReport:
    """Try every due delivery once (each channel retries briefly inside) and record each
    outcome on its alert as soon as it is known."""
    now = now or datetime.now(UTC)
    desk = desk_url()  # a mistyped address stops the run here, before any alert is touched
    if not es.indices.exists(index=ALERTS):
        return DeliveryReport()  # no alert has ever opened
    require_fields(es, ALERTS, MAPPING)  # each outcome is written after it went out
    found = es.search(index=ALERTS, query=_due(), size=PER_RUN, sort=[{"@timestamp": "asc"}])
    sent: list[tuple[str, Channel]] = []
    failed: list[tuple[str, Channel, str]] = []
    unknown: list[tuple[str, Channel, str]] = []
    waiting: list[tuple[str, Channel]] = []
    down: set[Channel] = set()
    for alert in map(from_hit, found["hits"]["hits"]):
        summary = summarise(alert, desk=desk)
        for channel, due in _due_deliveries(alert):
            if channel in down:
                waiting.append((alert.id, channel))
                continue
            outcome, channel_down = _attempt(channel, summary, profile, due, now)
            if channel_down:
                down.add(channel)
            if outcome.state == "sent":
                sent.append((alert.id, channel))
                log.info("alert %s sent by %s", alert.id, channel)
            if outcome.last_error:
                said = (alert.id, channel, outcome.last_error)
                (unknown if outcome.state == "unknown" else failed).append(said)
                log.warning(
                    "alert %s %s by %s (attempt %d of %d): %s",
                    alert.id,
                    _LOGGED_AS[outcome.state],
                    channel,
                    outcome.attempts,
                    MAX_ATTEMPTS,
                    outcome.last_error,
                )
            _record(es, alert, channel, outcome)
    if waiting:
        log.warning("%d alert deliveries wait for the next run: %s", len(waiting), waiting)
    return DeliveryReport(
        sent=tuple(sent), failed=tuple(failed), unknown=tuple(unknown), waiting=tuple(waiting)
    )


_LOGGED_AS = {  # an outcome with an error, in the run's log
    "sent": "not sent to everyone",
    "failed": "not sent",
    "unknown": "may not have arrived",
}


def _attempt(
    channel: Channel, summary: Summary, profile: Profile, due: Delivery, now: datetime
) -> tuple[Delivery, bool]:
    """The outcome to record, and whether the channel is down (REFUSED says when it is not);
    what went wrong is short, and never the webhook's URL."""
    attempts = due.attempts + 1
    down = False
    try:
        left = _SENDERS[channel](summary, profile, due)
    except OutcomeUnknown as e:
        state: DeliveryState = "unknown"
        error, down = str(e), True
    except (DeliveryError, WebhookError) as e:
        state, error, down = "failed", str(e), not isinstance(e, REFUSED)
    except Exception as e:  # a bug must not lose the alert either: recorded, and the run red
        # No traceback: an exception's message may hold the webhook URL, hidden only here.
        state, error = "failed", hide_webhook_url(f"{type(e).__name__}: {e}")
        log.error("alert %s: %s delivery broke: %s", summary.alert_id, channel, error)
    else:
        sent_at = now if left.state == "sent" else None
        return left.model_copy(update={"attempts": attempts, "sent_at": sent_at}), False
    error = _short(hide_webhook_url(error))
    failure = Delivery(state=state, attempts=attempts, last_error=error, retry_only=due.retry_only)
    return failure, down


def _due() -> dict:
    return {
        "bool": {
            "filter": [{"term": {"status": "open"}}],
            "should": [
                {
                    "bool": {
                        "filter": [{"terms": {f"notifications.{c}.state": DUE_STATES}}],
                        "must_not": [
                            {"range": {f"notifications.{c}.attempts": {"gte": MAX_ATTEMPTS}}}
                        ],
                    }
                }
                for c in CHANNELS
            ],
            "minimum_should_match": 1,
        }
    }


def _due_deliveries(alert: Alert) -> list[tuple[Channel, Delivery]]:
    return [
        (channel, delivery)
        for channel, delivery in alert.notifications.items()
        if delivery.state in DUE_STATES and delivery.attempts < MAX_ATTEMPTS
    ]


def _record(es: Elasticsearch, alert: Alert, channel: Channel, delivery: Delivery) -> None:
    """A partial update of this channel alone: detection may be updating the rest."""
    es.update(
        index=ALERTS,
        id=alert.id,
        doc={"notifications": {channel: delivery.model_dump(mode="json")}},
        refresh="wait_for",
    )


def _short(error: str) -> str:
    return error if len(error) <= ERROR_CHARS else error[: ERROR_CHARS - 1] + "…"


def _by_email(summary: Summary, profile: Profile, due: Delivery) -> Delivery:
    """Addresses the mail server refused for now (4yz) while others took the email are tried
    again next run, alone; ones it refused for good (5yz) are named and not tried again: it
    will refuse them the same way (RFC 5321 §4.2.1)."""
    if not profile.recipients.alerts:
        raise DeliveryError("no recipients: set recipients.alerts in the profile")
    on_call = each_once(profile.recipients.alerts)
    mail = send_alert_email(summary, on_call, only_to=due.retry_only)
    for_good = mail.refused_for_good
    said = []
    if mail.refused_for_now:
        said.append(f"refused for now, tried again next run: {', '.join(mail.refused_for_now)}")
    if for_good:
        said.append(f"refused for good, not tried again: {', '.join(for_good)}")
    return Delivery(
        state="failed" if mail.refused_for_now else "sent",
        last_error=_short(f"the mail server {'; '.join(said)}") if said else None,
        retry_only=mail.refused_for_now,
    )


def _by_webhook(summary: Summary, profile: Profile, due: Delivery) -> Delivery:
    del profile, due  # the webhook is a connection, not a profile setting; one post is all
    post_alert(summary, webhook())
    return Delivery(state="sent")


_SENDERS: dict[Channel, Callable[[Summary, Profile, Delivery], Delivery]] = {
    "email": _by_email,
    "webhook": _by_webhook,
}
