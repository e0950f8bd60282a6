"""A new alert rule is one class and one registry entry: here a rule known only to this test
opens, tells and resolves alerts through the real lifecycle and notifications, on the real
Elasticsearch, with no other module knowing its name."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from elasticsearch import Elasticsearch

from earshot.alerts.lifecycle import list_alerts
from earshot.alerts.model import Evidence
from earshot.alerts.notify import deliver_pending
from earshot.alerts.registry import RULES, validated
from earshot.alerts.rule import DetectionRule, Situation
from earshot.alerts.run import evaluate
from earshot.core.paths import DEFAULT_PROFILE
from earshot.core.profile import Profile, Recipients
from earshot.store.fields import time_range
from earshot.store.indices import MENTIONS
from listeners import load_profile
from tests.alert_helpers import at, put_mentions, talk

T = at("2026-11-18 10:15")
HOUR = timedelta(hours=1)
ON_CALL = ["oncall@lincs.police.example"]


class AnyTalk(DetectionRule):
    """Fires while the force is talked about at all: nothing a force would want, but easy to
    make fire."""

    name = "any-talk"
    headline = "People are talking about the force"
    options = frozenset({"min_count"})

    def detect(self, es: Elasticsearch, profile: Profile, now: datetime) -> list[Situation]:
        start = now - HOUR
        found = es.count(index=MENTIONS, query=time_range(start, now), ignore_unavailable=True)
        if found["count"] < profile.alerts.min_count:
            return []
        evidence = Evidence(
            window_start=start, window_end=now, count=found["count"], baseline=0.0, probability=1.0
        )
        return [Situation(self.name, "all", 60, evidence)]

    def message(self, situation: Situation) -> str:
        return f"{situation.evidence.count} mentions of the force in the hour"


@pytest.fixture
def any_talk(monkeypatch) -> None:
    monkeypatch.setitem(RULES, AnyTalk.name, validated(AnyTalk()))
    monkeypatch.delenv("AIRFLOW_CONN_EARSHOT_ALERTS_WEBHOOK", raising=False)


def test_a_registered_rule_opens_tells_and_resolves_its_alert(es, any_talk, mailbox):
    profile = load_profile(DEFAULT_PROFILE).model_copy(
        update={"recipients": Recipients(alerts=ON_CALL)}
    )
    # Neutral talk, too new for any history: the built-in rules stay silent.
    put_mentions(es, [talk(n, T - timedelta(minutes=30), tone=0.0) for n in range(5)])

    [opened] = evaluate(es, profile, T)["opened"]
    [alert] = list_alerts(es)
    assert (alert.id, alert.rule, alert.key) == (opened, "any-talk", "all")
    assert alert.message == "5 mentions of the force in the hour"

    assert deliver_pending(es, profile, now=T).sent == ((opened, "email"),)
    [email] = mailbox.messages()
    assert email["Subject"] == "Earshot alert: 5 mentions of the force in the hour"
    text = email.get_body(("plain",)).get_content()
    assert "What fired: People are talking about the force (all mentions)" in text

    # An hour later nobody is talking: it resolves at once, the protocol's default.
    assert evaluate(es, profile, T + HOUR + timedelta(minutes=15))["resolved"] == [opened]
