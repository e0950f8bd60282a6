"""The desk's refusals that need no server."""

from __future__ import annotations

import pytest

from earshot.desk.app import safe_link, secret_from_environment


def test_only_web_links_become_links():
    assert safe_link("https://example.org/p") == "https://example.org/p"
    assert safe_link("javascript:alert(1)") is None
    assert safe_link(" JavaScript:alert(1)") is None
    assert safe_link("data:text/html,<b>") is None
    assert safe_link(None) is None


def test_the_desk_refuses_to_start_without_a_secret(monkeypatch):
    monkeypatch.delenv("EARSHOT_DESK_SECRET", raising=False)
    with pytest.raises(SystemExit, match="EARSHOT_DESK_SECRET"):
        secret_from_environment()
