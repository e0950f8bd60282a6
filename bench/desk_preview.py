"""`make desk-preview`: the desk's queue, item and alerts pages as a responder sees them,
screenshotted by headless Chromium into docs/, for the README and for judging layout by eye.

    python -m bench.desk_preview docs

Rendered through the desk's own templates (earshot.desk.app.render) from the sample below,
not from Elasticsearch, so it needs no cluster; the browser tests prove the live pages. The
posts are written for this file: no real person is quoted or named.
"""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path

from playwright.sync_api import sync_playwright

from bench.chromium import launch
from earshot.alerts.model import Alert, Evidence, EvidenceMention, StatusChange
from earshot.desk import work
from earshot.desk.app import render
from earshot.desk.signin import RESPONDER, Person

VIEWPORT = {"width": 1280, "height": 720}
PERSON = Person(
    name="sam.responder", roles=frozenset({RESPONDER}), es=None, csrf="preview", expires=0
)


def _mention(id: str, text: str, action: str, priority: int, **more) -> dict:
    """A queue row as work.queue gives one."""
    return {
        "id": id,
        "index": "earshot-mentions-2026.11",
        "title": text[:120],
        "text": text,
        "url": f"https://social.example/@someone/{id}",
        "source": "mastodon",
        "published": "2026-11-20T08:15:00+00:00",
        "places": ["Lincoln"],
        "topics": [],
        "action": action,
        "priority": priority,
        "reasons": [],
        "risk_flags": [],
        "status": "new",
        "cluster": id,
        "assignee": "",
        "outcome": "",
        "copies": 1,
    } | more


ROWS = [
    _mention(
        "c0ffee01",
        "",
        "contact-handling",
        95,
        risk_flags=["crime-reported"],
        reasons=["a crime reported: route to 999/101 contact handling"],
        places=["Boston"],
    ),
    _mention(
        "c0ffee02",
        "Rang 101 three times about the car parked across our drive, nobody answered. "
        "Does anyone at @LincsPolice actually pick up?",
        "put-it-right",
        80,
        topics=["anti-social-behaviour"],
        reasons=["service complaint", "negative toward the force"],
        copies=3,
        status="in-hand",
        assignee="sam.responder",
    ),
    _mention(
        "c0ffee03",
        "Is the A46 still closed at Riseholme after this morning's crash?",
        "correct-facts",
        60,
        topics=["roads"],
        reasons=["asks the force a question"],
        source="bluesky",
    ),
    _mention(
        "c0ffee04",
        "Local paper: trial of the Skegness arcade break-in starts Monday",
        "refer-to-investigator",
        40,
        topics=["burglary"],
        risk_flags=["could-prejudice-case"],
        reasons=["could prejudice a case: don't engage on substance"],
        source="news",
        places=["Skegness"],
    ),
]
ITEM = ROWS[1] | {"seq_no": 1, "primary_term": 1}  # as work.mention reads one
COPIES = work.Copies(
    [
        ITEM | {"id": "c0ffee05", "source": "reddit", "title": ITEM["text"][:120]},
        ITEM | {"id": "c0ffee06", "source": "bluesky", "title": ITEM["text"][:120]},
    ],
    more=0,
)
OPENED = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)


def _alert(rule: str, key: str, message: str, count: int, usual: float, **more) -> Alert:
    """An alert as the alerts DAG keeps one, opened at eight this morning."""
    evidence = Evidence(
        window_start=OPENED,
        window_end=OPENED,
        count=count,
        baseline=usual,
        probability=0.001,
        mentions=more.pop("mentions", ()),
    )
    return Alert(
        id=f"preview-{rule}",
        rule=rule,
        key=key,
        window_minutes=60,
        opened=OPENED,
        updated=OPENED,
        message=f"{message}: {count} stories in an hour (usually {usual:.0f})",
        evidence=evidence,
        **more,
    )


ALERTS = [
    _alert(
        "negative-spike",
        "topic:anti-social-behaviour",
        "Negative talk about anti-social behaviour is up",
        14,
        2.0,
        mentions=(
            EvidenceMention(id=ITEM["id"], title=ITEM["title"], url=None, source="mastodon"),
        ),
    ),
    _alert(
        "volume-spike",
        "place:Boston",
        "Talk about Boston is up",
        9,
        1.0,
        status="acknowledged",
        acknowledged=StatusChange(by="sam.responder", at=OPENED),
    ),
]


def pages() -> dict[str, str]:
    """Each screenshot's name and the page's HTML."""
    return {
        "desk-queue": render(
            "queue",
            PERSON,
            waiting=work.Waiting(ROWS, more=False),
            filters=work.Filters(),
            since=work.SINCE,
            refresh_url="",
            refresh_seconds=15,
        ),
        "desk-item": render(
            "item",
            PERSON,
            item=ITEM,
            revealed=False,
            copies=COPIES,
            every_copy=None,
            outcomes=work.OUTCOMES,
            error="",
        ),
        "desk-alerts": render("alerts", PERSON, alerts=ALERTS),
    }


def main(argv: list[str]) -> None:
    if len(argv) != 1:
        sys.exit("usage: python -m bench.desk_preview OUT_DIR")
    out = Path(argv[0])
    with sync_playwright() as playwright:
        browser = launch(playwright)
        page = browser.new_page(viewport=VIEWPORT)
        for name, html in pages().items():
            page.set_content(html)
            page.screenshot(path=out / f"{name}.png", full_page=True)
            print(f"wrote {out / name}.png")
        browser.close()


if __name__ == "__main__":
    main(sys.argv[1:])
