"""How long a webhook's 429 asks the alert to wait before its next try within a run: the
Retry-After header in either form RFC 9110 §10.2.3 gives it (Slack and Teams send seconds;
a proxy in front of either may send a date), read by the same parser as every listener's."""

from datetime import UTC, datetime
from email.utils import format_datetime

import httpx
import pytest

from earshot.alerts.webhook import MAX_RETRY_AFTER_SECONDS, asked_wait

NOW = datetime(2026, 11, 21, 7, 0, tzinfo=UTC)


def refused(retry_after: str | None) -> httpx.Response:
    headers = {"Retry-After": retry_after} if retry_after is not None else {}
    return httpx.Response(429, headers=headers)


@pytest.mark.parametrize(
    ("retry_after", "seconds"),
    [
        ("3", 3.0),
        (format_datetime(NOW.replace(second=4), usegmt=True), 4.0),  # an HTTP date
        ("3600", MAX_RETRY_AFTER_SECONDS),  # longer: the next run's
        (format_datetime(NOW.replace(hour=9), usegmt=True), MAX_RETRY_AFTER_SECONDS),
        (format_datetime(NOW.replace(hour=6), usegmt=True), 0.0),  # already past
        ("soon", 0.0),
        (None, 0.0),
    ],
)
def test_a_429_is_waited_for_as_long_as_it_asks_up_to_the_cap(retry_after, seconds):
    assert asked_wait(refused(retry_after), NOW) == seconds
