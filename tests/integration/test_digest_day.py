"""The day a digest covers: midnight to midnight on UK clocks, 23 or 25 hours when the
clocks change, and a short digest rather than an error when there is little to say."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from earshot.core.clock import FORCE_TIME_ZONE as UK
from earshot.core.clock import LocalDay, day_before
from earshot.digest.daily import build
from earshot.digest.figures import hours
from earshot.digest.send import send
from earshot.store.indices import MENTIONS, ensure_indices
from earshot.store.mentions import index_mentions
from listeners import load_profile
from tests.digest_helpers import Mailbox, mention, write_profile


@pytest.mark.parametrize(
    ("day", "hours", "start", "end"),
    [
        (date(2026, 10, 25), 25, "2026-10-24T23:00:00+00:00", "2026-10-26T00:00:00+00:00"),
        (date(2026, 3, 29), 23, "2026-03-29T00:00:00+00:00", "2026-03-29T23:00:00+00:00"),
        (date(2026, 7, 1), 24, "2026-06-30T23:00:00+00:00", "2026-07-01T23:00:00+00:00"),
        (date(2026, 11, 18), 24, "2026-11-18T00:00:00+00:00", "2026-11-19T00:00:00+00:00"),
    ],
)
def test_a_day_is_midnight_to_midnight_on_uk_clocks(day, hours, start, end):
    local = LocalDay(day)
    assert (local.hours, local.start.isoformat(), local.end.isoformat()) == (hours, start, end)


def test_the_seven_oclock_run_covers_the_day_before_whatever_the_clocks_did():
    assert day_before(datetime(2026, 10, 26, 7, tzinfo=UK)).day == date(2026, 10, 25)
    assert day_before(datetime(2026, 10, 25, 7, tzinfo=UK)).day == date(2026, 10, 24)
    # The scheduler hands over UTC: 07:00 BST on 30 March is 06:00 UTC.
    assert day_before(datetime(2026, 3, 30, 6, tzinfo=UTC)).day == date(2026, 3, 29)
    # Just after midnight UTC in summer is already the next UK day.
    assert day_before(datetime(2026, 7, 1, 23, 30, tzinfo=UTC)).day == date(2026, 7, 1)
    with pytest.raises(ValueError, match="time zone"):
        day_before(datetime(2026, 7, 1, 7))


@pytest.fixture
def profile(tmp_path, monkeypatch):
    path = write_profile(tmp_path / "profile.yaml", recipients=["command@lincs.police.example"])
    monkeypatch.setenv("EARSHOT_PROFILE", str(path))
    return load_profile()


def index(es, mentions) -> None:
    ensure_indices(es)
    index_mentions(es, mentions)
    es.indices.refresh(index=MENTIONS)


@pytest.mark.elasticsearch
def test_the_day_the_clocks_go_back_has_25_hours_and_counts_both_half_past_ones(es, profile):
    index(
        es,
        [
            mention("before", datetime(2026, 10, 24, 23, 30, tzinfo=UK), toward=-0.5),
            mention("first", datetime(2026, 10, 25, 0, 30, tzinfo=UK), toward=-0.5),
            mention("one-bst", datetime(2026, 10, 25, 1, 30, fold=0, tzinfo=UK), toward=-0.5),
            mention("one-gmt", datetime(2026, 10, 25, 1, 30, fold=1, tzinfo=UK), toward=0.5),
            mention("last", datetime(2026, 10, 25, 23, 30, tzinfo=UK)),
            mention("after", datetime(2026, 10, 26, 0, 30, tzinfo=UK), toward=-0.5),
        ],
    )
    figures, _, rendered = build(es, profile, LocalDay(date(2026, 10, 25)))
    assert figures.headline.day.mentions == 4
    assert figures.headline.day.negative == 2
    assert figures.headline.previous_day.mentions == 1
    assert len(figures.hours) == 25
    assert [f"{h.start:%H:%M %Z}" for h in figures.hours[:3]] == [
        "00:00 BST",
        "01:00 BST",
        "01:00 GMT",
    ]
    counts = [(h.negative, h.neutral, h.positive) for h in figures.hours]
    assert counts[:3] == [(1, 0, 0), (1, 0, 0), (0, 0, 1)]
    assert counts[-1] == (0, 1, 0) and f"{figures.hours[-1].start:%H:%M}" == "23:00"
    assert sum(map(sum, counts)) == 4
    assert "25 hours: the clocks went back" in rendered.text


@pytest.mark.elasticsearch
def test_the_day_the_clocks_go_forward_has_23_hours(es, profile):
    index(
        es,
        [
            mention("before", datetime(2026, 3, 28, 23, 30, tzinfo=UK)),
            mention("first", datetime(2026, 3, 29, 0, 30, tzinfo=UK)),
            mention("last", datetime(2026, 3, 29, 23, 30, tzinfo=UK)),
            mention("after", datetime(2026, 3, 30, 0, 30, tzinfo=UK)),
        ],
    )
    figures, _, rendered = build(es, profile, LocalDay(date(2026, 3, 29)))
    assert figures.headline.day.mentions == 2
    assert len(figures.hours) == 23
    assert [f"{h.start:%H:%M}" for h in figures.hours[:2]] == ["00:00", "02:00"]
    assert (figures.hours[0].mentions, figures.hours[-1].mentions) == (1, 1)
    assert f"{figures.hours[-1].start:%H:%M %Z}" == "23:00 BST"
    assert "23 hours: the clocks went forward" in rendered.text


@pytest.mark.elasticsearch
@pytest.mark.parametrize(
    ("day", "clock_hour"),
    [(date(2026, 10, 26), "01:00 GMT"), (date(2026, 3, 30), "01:00 BST")],
)
def test_a_week_with_a_clock_change_gives_each_hour_its_usual_range(es, day, clock_hour):
    """One negative mention every hour for eight days: every hour's usual range is 1. The
    day the clocks went back had two 01:00 hours and the day they went forward none; counted
    as a day like the others, they made 01:00's range 1 to 2, or 0 to 1, all the next week."""
    first = datetime.combine(day - timedelta(days=8), datetime.min.time(), tzinfo=UTC)
    index(
        es,
        [mention(f"h{n}", first + timedelta(hours=n), toward=-0.5) for n in range(9 * 24)],
    )
    by_clock = {f"{h.start:%H:%M %Z}": h for h in hours(es, LocalDay(day))}
    assert clock_hour in by_clock
    assert {
        (h.usual_negative_low, h.usual_negative_high, h.usual_negative_mean)
        for h in by_clock.values()
    } == {(1, 1, 1.0)}


@pytest.mark.elasticsearch
def test_a_quiet_day_gets_a_short_digest_without_charts(es, profile, monkeypatch):
    day = LocalDay(date(2026, 11, 18))
    index(
        es,
        [
            mention("a", datetime(2026, 11, 18, 9, tzinfo=UK)),
            mention("b", datetime(2026, 11, 18, 15, tzinfo=UK), toward=0.3),
            *(mention(f"week-{n}", datetime(2026, 11, 12 + n, 12, tzinfo=UK)) for n in range(5)),
        ],
    )
    figures, charts, rendered = build(es, profile, day)
    assert figures.quiet and charts == ()
    assert rendered.subject == "Earshot digest, Wed 18 Nov: a quiet day (2 mentions)"
    assert "A quiet day: 2 mentions of the force" in rendered.text
    assert "WHAT MOST NEEDS A RESPONSE" not in rendered.text and "<img" not in rendered.html
    with Mailbox() as box:
        monkeypatch.setenv("AIRFLOW_CONN_SMTP_DEFAULT", box.connection_uri())
        send(rendered, charts, profile.recipients.digest, key="a-digest")
    [message] = box.messages()
    assert message.get_content_type() == "multipart/alternative"
    assert [p.get_content_type() for p in message.get_payload()] == ["text/plain", "text/html"]


@pytest.mark.elasticsearch
def test_a_cluster_with_no_mentions_at_all_still_gets_a_digest(es, profile):
    figures, charts, rendered = build(es, profile, LocalDay(date(2026, 11, 18)))
    assert figures.quiet and charts == () and figures.headline.day.mentions == 0
    assert figures.headline.day.share_negative is None
    assert "A quiet day: 0 mentions" in rendered.text
    assert "Negative toward the force" in rendered.text and "\u2013" in rendered.text
    assert len(figures.hours) == 24 and all(h.mentions == 0 for h in figures.hours)
