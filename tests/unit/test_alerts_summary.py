"""The alert's window as on-call staff read it, on UK clocks, on the nights the clocks change."""

from __future__ import annotations

from datetime import timedelta

import pytest

from earshot.alerts.summary import summarise
from tests.alert_helpers import an_alert, at


@pytest.mark.parametrize(
    ("start", "minutes", "reads"),
    [
        ("2026-10-25 00:00", 60, "60 minutes, 01:00 BST to 01:00 GMT on Sun 25 Oct 2026"),
        ("2026-10-25 00:45", 15, "15 minutes, 01:45 BST to 01:00 GMT on Sun 25 Oct 2026"),
        ("2026-10-25 01:00", 15, "15 minutes, 01:00 to 01:15 GMT on Sun 25 Oct 2026"),
        ("2026-03-29 00:30", 60, "60 minutes, 00:30 GMT to 02:30 BST on Sun 29 Mar 2026"),
        ("2026-11-21 14:00", 15, "15 minutes, 14:00 to 14:15 GMT on Sat 21 Nov 2026"),
    ],
)
def test_the_window_names_the_zone_at_both_ends_when_the_clocks_change_inside_it(
    start: str, minutes: int, reads: str
):
    alert = an_alert(at(start))
    window = {"window_start": at(start), "window_end": at(start) + timedelta(minutes=minutes)}
    alert = alert.model_copy(
        update={"window_minutes": minutes, "evidence": alert.evidence.model_copy(update=window)}
    )

    assert dict(summarise(alert).facts)["Window"] == reads
