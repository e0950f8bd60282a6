"""Who the desk remembers between requests: a person's password only while their session
lasts, and failed sign-ins only while they count, however many names are tried. Checked
with real users of a real node's file realm, on a clock the test moves."""

from __future__ import annotations

import pytest

from earshot.desk.app import BODY_LIMIT
from earshot.desk.signin import (
    ATTEMPT_WINDOW,
    ATTEMPTS,
    SESSION_SECONDS,
    USER_NAME_CHARS,
    Sessions,
)
from earshot.store.connection import connect
from tests.desk_helpers import ANALYST, RESPONDER


class Clock:
    """Seconds that move only when the test says."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.mark.elasticsearch
def test_an_expired_session_and_the_password_it_holds_go_at_the_next_sign_in(desk_passwords):
    clock = Clock()
    sessions = Sessions(connect(), clock=clock)
    assert sessions.sign_in(ANALYST, desk_passwords[ANALYST])
    clock.now += SESSION_SECONDS + 1
    current = sessions.sign_in(RESPONDER, desk_passwords[RESPONDER])
    # Not looked up again, yet gone: its client held the analyst's password.
    assert list(sessions._people) == [current]
    assert sessions.person(current).name == RESPONDER


@pytest.mark.elasticsearch
def test_failed_sign_ins_of_a_name_never_tried_again_are_forgotten_once_they_stop_counting(
    desk_passwords,
):
    clock = Clock()
    sessions = Sessions(connect(), clock=clock)
    for _ in range(ATTEMPTS):
        assert sessions.sign_in("made-up-name", "wrong") is None
    clock.now += ATTEMPT_WINDOW
    assert sessions.sign_in(ANALYST, desk_passwords[ANALYST])
    assert sessions._failures == {}


@pytest.mark.elasticsearch
def test_a_flood_of_made_up_names_keeps_only_the_latest_failures(desk_passwords):
    sessions = Sessions(connect(), clock=Clock(), failing_names=2)
    for name in ("first", "second", "first", "third"):
        assert sessions.sign_in(name, "wrong") is None
    assert list(sessions._failures) == ["first", "third"]  # "second" failed longest ago


@pytest.mark.elasticsearch
def test_a_name_longer_than_any_user_name_is_refused_unasked_and_never_kept(desk_passwords):
    """A sign-in form may carry a name of 64 KB, and ten thousand failing names are kept: a
    flood of such names held 640 MB. Longer than Elasticsearch lets a user's name be, it is
    no one's; one as long as that still counts towards stopping guesses."""
    sessions = Sessions(connect(), clock=Clock())
    for length in (USER_NAME_CHARS + 1, 12_000, BODY_LIMIT):
        assert sessions.sign_in("m" * length, "wrong") is None
    assert sessions._failures == {}
    longest = "m" * USER_NAME_CHARS
    assert sessions.sign_in(longest, "wrong") is None
    assert list(sessions._failures) == [longest]
