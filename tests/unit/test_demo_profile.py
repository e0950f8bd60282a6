"""A deployment never collects the demo's sample feeds: the demo's profile says it is the demo's,
collection refuses it in one line outside `earshot demo`, and the profile a deployment starts
from is a real-looking one that cannot be mistaken for a working force's."""

from __future__ import annotations

import pytest

from earshot.app.collect import DEMO_VARIABLE, DemoProfile, refuse_demo_profile
from earshot.core.paths import DEFAULT_PROFILE, PROJECT_DIR
from listeners import load_profile

EXAMPLE_FORCE = PROJECT_DIR / "profiles" / "example-force.yaml"


def test_collection_refuses_the_demo_profile_outside_the_demo(monkeypatch):
    monkeypatch.delenv(DEMO_VARIABLE, raising=False)
    monkeypatch.setenv("EARSHOT_PROFILE", str(DEFAULT_PROFILE))
    with pytest.raises(DemoProfile) as refused:
        refuse_demo_profile(load_profile())
    assert str(refused.value) == (
        f"{DEFAULT_PROFILE} is the demo's profile (demo: true): set EARSHOT_PROFILE to the "
        "force's own, made from profiles/example-force.yaml"
    )


def test_the_demo_collects_its_own_profile(monkeypatch):
    monkeypatch.setenv(DEMO_VARIABLE, "1")
    refuse_demo_profile(load_profile(DEFAULT_PROFILE))


def test_the_example_force_profile_loads_and_is_not_the_demos(monkeypatch):
    monkeypatch.delenv(DEMO_VARIABLE, raising=False)
    profile = load_profile(EXAMPLE_FORCE)
    refuse_demo_profile(profile)
    assert profile.force.name == "Exampleshire Police"


def test_the_example_force_profile_listens_nowhere_on_this_machine():
    text = EXAMPLE_FORCE.read_text()
    assert "127.0.0.1" not in text and "localhost" not in text
    assert "demo:" not in text
