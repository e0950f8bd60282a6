"""The DAGs' cadence: the force's by default; a mistyped override is named, not guessed at."""

from datetime import timedelta

import pytest

from earshot.app.schedules import (
    COLLECT_EVERY,
    DIGEST_CRON,
    BadSchedule,
    collect_interval,
    digest_cron,
)


def test_by_default_collection_is_every_15_minutes_and_the_digest_at_seven(monkeypatch):
    monkeypatch.delenv(COLLECT_EVERY, raising=False)
    monkeypatch.delenv(DIGEST_CRON, raising=False)
    assert collect_interval() == timedelta(minutes=15)
    assert digest_cron() == "0 7 * * *"


def test_the_environment_shortens_them(monkeypatch):
    monkeypatch.setenv(COLLECT_EVERY, "1")
    monkeypatch.setenv(DIGEST_CRON, "* * * * *")
    assert collect_interval() == timedelta(minutes=1)
    assert digest_cron() == "* * * * *"


@pytest.mark.parametrize("value", ["0", "five", "1.5", "-3", ""])
def test_a_collect_interval_that_is_not_whole_minutes_is_refused_by_name(monkeypatch, value):
    monkeypatch.setenv(COLLECT_EVERY, value)
    with pytest.raises(BadSchedule, match=COLLECT_EVERY):
        collect_interval()
