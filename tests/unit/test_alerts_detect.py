"""Spike detection against a real Elasticsearch: five weeks of rhythmic talk about the force
(quiet nights, busy days, the evening rise, calmer weekends), with bursts injected on the
last day. The history is indexed once for the module; every test only reads it."""

from __future__ import annotations

import math
import os
from collections.abc import Iterator
from datetime import timedelta

import pytest
from elasticsearch import Elasticsearch

from earshot.alerts.detect import binomial_tail, find_spikes, tail_probability, window_end
from earshot.core.profile import AlertSettings, KnownEvent
from earshot.governance.install import install
from tests.alert_helpers import LINCOLN, at, burst, put_mentions, rhythmic_history, talk
from tests.conftest import _delete_earshot_indices

HISTORY_FROM = at("2026-10-14 00:00")  # a Wednesday
HISTORY_TO = at("2026-11-19 00:00")
BIG = at("2026-11-18 10:00")  # 10 stories and 4 copies of one more, about public order
SMALL = at("2026-11-18 15:00")  # 7 stories: improbable, but not for a football afternoon
DURING_MATCH = at("2026-11-18 16:00")  # 20 stories during the match
MATCH = KnownEvent(
    name="Lincoln City v Grimsby Town",
    kind="football",
    start=at("2026-11-18 14:00"),
    end=at("2026-11-18 17:30"),
)
# The evening peak: a surge the whole conversation rises with, then a plain (bigger) evening.
SURGE = at("2026-11-18 19:00")  # 150 negative stories and 650 others in 45 minutes
BUSY_EVENING = at("2026-11-18 21:00")  # ten times the usual talk, as negative as usual
LONE = at("2027-03-01 10:05")  # one negative mention with no history before it


@pytest.fixture(scope="module")
def history(es_node) -> Iterator[Elasticsearch]:
    client = Elasticsearch(
        os.environ["EARSHOT_ELASTICSEARCH_URL"],
        basic_auth=("elastic", es_node.password()),
        request_timeout=60,
    )
    _delete_earshot_indices(client)
    install(client)  # as `earshot setup` leaves a cluster: this module may run first
    mentions = rhythmic_history(HISTORY_FROM, HISTORY_TO)
    about = {"topics": ["public-order"], "places": [LINCOLN]}
    mentions += burst(BIG, 10, words=["riot", "van", "crash", "covered"], **about)
    mentions += burst(BIG, 4, first=2_000_000, story="covered up the van crash in Lincoln", **about)
    mentions += burst(SMALL, 7, first=3_000_000)
    mentions += burst(DURING_MATCH, 20, first=4_000_000)
    mentions += burst(SURGE, 150, minutes=45, first=6_000_000)
    mentions += burst(SURGE, 650, minutes=45, first=7_000_000, tone=0.0)
    busy_until = BUSY_EVENING + timedelta(minutes=45)
    mentions += rhythmic_history(BUSY_EVENING, busy_until, seed=8, base=40, first=8_000_000)
    mentions.append(talk(5_000_000, LONE))
    put_mentions(client, mentions)
    yield client
    client.close()


def spikes_at(es: Elasticsearch, now, **settings) -> dict[tuple[str, int], object]:
    found = find_spikes(es, AlertSettings(**settings), now)
    return {(s.key, s.window_minutes): s for s in found}


def test_a_quiet_rhythmic_week_with_its_evening_rise_fires_nothing(history):
    # Every 45 minutes: each quarter of the hour and each hour of the week is judged.
    now, fired = at("2026-11-11 00:00"), []
    while now < at("2026-11-18 00:00"):
        fired += find_spikes(history, AlertSettings(), now)
        now += timedelta(minutes=45)
    assert fired == []


def test_a_burst_of_negative_talk_is_a_spike_counting_a_story_once(history):
    spikes = spikes_at(history, BIG + timedelta(minutes=16))
    topic = spikes[("topic:public-order", 15)]
    assert topic.count == 11  # ten stories, and one story however often it was copied
    assert (topic.window_start, topic.window_end) == (BIG, BIG + timedelta(minutes=15))
    assert topic.baseline == 1.0  # the floor: no public-order talk in earlier weeks
    assert topic.probability < 0.001
    assert topic.share > topic.baseline_share
    assert topic.event is None
    overall = spikes[("all", 15)]
    assert overall.count >= 11
    assert overall.baseline < overall.count / 3
    assert ("place:Lincoln", 15) in spikes
    # The hour that holds it is judged once the hour is complete.
    assert ("all", 60) in spikes_at(history, BIG + timedelta(minutes=60))


def test_windows_end_on_their_boundaries_so_a_rerun_judges_the_same_window(history):
    assert window_end(BIG + timedelta(minutes=29, seconds=59), 15) == BIG + timedelta(minutes=15)
    early = find_spikes(history, AlertSettings(), BIG + timedelta(minutes=15))
    late = find_spikes(history, AlertSettings(), BIG + timedelta(minutes=29))
    assert early == late
    assert early


def test_a_burst_inside_a_known_event_is_judged_against_the_raised_bar(history):
    just_after = SMALL + timedelta(minutes=15)
    assert ("all", 15) in spikes_at(history, just_after)  # improbable on an ordinary day
    assert ("all", 15) not in spikes_at(history, just_after, events=[MATCH])
    big = spikes_at(history, DURING_MATCH + timedelta(minutes=15), events=[MATCH])[("all", 15)]
    assert big.event is not None
    assert (big.event.name, big.event.kind) == ("Lincoln City v Grimsby Town", "football")


def test_an_event_for_other_topics_does_not_raise_the_bar_but_is_named(history):
    protest = MATCH.model_copy(update={"topics": ["protest"]})
    spikes = spikes_at(history, SMALL + timedelta(minutes=15), events=[protest])
    overall = spikes[("all", 15)]  # fired: the protest's raised bar is for protest talk only
    assert overall.event is not None and overall.event.name == MATCH.name


def test_an_evening_surge_is_found_though_the_whole_conversation_rises_with_it(history):
    surge = spikes_at(history, SURGE + timedelta(minutes=60))[("all", 60)]
    assert surge.count >= 150
    # The share rose by less than a tenth, but over 800 stories that is no chance.
    assert surge.share < surge.baseline_share + 0.1
    assert surge.probability < 0.001


def test_a_busier_evening_at_the_usual_negative_share_is_not_a_spike(history):
    # Far more negative talk than usual at this hour, but no more than the rest of the
    # conversation explains: a busy evening, not a story turning against the force.
    assert spikes_at(history, BUSY_EVENING + timedelta(minutes=60)) == {}


def test_nothing_against_nothing_is_never_a_spike(history):
    assert find_spikes(history, AlertSettings(min_count=1), at("2027-03-08 10:15")) == []


def test_one_mention_with_no_history_is_not_a_spike(history):
    assert find_spikes(history, AlertSettings(min_count=1), LONE + timedelta(minutes=10)) == []


def test_the_tail_probability_matches_the_poisson_sum():
    by_sum = 1 - sum(math.exp(-2.0) * 2.0**k / math.factorial(k) for k in range(7))
    assert tail_probability(7, 2.0) == pytest.approx(by_sum, rel=1e-9)
    assert tail_probability(0, 0.0) == 1.0


def test_the_share_tail_matches_the_binomial_sum():
    by_sum = sum(math.comb(30, k) * 0.25**k * 0.75 ** (30 - k) for k in range(12, 31))
    assert binomial_tail(12, 30, 0.25) == pytest.approx(by_sum, rel=1e-9)
    assert binomial_tail(0, 30, 0.25) == 1.0


def test_a_spread_out_baseline_makes_the_same_count_less_surprising():
    assert tail_probability(12, 3.0, variance=9.0) > 100 * tail_probability(12, 3.0)
