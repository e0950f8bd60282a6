"""Spikes on the Monday after the clocks change, against a real Elasticsearch node.

Talk follows people's clocks: the morning commute is at 08:00 on UK clocks before and after
a change. On-call staff rely on "the same hour of the week" meaning that hour, so an
ordinary morning raises nothing and a real burst raises an alert whose words are the burst's.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pytest
from elasticsearch import Elasticsearch

from earshot.alerts.detect import find_spikes
from earshot.alerts.evidence import gather
from earshot.core.clock import FORCE_TIME_ZONE
from earshot.core.model import Mention
from earshot.core.profile import AlertSettings
from tests.alert_helpers import put_mentions, talk

# The Monday after each change of 2026, with four weeks of history before it.
SPRING = date(2026, 3, 30)  # the clocks went forward on Sunday 29 March
AUTUMN = date(2026, 10, 26)  # the clocks went back on Sunday 25 October
SETTINGS = AlertSettings(windows_minutes=[60])


def uk(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=FORCE_TIME_ZONE)


def everyday_mornings(monday: date) -> list[Mention]:
    """Four weeks of the same mornings up to `monday`, on UK clocks: 07:00-08:00 is quiet (10
    stories, 1 negative); 08:00-09:00 is the commute (20 stories, 9 of them complaints about
    roadworks). Whatever is not negative is about coffee."""
    mentions, n = [], 0
    for back in range(28, -1, -1):
        day = monday - timedelta(days=back)
        for hour, stories, negative in ((7, 10, 1), (8, 20, 9)):
            for i in range(stories):
                tone, word = (-0.6, "roadworks") if i < negative else (0.5, "coffee")
                mentions.append(talk(n, uk(day, hour, 1 + i * 2), tone=tone, words=(word,)))
                n += 1
    return mentions


@pytest.mark.elasticsearch
@pytest.mark.parametrize("monday", [SPRING, AUTUMN], ids=["spring", "autumn"])
def test_an_ordinary_commute_raises_no_spike_on_the_monday_after_the_clocks_change(
    es: Elasticsearch, monday: date
):
    put_mentions(es, everyday_mornings(monday))

    assert find_spikes(es, SETTINGS, uk(monday, 9)) == []


@pytest.mark.elasticsearch
@pytest.mark.parametrize("monday", [SPRING, AUTUMN], ids=["spring", "autumn"])
def test_a_real_burst_after_the_clocks_change_is_told_with_its_own_words(
    es: Elasticsearch, monday: date
):
    burst = [
        talk(10_000 + i, uk(monday, 8, 2 + i), tone=-0.8, words=("custody",)) for i in range(30)
    ]
    put_mentions(es, everyday_mornings(monday) + burst)

    [spike] = find_spikes(es, SETTINGS, uk(monday, 9))
    assert (spike.key, spike.count, spike.baseline) == ("all", 39, 9.0)
    assert spike.window_start == uk(monday, 8)
    evidence = gather(es, spike, baseline_weeks=SETTINGS.baseline_weeks, force_handles=[])
    # The commute's everyday word is in the same UK hour of every earlier week: not news.
    assert "custody" in evidence.terms
    assert "roadworks" not in evidence.terms
