"""The alerts benchmark's two instruments: the synthetic stream says what it contains, and the
ElastAlert2 ratio rule behaves as ElastAlert2 documents it, on the real Elasticsearch."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

import pytest

from bench.ratio_rule import (
    RatioRule,
    SpikeRuleConfig,
    is_spike,
    window_counts,
    window_counts_search,
)
from bench.streams import Stream, StreamSettings, generate, incident_shapes, replay
from earshot.alerts.detect import key_filter
from earshot.store.fields import public_negative, time_range
from earshot.store.indices import MENTIONS

SMALL = StreamSettings(seed=11, weeks=2, baseline_weeks=1, spikes_per_week=4)


@pytest.fixture(scope="module")
def stream() -> Stream:
    return generate(SMALL)


def test_same_seed_gives_the_same_stream_and_another_seed_another(stream: Stream) -> None:
    again = generate(SMALL)
    other = generate(StreamSettings(seed=12, weeks=2, baseline_weeks=1, spikes_per_week=4))
    assert [(m.id, m.published, m.text) for m in again.mentions] == [
        (m.id, m.published, m.text) for m in stream.mentions
    ]
    assert again.spikes == stream.spikes
    assert [m.published for m in other.mentions[:50]] != [m.published for m in stream.mentions[:50]]


def test_nights_are_quiet_evenings_busy_and_weekends_busier(stream: Stream) -> None:
    quiet = _background(stream)
    by_hour = Counter(m.published.hour for m in quiet)
    by_day = Counter(m.published.weekday() for m in quiet)
    assert by_hour[20] > 4 * by_hour[3]
    assert by_hour[20] > by_hour[11]
    assert min(by_day[4], by_day[5]) > max(by_day[0], by_day[1], by_day[2])


def test_about_a_quarter_of_mentions_are_negative_toward_the_force(stream: Stream) -> None:
    quiet = _background(stream)
    negative = sum(1 for m in quiet if m.toward_force.label == "negative")
    assert 0.2 <= negative / len(quiet) <= 0.3


def test_reposts_share_their_story_cluster(stream: Stream) -> None:
    clusters = Counter(m.cluster for m in stream.mentions)
    reposted = [c for c, n in clusters.items() if n > 1]
    assert reposted
    for cluster in reposted[:20]:
        texts = {m.text for m in stream.mentions if m.cluster == cluster}
        assert len(texts) == 1
    for burst in stream.bursts:
        copies = [m for m in stream.mentions if burst.start <= m.published < burst.end]
        assert max(Counter(m.cluster for m in copies).values()) >= burst.copies - 1


def test_spikes_vary_in_size_and_length_and_some_fall_in_known_events(stream: Stream) -> None:
    scored = stream.scored_spikes
    assert {s.size for s in scored} == {"small", "medium", "large"}
    assert len({s.end - s.start for s in scored}) >= 3
    assert any(s.event for s in scored)
    assert any(18 <= s.start.hour < 22 for s in scored)
    names = {e.name for e in stream.events}
    assert all(s.event in names for s in scored if s.event)


def test_real_incident_shapes_keep_their_waves_timing_and_proportions() -> None:
    shapes = incident_shapes()
    assert set(shapes) == {"glasgow-helicopter-crash", "spain-train-crash", "alberta-floods"}
    for waves in shapes.values():
        assert sum(sum(w.shares) for w in waves) == pytest.approx(1, abs=0.002)
    real = generate(StreamSettings(seed=11, weeks=2, baseline_weeks=1, real_shapes=True))
    incidents = [s for s in real.scored_spikes if s.shape != "synthetic"]
    assert {s.shape for s in incidents} >= {"glasgow-helicopter-crash wave 1", "alberta-floods"}
    glasgow = [s for s in incidents if s.shape.startswith("glasgow")]
    first, second = glasgow[:2]
    assert (first.shape, second.shape) == (
        "glasgow-helicopter-crash wave 1",
        "glasgow-helicopter-crash wave 2",
    )
    assert second.start - first.start == timedelta(hours=9)  # the next morning, as it was
    assert second.story == first.story
    assert first.negative > 1.5 * second.negative  # two thirds of the posts in the burst
    # The posts follow the shape: the burst peaks within its first hour, as it did.
    posts = [
        m.published
        for m in real.mentions
        if m.toward_force.label == "negative"
        and first.story in m.text
        and first.start <= m.published < first.end
    ]
    halves = Counter((p - first.start) // timedelta(minutes=30) for p in posts)
    assert halves.most_common(1)[0][0] in (0, 1)


def test_injected_spikes_appear_in_elasticsearch_counts(es, stream: Stream) -> None:
    assert replay(es, stream) == len(stream.mentions)
    for spike in stream.scored_spikes:
        window = [time_range(spike.start, spike.end + timedelta(minutes=1))]
        narrowed = window + public_negative() + key_filter(f"topic:{spike.topic}")
        response = es.search(
            index=MENTIONS,
            size=0,
            query={"bool": {"filter": narrowed}},
            aggs={"stories": {"cardinality": {"field": "earshot.cluster"}}},
        )
        a_week_before = es.count(
            index=MENTIONS,
            query={
                "bool": {
                    "filter": [
                        time_range(
                            spike.start - timedelta(weeks=1), spike.end - timedelta(weeks=1)
                        ),
                        *public_negative(),
                        *key_filter(f"topic:{spike.topic}"),
                    ]
                }
            },
        )["count"]
        assert response["hits"]["total"]["value"] >= spike.negative
        assert response["aggregations"]["stories"]["value"] >= spike.distinct
        assert response["hits"]["total"]["value"] > 2 * a_week_before


def test_ratio_rule_matches_zero_against_zero_and_zero_to_a_few() -> None:
    defaults = SpikeRuleConfig()
    assert is_spike(ref=0, cur=0, config=defaults)
    assert is_spike(ref=0, cur=4, config=defaults)
    assert not is_spike(ref=10, cur=29, config=defaults)
    assert is_spike(ref=10, cur=30, config=defaults)
    assert not is_spike(ref=0, cur=4, config=SpikeRuleConfig(threshold_cur=5))


def test_ratio_rule_stays_silent_for_two_timeframes_after_a_match() -> None:
    rule = RatioRule(SpikeRuleConfig())
    start = SMALL.start
    assert rule.check(start, ref=2, cur=9)
    assert not rule.check(start + timedelta(minutes=105), ref=2, cur=9)
    assert rule.check(start + timedelta(minutes=120), ref=2, cur=9)


def test_ratio_rule_fires_on_a_quiet_night_and_an_ordinary_rise(es) -> None:
    """Without any spike, burst or event, ElastAlert2's defaults still alert: on empty
    windows at night, and when the day's rhythm alone triples the count."""
    calm = generate(
        StreamSettings(
            seed=5, weeks=1, baseline_weeks=0, spikes_per_week=0, bursts_per_week=0, events=False
        )
    )
    assert not (calm.spikes or calm.bursts or calm.events)
    replay(es, calm)
    config = SpikeRuleConfig()
    rule = RatioRule(config)
    fired = []
    now = calm.settings.start + 2 * config.timeframe
    while now <= calm.settings.end:
        ref, cur = window_counts(es.search(index=MENTIONS, **window_counts_search(now, config)))
        if rule.check(now, ref, cur):
            fired.append((now, ref, cur))
        now += timedelta(minutes=15)
    assert any(ref == 0 and cur == 0 for _, ref, cur in fired)
    assert any(ref > 0 and cur >= 5 for _, ref, cur in fired)


def _background(stream: Stream) -> list:
    """Mentions outside spikes, bursts and events: the stream's ordinary rhythm."""
    busy = [(s.start, s.end) for s in stream.spikes]
    busy += [(b.start, b.end) for b in stream.bursts] + [(e.start, e.end) for e in stream.events]
    return [m for m in stream.mentions if not any(a <= m.published < b for a, b in busy)]
