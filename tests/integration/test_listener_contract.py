"""What every listener promises, proved against each one (the Singer SDK's habit: one
standard suite, each platform's own test file adding only what is particular to it).

Each registered listener's test file, tests/integration/test_<module>_listener.py, gives a
`CONTRACT` per kind of source (tests/listener_contract.py): a loopback server answering as
that platform documents, first with two items, then with one more on top. A new platform
fails `test_every_registered_kind_of_source_has_a_contract` until its test file has one.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import get_args

import pytest

from earshot.app.feed_server import FeedServer, Route
from earshot.core.profile import SourceSettings
from listeners import LISTENER_FOR_MODEL, LISTENERS, ListenerError, listener_for
from tests.listener_contract import Contract

NOW = datetime(2026, 11, 21, 7, 0, tzinfo=UTC)
KINDS = sorted(get_args(model.model_fields["kind"].annotation)[0] for model in LISTENER_FOR_MODEL)


def _contracts() -> dict[str, Contract]:
    found: dict[str, Contract] = {}
    for listener in LISTENERS:
        module = listener.__module__.rsplit(".", 1)[-1]
        tests = importlib.import_module(f"tests.integration.test_{module}_listener")
        found |= getattr(tests, "CONTRACT", {})
    return found


CONTRACTS = _contracts()


def test_every_registered_kind_of_source_has_a_contract():
    assert sorted(CONTRACTS) == KINDS


@dataclass
class Run:
    """One platform's server and source, and a listen as the collect task does it."""

    contract: Contract
    server: FeedServer

    @property
    def source(self) -> SourceSettings:
        return self.contract.source(self.server)

    def listen(self, cursor: dict[str, str]):
        return listener_for(self.source, now=NOW).listen(cursor)


@pytest.fixture(params=KINDS)
def run(request, monkeypatch) -> Iterator[Run]:
    contract = CONTRACTS[request.param]
    for name, uri in contract.connection.items():
        monkeypatch.setenv(name, uri)
    with FeedServer(contract.first) as server:
        yield Run(contract, server)


def test_first_run_hears_the_items_and_returns_a_cursor(run):
    heard = run.listen({})
    assert len(heard.mentions) == 2
    assert heard.cursor
    assert heard.warnings == []


def test_second_run_with_the_cursor_hears_nothing_new(run):
    cursor = run.listen({}).cursor
    again = run.listen(cursor)
    assert again.mentions == []
    counted = run.contract.counted
    assert {k: v for k, v in again.cursor.items() if k not in counted} == {
        k: v for k, v in cursor.items() if k not in counted
    }


def test_a_run_with_the_cursor_hears_only_what_is_new_and_nothing_twice(run):
    first = run.listen({})
    run.server.routes.update(run.contract.later)
    later = run.listen(first.cursor)
    ids = [m.id for m in later.mentions]
    assert len(ids) == len(set(ids))
    new = set(ids) - {m.id for m in first.mentions}
    assert len(new) == 1
    if not run.contract.hears_a_changed_feed_whole:
        assert ids == list(new)
    assert run.listen(later.cursor).mentions == []


@pytest.mark.parametrize("run", [k for k in KINDS if CONTRACTS[k].late], indirect=True)
def test_a_late_arrival_behind_the_cursor_is_heard_once(run):
    first = run.listen({})
    run.server.routes.update(run.contract.late)
    late = run.listen(first.cursor)
    assert len(late.mentions) == 1
    assert late.mentions[0].id not in {m.id for m in first.mentions}
    assert run.listen(late.cursor).mentions == []


def test_every_cursor_based_listener_proves_it_hears_late_arrivals():
    cursor_based = {k for k in KINDS if not CONTRACTS[k].hears_a_changed_feed_whole}
    assert {k for k in KINDS if CONTRACTS[k].late} == cursor_based


@pytest.mark.parametrize("status", [401, 429, 500])
def test_a_platform_error_names_the_source_and_leaves_the_cursor(run, status):
    cursor = run.listen({}).cursor
    saved = dict(cursor)
    run.server.routes[run.contract.listing] = Route(b"{}", "application/json", status=status)
    with pytest.raises(ListenerError) as e:
        run.listen(cursor)
    assert e.value.source == run.source.name
    assert str(status) in e.value.reason
    assert cursor == saved


@pytest.mark.parametrize(
    "retry_after",
    ["3600", "Sat, 21 Nov 2026 08:00:00 GMT"],  # both forms of RFC 9110, section 10.2.3
    ids=["seconds", "http-date"],
)
def test_a_429_says_when_the_platform_may_be_asked_again(run, retry_after):
    """The collect task waits that long before asking again (earshot/app/platform_waits.py)."""
    cursor = run.listen({}).cursor
    run.server.routes[run.contract.listing] = Route(
        b"{}", "application/json", status=429, headers=(("Retry-After", retry_after),)
    )
    with pytest.raises(ListenerError) as e:
        run.listen(cursor)
    assert e.value.rate_limited_until == NOW + timedelta(hours=1)


def test_mentions_carry_the_source_a_link_and_a_utc_time(run):
    for mention in run.listen({}).mentions:
        assert mention.source == run.source.name
        assert mention.source_kind == run.source.kind
        assert mention.url and mention.url.startswith("https://")
        assert mention.published.utcoffset() == timedelta(0)
        assert mention.fetched == NOW


@pytest.mark.parametrize("run", [k for k in KINDS if CONTRACTS[k].connection], indirect=True)
def test_a_missing_connection_names_the_variable_and_asks_nothing(run, monkeypatch):
    for name in run.contract.connection:
        monkeypatch.delenv(name)
        with pytest.raises(ListenerError, match=name) as e:
            run.listen({})
        assert e.value.source == run.source.name
        assert run.server.requests == []
