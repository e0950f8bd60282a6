"""One alert per situation, kept in the real Elasticsearch: updates, settling, cooldown,
people acknowledging and resolving (audited), sources gone quiet, and `earshot alerts`."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest
from typer.testing import CliRunner

from earshot.alerts.detect import Spike
from earshot.alerts.evidence import gather
from earshot.alerts.lifecycle import (
    AlertNotFound,
    Situation,
    acknowledge,
    apply,
    list_alerts,
    resolve,
)
from earshot.alerts.model import Evidence, KnownEventNote
from earshot.alerts.run import evaluate
from earshot.alerts.spike import NegativeSpike
from earshot.app.cli import app
from earshot.core.clock import on_force_clocks
from earshot.core.paths import DEFAULT_PROFILE
from earshot.core.profile import AlertSettings
from earshot.governance.security import RESPONDER_ROLE
from earshot.store.audit import history, principal
from earshot.store.indices import MENTIONS
from listeners import load_profile
from tests.alert_helpers import at, put_mentions, rhythmic_history, talk, watching
from tests.file_realm import earshot_as, realm_users

T = at("2026-11-18 10:15")
ROBOT = "airflow:earshot_alerts"


def three_a_day(source: str, *, until) -> list:
    """Four weeks of a source delivering every 8 hours, the last delivery at `until`."""
    return [talk(n, until - timedelta(hours=8 * n), source=source, tone=0.0) for n in range(84)]


def spike(key: str, end, count: int = 9, window: int = 15) -> Situation:
    return Situation(
        "negative-spike",
        key,
        window,
        Evidence(
            window_start=end - timedelta(minutes=window),
            window_end=end,
            count=count,
            baseline=1.5,
            probability=1e-6,
        ),
    )


def run(es, situations, now, *, channels=(), cooldown=60):
    return apply(
        es,
        situations,
        now=now,
        channels=list(channels),
        settings=AlertSettings(windows_minutes=[15, 60], cooldown_minutes=cooldown),
        actor=ROBOT,
    )


def test_a_situation_that_keeps_firing_keeps_one_alert_with_the_bigger_evidence(es):
    first = run(es, [spike("all", T)], T)
    assert len(first.opened) == 1
    again = run(es, [spike("all", T)], T + timedelta(minutes=5))  # the same window re-run
    assert again.opened == again.updated == []
    later = run(
        es,
        [spike("all", T + timedelta(minutes=15), count=30, window=60)],
        T + timedelta(minutes=15),
    )
    assert later.updated == first.opened
    [alert] = list_alerts(es)
    assert (alert.evidence.count, alert.window_minutes) == (30, 60)
    assert alert.updated == T + timedelta(minutes=15)
    assert alert.opened == T


def test_tied_mentions_are_quoted_in_one_order_however_the_shard_holds_them(es):
    """The evidence quotes the window's most negative stories, the earliest first: ties on
    both would come in whatever order the shard holds them, which changes when the desk
    updates a mention, so an alert's update would quote other posts for the same window."""
    put_mentions(es, [talk(n, T - timedelta(minutes=5)) for n in range(25)])
    window = Spike("all", 15, T - timedelta(minutes=15), T, 25, 1.5, 1e-6, 1.0, 0.2)

    def quoted() -> list[str]:
        return [m.url for m in gather(es, window, baseline_weeks=4, force_handles=[]).mentions]

    first = quoted()
    for url in first:  # taken by a responder
        [hit] = es.search(index=MENTIONS, query={"term": {"url.full": url}})["hits"]["hits"]
        es.update(index=hit["_index"], id=hit["_id"], doc={"labels": {"assignee": "ann.other"}})
    es.indices.refresh(index=MENTIONS)
    assert quoted() == first


def test_a_topic_spike_during_a_county_wide_spike_is_part_of_it(es):
    report = run(
        es, [spike("all", T), spike("topic:public-order", T), spike("place:Lincoln", T)], T
    )
    assert [a.key for a in list_alerts(es)] == ["all"]
    assert len(report.opened) == 1


def test_new_alerts_wait_for_every_configured_channel(es):
    run(es, [spike("all", T)], T, channels=["email", "webhook"])
    [alert] = list_alerts(es)
    assert {c: d.state for c, d in alert.notifications.items()} == {
        "email": "pending",
        "webhook": "pending",
    }


def test_a_calmed_situation_resolves_itself_after_two_of_its_longest_windows(es):
    [opened] = run(es, [spike("all", T)], T).opened
    assert run(es, [], T + timedelta(minutes=90)).resolved == []
    assert run(es, [], T + timedelta(minutes=120)).resolved == [opened]
    [alert] = list_alerts(es, include_resolved=True)
    assert (alert.status, alert.resolved.by, alert.resolved.at) == (
        "resolved",
        "earshot",
        T + timedelta(minutes=120),
    )
    [audit] = history(es, action="alert.resolve")
    assert audit["target"] == opened and audit["actor"]["name"] == ROBOT
    assert (audit["before"], audit["after"]) == ({"status": "open"}, {"status": "resolved"})


def test_repeat_openings_back_off_exponentially(es):
    [first] = run(es, [spike("all", T)], T, channels=["email"]).opened
    resolved_at = T + timedelta(hours=2)
    run(es, [], resolved_at)
    # Within the hour's cooldown: the same alert opens again, with nobody paged anew.
    flare = resolved_at + timedelta(minutes=30)
    assert run(es, [spike("all", flare)], flare).reopened == [first]
    run(es, [], flare + timedelta(hours=2))
    # After the cooldown: a new alert, its cooldown now two hours.
    later = flare + timedelta(hours=3, minutes=15)
    [second] = run(es, [spike("all", later)], later, channels=["email"]).opened
    assert second != first
    run(es, [], later + timedelta(hours=2))
    ninety_minutes_on = later + timedelta(hours=3, minutes=30)
    assert run(es, [spike("all", ninety_minutes_on)], ninety_minutes_on).reopened == [second]
    alerts = {a.id: a for a in list_alerts(es, include_resolved=True)}
    assert len(alerts) == 2 and alerts[second].openings == 2
    assert alerts[second].status == "open"


def test_separate_stories_hours_apart_each_page_without_the_cooldown_growing(es):
    # A busy day of separate stories is not a flapping one: the next story, long after the
    # last cooldown, opens (and pages) afresh rather than reopening silently.
    opened, now = [], T
    for _ in range(5):
        opened += run(es, [spike("all", now)], now, channels=["email"]).opened
        run(es, [], now + timedelta(hours=2))
        now += timedelta(hours=5)
    assert len(set(opened)) == 5
    assert {a.openings for a in list_alerts(es, include_resolved=True)} == {1}


def test_people_acknowledge_and_resolve_and_each_change_is_audited(es):
    [alert_id] = run(es, [spike("all", T)], T).opened
    assert acknowledge(es, alert_id, by="duty.officer").status == "acknowledged"
    # Still firing: the alert is updated, the acknowledgement is kept.
    run(es, [spike("all", T + timedelta(minutes=15), count=12)], T + timedelta(minutes=15))
    [alert] = list_alerts(es)
    assert (alert.status, alert.acknowledged.by, alert.evidence.count) == (
        "acknowledged",
        "duty.officer",
        12,
    )
    assert resolve(es, alert_id, by="duty.officer").status == "resolved"
    assert list_alerts(es) == []
    acks, resolutions = history(es, action="alert.acknowledge"), history(es, action="alert.resolve")
    assert [(a["actor"]["name"], a["before"], a["after"]) for a in acks + resolutions] == [
        ("duty.officer", {"status": "open"}, {"status": "acknowledged"}),
        ("duty.officer", {"status": "acknowledged"}, {"status": "resolved"}),
    ]
    with pytest.raises(AlertNotFound, match="no alert with id 'nope'"):
        acknowledge(es, "nope")


def test_alerts_list_shows_alerts_and_neutralises_hostile_text(es):
    hostile = "topic:[bold red]PANIC[/] \x1b[2J\x1b]8;;https://evil.example\x07click"
    [alert_id] = run(es, [spike(hostile, T)], T).opened
    runner = CliRunner()
    listed = runner.invoke(app, ["alerts", "list"], env={"COLUMNS": "250"})
    assert listed.exit_code == 0, listed.output
    assert alert_id in listed.output and "9 vs 1.5" in listed.output
    assert "\x1b" not in listed.output and "\x07" not in listed.output
    assert "[bold red]PANIC" in listed.output  # shown literally, not as markup
    acked = runner.invoke(app, ["alerts", "ack", alert_id])
    assert acked.exit_code == 0 and "acknowledged" in acked.output
    assert runner.invoke(app, ["alerts", "resolve", alert_id]).exit_code == 0
    assert "No open or acknowledged alerts." in runner.invoke(app, ["alerts", "list"]).output
    assert (
        alert_id in runner.invoke(app, ["alerts", "list", "--all"], env={"COLUMNS": "250"}).output
    )
    unknown = runner.invoke(app, ["alerts", "ack", "no-such-alert"])
    assert unknown.exit_code != 0
    assert "no alert with id 'no-such-alert'" in unknown.output


def test_a_source_that_stops_delivering_raises_gone_quiet_until_it_delivers_again(es):
    profile = watching("news", "forum")
    stopped = T - timedelta(hours=8)
    mentions = [
        m
        for m in rhythmic_history(T - timedelta(days=10), T)
        if m.source != "forum" or m.published < stopped
    ]
    put_mentions(es, mentions)
    opened = evaluate(es, profile, T, actor=ROBOT)["opened"]
    [alert] = list_alerts(es)
    assert opened == [alert.id]
    assert (alert.rule, alert.key) == ("source-quiet", "source:forum")
    assert alert.evidence.window_start < stopped + timedelta(minutes=10)
    assert alert.evidence.count == 0 and alert.evidence.baseline > 4  # most of 8 hours
    assert "forum has delivered nothing for" in alert.message
    assert "it usually delivers in about 5 of those hours" in alert.message
    back = T + timedelta(hours=1)
    put_mentions(es, [talk(9_000_000, back, source="forum", tone=0.0)])
    assert evaluate(es, profile, back + timedelta(minutes=10), actor=ROBOT)["resolved"] == [
        alert.id
    ]


def test_a_source_still_silent_weeks_later_stays_gone_quiet(es):
    # Its silence must not make the source look like one that seldom delivers, nor empty its
    # baseline: a collector dead for weeks, longer than the baseline weeks, is still dead,
    # and its alert must not resolve itself as calm.
    profile = watching("reviews")
    stopped = T - timedelta(days=3)
    put_mentions(es, three_a_day("reviews", until=stopped))
    [opened] = evaluate(es, profile, T, actor=ROBOT)["opened"]
    for weeks_on in (stopped + timedelta(days=18), stopped + timedelta(days=60)):
        assert evaluate(es, profile, weeks_on, actor=ROBOT)["resolved"] == []
    [alert] = list_alerts(es)
    assert (alert.id, alert.key, alert.status) == (opened, "source:reviews", "open")
    assert alert.evidence.window_end == stopped + timedelta(days=60)


def test_a_source_taken_out_of_the_profile_is_no_longer_watched(es):
    # The force stopped collecting it on purpose: its silence is no news, and its alert,
    # which no delivery would ever resolve, resolves itself.
    put_mentions(es, three_a_day("reviews", until=T - timedelta(days=3)))
    removed = load_profile(DEFAULT_PROFILE)
    assert evaluate(es, removed, T, actor=ROBOT)["opened"] == []
    [opened] = evaluate(es, watching("reviews"), T, actor=ROBOT)["opened"]
    assert evaluate(es, removed, T + timedelta(minutes=15), actor=ROBOT)["resolved"] == [opened]
    assert list_alerts(es) == []


def test_a_collector_that_stops_raises_one_alert_for_all_its_sources(es):
    # Scheduler down or network gone: every source falls silent at once. On-call is told
    # once that collection has stopped, not once per source.
    profile = load_profile(DEFAULT_PROFILE)
    sources = ("bluesky", "google-news", "lincs-local-news", "mastodon-social")
    stopped = T - timedelta(hours=7)
    history = rhythmic_history(T - timedelta(days=6), stopped, base=12, sources=sources)
    put_mentions(es, history)
    opened = evaluate(es, profile, T, actor=ROBOT)["opened"]
    [alert] = list_alerts(es)
    assert opened == [alert.id]
    assert (alert.rule, alert.key, alert.evidence.sources) == ("source-quiet", "all", sources)
    last_heard = max(m.published for m in history) + timedelta(minutes=5)  # put_mentions' lag
    assert alert.message == (
        f"Collection has stopped: 4 sources have delivered nothing since "
        f"{on_force_clocks(last_heard)} ({(T - last_heard) / timedelta(hours=1):.1f} h)"
    )
    assert evaluate(es, profile, T + timedelta(hours=5), actor=ROBOT)["opened"] == []
    back = T + timedelta(hours=6)
    put_mentions(es, [talk(9_000_000 + n, back, source=s) for n, s in enumerate(sources)])
    resolved = evaluate(es, profile, back + timedelta(minutes=10), actor=ROBOT)["resolved"]
    assert resolved == [alert.id] and list_alerts(es) == []


@pytest.mark.parametrize(
    ("still_delivering", "alerts"),
    [(1, ["all"]), (2, ["source:a", "source:b", "source:c"])],
    ids=["four of five quiet: collection", "three of five quiet: each"],
)
def test_nearly_every_source_quiet_together_is_collection_stopping(es, still_delivering, alerts):
    # One source heard by some other way must not turn one alert into four; with a fifth or
    # more still delivering the collector runs, and each quiet source is broken on its own.
    sources = ("a", "b", "c", "d", "e")
    stopped = T - timedelta(hours=7)
    history = rhythmic_history(T - timedelta(days=6), T, base=15, sources=sources)
    delivering = sources[-still_delivering:]
    put_mentions(es, [m for m in history if m.source in delivering or m.published < stopped])
    evaluate(es, watching(*sources), T, actor=ROBOT)
    assert sorted(alert.key for alert in list_alerts(es)) == alerts


def test_one_busy_source_breaking_while_quiet_ones_sleep_is_that_source_alone(es):
    # At night four sources that deliver twice a day have been silent 13 hours, as most
    # nights (a 1 in 3 chance each); one busy source has been silent 7 hours, which it never
    # is. The collector runs: on-call hears of that source, not "collection has stopped".
    sleepers = ("b", "c", "d", "e")
    twice_a_day = [
        T - timedelta(hours=13 + 6 * late, days=day) for day in range(10) for late in (0, 1)
    ]
    put_mentions(
        es, rhythmic_history(T - timedelta(days=6), T - timedelta(hours=7), base=15, sources=("a",))
    )
    put_mentions(
        es,
        [
            talk(8_000_000 + 100 * n + i, when, source=source, tone=0.0)
            for n, source in enumerate(sleepers)
            for i, when in enumerate(twice_a_day)
        ],
    )
    evaluate(es, watching("a", *sleepers), T, actor=ROBOT)
    assert [alert.key for alert in list_alerts(es)] == ["source:a"]


@pytest.mark.parametrize("batch", [1, 10], ids=["one item", "ten items"])
def test_a_source_that_delivers_twice_a_day_pages_nobody_overnight_but_does_when_dead(es, batch):
    # Hearing nothing from it for 18 hours is a 1 in 5 chance: on-call paged for it every
    # night would learn to ignore "gone quiet". Silent for four days, it is dead. A delivery
    # of ten items is one delivery: counted as ten, the night looked a 1 in 3 million chance.
    profile = watching("reviews")
    days = [at("2026-11-01 09:00") + timedelta(days=d, hours=h) for d in range(10) for h in (0, 6)]
    heard = [when + timedelta(seconds=i) for when in days for i in range(batch)]
    put_mentions(es, [talk(n, when, source="reviews", tone=0.0) for n, when in enumerate(heard)])
    last = days[-1]
    overnight = last + timedelta(hours=18)
    assert evaluate(es, profile, overnight, actor=ROBOT)["opened"] == []
    [opened] = evaluate(es, profile, last + timedelta(days=4), actor=ROBOT)["opened"]
    [alert] = list_alerts(es)
    assert (alert.id, alert.key) == (opened, "source:reviews")
    assert alert.evidence.probability < profile.alerts.probability


def test_a_fresh_deployment_with_nothing_collected_alerts_nothing(es):
    report = evaluate(es, load_profile(DEFAULT_PROFILE), T, actor=ROBOT)
    assert all(ids == [] for ids in report.values())


def test_the_message_of_a_spike_during_a_known_event_names_it():
    match = KnownEventNote(name="Lincoln City v Grimsby Town", kind="football", start=T, end=T)
    situation = spike("topic:public-order", T, count=21)
    during = situation.evidence.model_copy(update={"event": match})
    assert NegativeSpike().message(replace(situation, evidence=during)) == (
        "Negative talk about the force (topic public-order): 21 stories in 15 min, "
        "usually 1.5 (chance 1e-06), during football 'Lincoln City v Grimsby Town'"
    )


def test_an_analyst_acknowledging_with_her_own_user_is_named_on_the_alert_and_in_the_audit(
    es, es_node
):
    [alert_id] = run(es, [spike("topic:arrest", T)], T).opened
    with realm_users(es_node, {RESPONDER_ROLE: "rosa.responder"}) as passwords:
        acked = earshot_as("rosa.responder", passwords["rosa.responder"], "alerts", "ack", alert_id)
    assert acked.returncode == 0, acked.stderr
    [alert] = list_alerts(es)
    assert (alert.status, alert.acknowledged.by) == ("acknowledged", "rosa.responder")
    [record] = history(es, action="alert.acknowledge")
    assert record["actor"]["name"] == principal(record) == "rosa.responder"
