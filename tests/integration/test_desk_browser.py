"""The response desk as a person uses it: Debian's Chromium, headless, driven by Playwright,
against the real desk, a real Elasticsearch node and real users of the node's file realm.

One browser serves the module; each test gets its own fresh context (cookies, storage).
"""

from __future__ import annotations

import os
import subprocess
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest
from elasticsearch import Elasticsearch
from playwright.sync_api import Browser, Page, expect, sync_playwright

from bench.chromium import launch
from bench.evaluation import text_mention
from earshot.core.paths import DEFAULT_PROFILE
from earshot.store import audit
from earshot.store.indices import ensure_indices
from earshot.store.mentions import index_mentions
from enrichment import Enricher
from listeners import load_profile
from tests.alert_helpers import an_alert, keep_alert
from tests.desk_helpers import (
    ANALYST,
    PUBLISHED,
    REFRESH_SECONDS,
    RESPONDER,
    index_mention,
    serve_desk,
)
from tests.loopback import serving
from tests.node_way import interleaving

AXE = Path(__file__).resolve().parent.parent / "axe"
AXE_SCRIPT = AXE / "node_modules" / "axe-core" / "axe.min.js"
# Each tries to run script in the desk's page; none may.
HOSTILE = {
    "script": "<script>window.pwned = 'script'; alert('script')</script> see this",
    "img": "<img src=x onerror=\"window.pwned = 'img'; alert('img')\"> look",
    "rtl": "Thanks \u202egnp.exe\u202c to the team",
}
MEGABYTE = "Long rant about parking. " * 42_000  # a little over 1 MB


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        browser = launch(playwright)
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def axe_script() -> str:
    """axe-core at the version tests/axe/package-lock.json pins, installed there by npm."""
    if not AXE_SCRIPT.exists():
        result = subprocess.run(
            ["npm", "ci", "--ignore-scripts", "--no-audit", "--no-fund"],
            cwd=AXE,
            capture_output=True,
            text=True,
        )
        if result.returncode != 0:
            pytest.fail(f"npm ci in {AXE} could not install axe-core:\n{result.stderr[-2000:]}")
    return AXE_SCRIPT.read_text()


@pytest.fixture
def open_page(browser: Browser, desk: str) -> Iterator[Callable[[], Page]]:
    """New pages, each in a fresh context on the desk; any dialog a page opens is noted on
    `page.dialogs` and dismissed."""
    contexts = []

    def new_page() -> Page:
        context = browser.new_context(base_url=desk)
        contexts.append(context)
        page = context.new_page()
        page.dialogs = []
        page.on("dialog", lambda dialog: (page.dialogs.append(dialog.message), dialog.dismiss()))
        return page

    yield new_page
    for context in contexts:
        context.close()


@pytest.fixture
def mentions(es: Elasticsearch) -> Elasticsearch:
    ensure_indices(es)
    index_mention(es, "slow-101", "Why did nobody answer 101 last night?", priority=80)
    index_mention(
        es,
        "burglary",
        "Third burglary on our street this month",
        priority=60,
        topics=("burglary",),
        place="Lincoln",
    )
    return es


def _sign_in(page: Page, user: str, password: str) -> Page:
    page.goto("/signin")
    page.get_by_label("User name").fill(user)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Needs a response")).to_be_visible()
    return page


def _tab_to(page: Page, name: str) -> None:
    """Press Tab until the control named `name` (its label's words or its text) has the
    focus."""
    for _ in range(60):
        page.keyboard.press("Tab")
        focused = page.evaluate(
            "() => { const e = document.activeElement;"
            " return (e.labels?.[0] ? e.labels[0].firstChild.textContent : e.innerText).trim() }"
        )
        if focused == name:
            return
    pytest.fail(f"Tab never reached {name!r} on {page.url}")


def _status(es: Elasticsearch, mention_id: str) -> str:
    hit = es.search(index="earshot-mentions", query={"ids": {"values": [mention_id]}})
    return hit["hits"]["hits"][0]["_source"]["earshot"]["status"]


@pytest.mark.elasticsearch
def test_sign_in_open_an_item_take_it_and_close_it_from_the_keyboard_alone(
    open_page, desk_passwords, mentions
):
    page = open_page()
    page.goto("/signin")
    _tab_to(page, "User name")
    page.keyboard.type(RESPONDER)
    _tab_to(page, "Password")
    page.keyboard.type(desk_passwords[RESPONDER])
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Needs a response")).to_be_visible()
    _tab_to(page, "Why did nobody answer 101 last night?")
    page.keyboard.press("Enter")
    expect(page).to_have_url("/item/slow-101")
    _tab_to(page, "Take it")
    page.keyboard.press("Enter")
    expect(page.get_by_text(f"status in-hand, with {RESPONDER}")).to_be_visible()
    _tab_to(page, "Outcome")
    page.keyboard.press("ArrowDown")  # from "choose one" to replied
    page.keyboard.press("ArrowDown")  # and on to routed-101-999
    _tab_to(page, "Done")
    page.keyboard.press("Enter")
    expect(page.get_by_text(f"with {RESPONDER}, outcome routed-101-999")).to_be_visible()
    assert _status(mentions, "slow-101") == "done"


@pytest.mark.elasticsearch
def test_a_responder_filters_takes_an_item_and_marks_it_done_and_the_audit_names_her(
    open_page, desk_passwords, mentions
):
    page = _sign_in(open_page(), RESPONDER, desk_passwords[RESPONDER])
    page.get_by_label("Topic").fill("burglary")
    page.get_by_label("Time").select_option(label="any time")
    page.get_by_role("button", name="Filter").click()
    rows = page.locator("#queue-rows tr")
    expect(rows).to_have_count(1)
    expect(rows).to_contain_text("Third burglary on our street")
    rows.get_by_role("link").click()
    page.get_by_role("button", name="Take it").click()
    page.get_by_label("Outcome").select_option("replied")
    page.get_by_role("button", name="Done").click()
    expect(page.get_by_text(f"status done, with {RESPONDER}, outcome replied")).to_be_visible()
    records = audit.history(mentions, action="mention.status")
    assert [r["after"]["status"] for r in records] == ["done", "in-hand"]
    assert {r["actor"]["name"] for r in records} == {RESPONDER}


@pytest.mark.elasticsearch
def test_done_without_choosing_an_outcome_records_nothing_and_asks_for_one(
    open_page, desk_passwords, mentions
):
    """An outcome chosen for the person would say a reply was sent when none was."""
    page = _sign_in(open_page(), RESPONDER, desk_passwords[RESPONDER])
    page.goto("/item/slow-101")
    outcome = page.get_by_label("Outcome")
    expect(outcome).to_have_value("")
    page.get_by_role("button", name="Done").click()
    assert outcome.evaluate("select => select.validity.valueMissing")
    expect(page.get_by_text("status new")).to_be_visible()
    assert _status(mentions, "slow-101") == "new"


@pytest.mark.elasticsearch
def test_an_analyst_sees_no_workflow_buttons_and_a_forged_post_is_refused(
    open_page, desk_passwords, mentions
):
    keep_alert(mentions, an_alert(datetime(2026, 11, 21, 7, 0, tzinfo=UTC)))
    page = _sign_in(open_page(), ANALYST, desk_passwords[ANALYST])
    page.goto("/item/slow-101")
    expect(page.get_by_role("heading", name="reply, priority 80")).to_be_visible()
    expect(page.get_by_role("button", name="Take it")).to_have_count(0)
    expect(page.get_by_role("button", name="Done")).to_have_count(0)
    # The forgery carries the analyst's own valid CSRF token, from the sign-out form.
    refused = page.evaluate(
        """async () => {
            const form = new FormData();
            form.append("csrf", document.querySelector("input[name=csrf]").value);
            form.append("step", "take");
            return (await fetch("/item/slow-101", {method: "POST", body: form})).status;
        }"""
    )
    assert refused == 403
    assert _status(mentions, "slow-101") == "new"
    page.goto("/alerts")
    expect(page.get_by_text("Negative talk about the force is up")).to_be_visible()
    expect(page.get_by_role("button", name="Acknowledge")).to_have_count(0)


@pytest.mark.elasticsearch
def test_a_link_in_a_digest_read_on_another_site_opens_the_item_for_someone_signed_in(
    open_page, desk, desk_passwords, mentions
):
    """The digest and alert messages link each mention to the desk; read in webmail or a chat
    in the browser, the link is followed from another site. A session cookie kept from every
    such link sent each reader to sign in again, and then to the queue, not the mention."""
    page = _sign_in(open_page(), ANALYST, desk_passwords[ANALYST])
    with _webmail(f'<a href="{desk}/item/slow-101">open in the desk</a>') as webmail:
        page.goto(webmail)
        page.get_by_role("link", name="open in the desk").click()
        expect(page.get_by_role("heading", name="reply, priority 80")).to_be_visible()


@pytest.mark.elasticsearch
def test_a_link_followed_before_signing_in_opens_its_page_once_signed_in(
    open_page, desk_passwords, mentions
):
    page = open_page()
    page.goto("/item/slow-101")
    page.get_by_label("User name").fill(ANALYST)
    page.get_by_label("Password").fill(desk_passwords[ANALYST])
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="reply, priority 80")).to_be_visible()


@contextmanager
def _webmail(body: str) -> Iterator[str]:
    """A page holding `body` on another site than the desk's (localhost, not 127.0.0.1)."""

    class Mail(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("content-type", "text/html; charset=utf-8")
            self.end_headers()
            self.wfile.write(f"<!doctype html><title>Mail</title>{body}".encode())

        def log_message(self, *args) -> None:
            pass

    with serving(Mail) as server:
        yield f"http://localhost:{server.server_address[1]}/"


@pytest.mark.elasticsearch
def test_the_item_page_says_why_a_complaint_reads_against_the_force(open_page, desk_passwords, es):
    """Enriched by Earshot and stored as collect stores it: under "Why", the desk reads what
    made the judge call the post negative toward the force (issue 14: explainable)."""
    ensure_indices(es)
    enricher = Enricher.for_profile(load_profile(DEFAULT_PROFILE))
    text = "@LincsPolice absolutely useless, three hours and nobody came"
    complaint = enricher.enrich(text_mention(text, id="complaint", source="x", now=PUBLISHED))
    index_mentions(es, [complaint])
    es.indices.refresh(index="earshot-mentions")
    reason = complaint.response.reasons[-1]
    assert reason.startswith("toward the force negative (learned, ")
    page = _sign_in(open_page(), ANALYST, desk_passwords[ANALYST])
    page.goto("/item/complaint")
    expect(page.get_by_role("listitem").filter(has_text=reason)).to_have_count(1)


@pytest.mark.elasticsearch
def test_hostile_mentions_render_inert(open_page, desk_passwords, es):
    ensure_indices(es)
    for name, text in HOSTILE.items():
        index_mention(es, name, text, url="javascript:alert('link')")
    index_mention(es, "megabyte", MEGABYTE, priority=10)
    page = _sign_in(open_page(), RESPONDER, desk_passwords[RESPONDER])
    expect(page.locator("#queue-rows")).to_contain_text("<script>window.pwned")
    for name, text in HOSTILE.items():
        page.goto(f"/item/{name}")
        expect(page.locator("p.text")).to_have_text(text)
        assert page.evaluate("() => window.pwned") is None
        assert page.locator("a[href^='javascript:']").count() == 0
        page.get_by_text("javascript:alert('link')").click()  # shown as text, not followed
        expect(page).to_have_url(f"/item/{name}")
    assert page.evaluate(
        "() => getComputedStyle(document.querySelector('p.text')).unicodeBidi"
    ) == ("isolate")
    page.goto("/item/megabyte")
    assert page.evaluate("() => document.querySelector('p.text').textContent.length") == len(
        MEGABYTE
    )
    assert page.dialogs == []


@pytest.mark.elasticsearch
def test_the_open_queue_shows_a_newly_indexed_mention_without_reloading(
    open_page, desk_passwords, mentions
):
    page = _sign_in(open_page(), ANALYST, desk_passwords[ANALYST])
    page.evaluate("() => { window.sameDocument = true }")
    page.wait_for_timeout(2.5 * REFRESH_SECONDS * 1000)  # polls that find nothing new...
    expect(page.locator("#queue-checked")).to_have_text("")  # ...announce nothing
    index_mention(mentions, "arrived", "Road closed by the bridge, any news?", priority=70)
    expect(page.get_by_role("link", name="Road closed by the bridge")).to_be_visible(
        timeout=10 * REFRESH_SECONDS * 1000
    )
    assert page.evaluate("() => window.sameDocument") is True
    expect(page.locator("#queue-checked")).to_contain_text("Updated")


@pytest.mark.elasticsearch
def test_an_open_queue_keeps_trying_while_elasticsearch_is_down_and_says_so_only_then(
    browser, desk_passwords, monkeypatch
):
    """A node restarting stops answering for a minute: the queue on the wall must not stop
    updating for good, as it does once signed out, nor still say it is trying once the node
    answers again and nothing new has come."""
    node = os.environ["EARSHOT_ELASTICSEARCH_URL"]
    restarted = threading.Event()
    # The node stops when the alerts are read, which the open queue never asks for.
    with interleaving(node, before="earshot-alerts", stops=True, restarted=restarted) as way:
        monkeypatch.setenv("EARSHOT_ELASTICSEARCH_URL", way)
        with serve_desk() as desk:
            page = browser.new_page(base_url=desk)
            _sign_in(page, ANALYST, desk_passwords[ANALYST])
            assert page.evaluate("async () => (await fetch('/alerts')).status") == 503
            checked = page.locator("#queue-checked")
            expect(checked).to_have_text(
                "Elasticsearch did not answer; trying again.", timeout=10 * REFRESH_SECONDS * 1000
            )
            restarted.set()
            expect(checked).to_have_text("", timeout=30 * REFRESH_SECONDS * 1000)
            page.close()


@pytest.mark.elasticsearch
def test_each_alerts_buttons_name_the_alert_they_change(open_page, desk_passwords, mentions):
    """Two alerts of one rule read alike but for when they opened, which the names say."""
    for day in (21, 22):
        keep_alert(mentions, an_alert(datetime(2026, 11, day, 7, 0, tzinfo=UTC)))
    page = _sign_in(open_page(), RESPONDER, desk_passwords[RESPONDER])
    page.goto("/alerts")
    for opened in ("Sat 21 Nov 07:00 GMT", "Sun 22 Nov 07:00 GMT"):
        for step in ("Acknowledge", "Resolve"):
            named = f"{step} Negative talk about the force is up, opened {opened}"
            expect(page.get_by_role("button", name=named, exact=True)).to_have_count(1)


@pytest.mark.elasticsearch
def test_queue_item_and_alerts_pages_have_no_accessibility_violations(
    open_page, desk_passwords, mentions, axe_script
):
    """Every impact axe-core reports, the minor ones too (an unnamed column, say)."""
    for day in (21, 22):  # rows of buttons alike
        keep_alert(mentions, an_alert(datetime(2026, 11, day, 7, 0, tzinfo=UTC)))
    page = open_page()
    page.goto("/signin")
    found = {"/signin": _violations(page, axe_script)}
    _sign_in(page, RESPONDER, desk_passwords[RESPONDER])
    for path in ("/", "/item/slow-101", "/alerts"):
        page.goto(path)
        found[path] = _violations(page, axe_script)
    assert found == {path: [] for path in found}


def _violations(page: Page, axe_script: str) -> list[str]:
    """axe-core's findings on the page, one line each."""
    page.evaluate(axe_script)  # through DevTools, so the desk's CSP does not block it
    result = page.evaluate("async () => await axe.run(document)")
    return [
        f"{v['impact']}: {v['id']}: {v['help']} ({len(v['nodes'])} elements)"
        for v in result["violations"]
    ]
