"""The alert's facts as on-call staff read them: its window on UK clocks, on the nights the
clocks change, and a silence read as one."""

from __future__ import annotations

from datetime import timedelta

import pytest

from earshot.alerts.model import Alert
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


def quiet_alert(key: str, start: str, end: str, sources: tuple[str, ...] = ()) -> Alert:
    spike = an_alert(at(start))
    silence = {"window_start": at(start), "window_end": at(end), "count": 0, "baseline": 5.0}
    silence |= {"sources": sources}
    return spike.model_copy(
        update={
            "rule": "source-quiet",
            "key": key,
            "window_minutes": 360,  # the rule's quiet_after_hours; the silence is longer
            "evidence": spike.evidence.model_copy(update=silence | {"mentions": ()}),
        }
    )


def test_a_silence_reads_against_how_often_the_source_delivers_and_for_as_long_as_it_lasted():
    facts = dict(
        summarise(quiet_alert("source:lincs-news", "2026-12-08 02:00", "2026-12-08 12:00")).facts
    )

    assert facts["What fired"] == "Collection has gone quiet (source lincs-news)"
    assert facts["Count"] == "nothing delivered; usually something in about 5 of those hours"
    assert facts["Window"] == "10.0 hours, 02:00 to 12:00 GMT on Tue 8 Dec 2026"


def test_collection_stopped_names_all_sources_and_both_days_of_its_silence():
    stopped = quiet_alert("all", "2026-12-06 22:00", "2026-12-08 12:00", ("a", "b", "c"))
    facts = dict(summarise(stopped).facts)

    assert facts["What fired"] == "Collection has gone quiet (all sources)"
    assert facts["Count"] == "nothing from any of 3 sources, each silent longer than it usually is"
    assert (
        facts["Window"] == "38.0 hours, 22:00 GMT on Sun 6 Dec 2026 to 12:00 GMT on Tue 8 Dec 2026"
    )
