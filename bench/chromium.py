"""Debian's Chromium as Earshot drives it, for the previews here and the desk's browser tests:
as root, so no sandbox; offline, so nothing phoned home; never a browser Playwright downloads.
"""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Browser, Playwright

CHROMIUM = Path("/usr/bin/chromium")
OFFLINE_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def launch(playwright: Playwright) -> Browser:
    """Headless, with a fresh profile of Playwright's own making each launch."""
    if not CHROMIUM.exists():
        raise FileNotFoundError(
            f"no browser at {CHROMIUM}: apt-get install -y chromium (`make test` does)"
        )
    return playwright.chromium.launch(
        executable_path=str(CHROMIUM), headless=True, args=OFFLINE_FLAGS
    )
