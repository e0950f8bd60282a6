"""The response desk as analysts use it: over real HTTP, against a real Elasticsearch node,
signed in as real users of the node's file realm, one per role."""

from __future__ import annotations

import html
import os
import re
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from urllib.parse import unquote

import httpx
import pytest

from bench.evaluation import text_mention
from earshot.alerts.lifecycle import acknowledge
from earshot.core.paths import DEFAULT_PROFILE
from earshot.desk.app import BODY_LIMIT
from earshot.desk.work import COPIES_SHOWN, QUEUE_PAGE, Filters, queue
from earshot.store import audit
from earshot.store.indices import ensure_indices
from earshot.store.mentions import index_mentions
from enrichment import Enricher
from listeners import load_profile
from tests.alert_helpers import (
    PLAIN_WORDS,
    WITHHELD_ID,
    WITHHELD_LINK,
    WITHHELD_WORDS,
    an_alert,
    evidence_with_withheld_words,
    keep_alert,
)
from tests.desk_helpers import ANALYST, RESPONDER, index_mention, serve_desk
from tests.node_way import interleaving

HOSTILE = "<script>alert(1)</script> \u202eevil\u202c <img src=x onerror=alert(2)>"


@pytest.fixture
def mentions(es):
    ensure_indices(es)
    index_mention(es, "m1", "Why did nobody answer 101 last night?", priority=80, cluster="story-1")
    index_mention(
        es,
        "m1-copy",
        "Why did nobody answer 101 last night? (shared)",
        priority=70,
        cluster="story-1",
    )
    index_mention(es, "m2", "A quiet complaint", priority=10)
    index_mention(es, "risky", "words about self-harm", priority=90, risk_flags=("self-harm",))
    index_mention(es, "hostile", HOSTILE, priority=60, url="javascript:alert(3)")
    return es


def _signed_in(desk: str, user: str, password: str, headers: dict | None = None) -> httpx.Client:
    client = httpx.Client(base_url=desk, follow_redirects=False, timeout=30)
    response = client.post(
        "/signin", data={"username": user, "password": password}, headers=headers
    )
    assert response.status_code == 303, response.text
    return client


def _csrf(page: httpx.Response) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)


def _as_shown(page: httpx.Response) -> dict[str, str]:
    """The hidden fields an item page's workflow form sends with the step chosen."""
    form = re.search(r'<form method="post" action="/item/[^"?]+">(.*?)</form>', page.text).group(1)
    return dict(re.findall(r'type="hidden" name="([^"]+)" value="([^"]*)"', form))


@pytest.mark.elasticsearch
def test_wrong_password_is_refused_and_the_queue_needs_sign_in(desk, desk_passwords, mentions):
    client = httpx.Client(base_url=desk, timeout=30)
    refused = client.post("/signin", data={"username": "rosa.responder", "password": "wrong"})
    assert refused.status_code == 401
    assert "not accepted" in refused.text
    assert client.get("/", follow_redirects=False).headers["location"] == "/signin"
    assert client.get("/queue/rows", follow_redirects=False).headers["location"] == "/signin"


@pytest.mark.elasticsearch
def test_sign_in_returns_to_the_page_asked_for(desk, desk_passwords, mentions):
    """A digest's link to an item, followed by someone not signed in, ends on that item."""
    client = httpx.Client(base_url=desk, follow_redirects=False, timeout=30)
    sent = client.get("/item/m1", params={"from": "digest"})
    assert sent.headers["location"] == "/signin?next=%2Fitem%2Fm1%3Ffrom%3Ddigest"
    assert 'name="next" value="/item/m1?from=digest"' in client.get(sent.headers["location"]).text
    login = {"username": ANALYST, "password": desk_passwords[ANALYST]}
    back = client.post("/signin", data=login | {"next": "/item/m1?from=digest"})
    assert back.headers["location"] == "/item/m1?from=digest"


@pytest.mark.elasticsearch
def test_a_session_replaced_by_signing_in_again_or_signed_out_opens_nothing(
    desk, desk_passwords, mentions
):
    """Each session holds its person's password in the desk's memory: one a new sign-in in
    the same browser replaced had kept it, and a copy of its cookie opened the desk, for
    eight hours."""
    client = _signed_in(desk, ANALYST, desk_passwords[ANALYST])
    replaced = client.cookies["session"]
    again = {"username": RESPONDER, "password": desk_passwords[RESPONDER]}
    assert client.post("/signin", data=again).status_code == 303
    signed_out = client.cookies["session"]
    client.post("/signout", data={"csrf": _csrf(client.get("/"))})
    for copy in (replaced, signed_out):
        kept = httpx.Client(base_url=desk, cookies={"session": copy}, timeout=30)
        assert kept.get("/", follow_redirects=False).headers["location"] == "/signin"


@pytest.mark.elasticsearch
@pytest.mark.parametrize(
    "elsewhere",
    [
        "https://evil.example/",
        "//evil.example/",
        "/\\evil.example/",
        "/\t/evil.example/",
        "javascript:alert(1)",
        "evil.example",
    ],
)
def test_sign_in_never_sends_a_person_to_another_site(desk, desk_passwords, mentions, elsewhere):
    client = httpx.Client(base_url=desk, follow_redirects=False, timeout=30)
    assert 'name="next" value="/"' in client.get("/signin", params={"next": elsewhere}).text
    login = {"username": ANALYST, "password": desk_passwords[ANALYST], "next": elsewhere}
    assert client.post("/signin", data=login).headers["location"] == "/"


@pytest.mark.elasticsearch
def test_queue_shows_most_urgent_first_with_copies_folded_and_risky_words_withheld(
    desk, desk_passwords, mentions
):
    client = _signed_in(desk, ANALYST, desk_passwords[ANALYST])
    page = client.get("/")
    assert page.status_code == 200
    assert "Withheld: self-harm" in page.text
    assert "words about self-harm" not in page.text
    assert "(2 copies)" in page.text
    assert (
        page.text.index("Withheld")
        < page.text.index("nobody answer")
        < page.text.index("A quiet complaint")
    )


def _listed(client: httpx.Client, path: str = "/", **query: str) -> set[str]:
    page = client.get(path, params=query)
    assert page.status_code == 200, page.text
    return set(re.findall(r'href="/item/([^"]+)"', page.text))


@pytest.mark.elasticsearch
def test_the_queue_filters_by_topic_place_assignee_and_time(desk, desk_passwords, mentions):
    recent = datetime.now(UTC) - timedelta(hours=2)
    index_mention(
        mentions,
        "fresh",
        "Another burglary in Lincoln",
        topics=("burglary",),
        place="Lincoln",
        published=recent,
    )
    client = _signed_in(desk, RESPONDER, desk_passwords[RESPONDER])
    client.post("/item/m2", data=_as_shown(client.get("/item/m2")) | {"step": "take"})
    assert _listed(client, topic="burglary") == {"fresh"}
    assert _listed(client, place="lincoln") == {"fresh"}  # as typed, whatever the case
    assert _listed(client, assignee=RESPONDER) == {"m2"}
    assert _listed(client, since="24h") == {"fresh"}
    assert _listed(client, since="7d", place="Leeds") == set()
    assert _listed(client, "/queue/rows", topic="burglary") == {"fresh"}  # what the page polls
    refused = client.get("/", params={"since": "forever"})
    assert refused.status_code == 400
    assert "time must be one of 24h, 7d, 30d, not 'forever'" in refused.text
    # Past Elasticsearch's 32 KB term limit, a typed filter had been a server error.
    too_long = client.get("/", params={"action": "a" * 40_000})
    assert too_long.status_code == 400
    assert "action may be at most 500 characters" in too_long.text


@pytest.mark.elasticsearch
def test_a_search_finds_shown_words_but_never_a_risk_flagged_posts_withheld_words(
    desk, desk_passwords, mentions
):
    """Else listing a search's results would tell whether a withheld post holds a word,
    without the audited choice to see it."""
    index_mention(mentions, "shown", "The zebracrossing lights are out", priority=20)
    index_mention(
        mentions,
        "withheld",
        "Nobody fixed the zebracrossing, I give up",
        title="The zebracrossing again",
        priority=95,
        risk_flags=("self-harm",),
    )
    client = _signed_in(desk, ANALYST, desk_passwords[ANALYST])
    assert _listed(client, q="zebracrossing") == {"shown"}
    assert _listed(client, "/queue/rows", q="zebracrossing") == {"shown"}
    assert "withheld" in _listed(client)  # still in the queue, by its flags


@pytest.mark.elasticsearch
def test_a_mentions_time_reads_as_uk_clocks_showed_it(desk, desk_passwords, mentions):
    """The digest and the alerts give UK time; the desk must agree with them in summer."""
    summer = datetime(2026, 7, 1, 14, 30, tzinfo=UTC)
    index_mention(mentions, "summer", "Lost dog by the river", published=summer)
    client = _signed_in(desk, ANALYST, desk_passwords[ANALYST])
    shown = '<time datetime="2026-07-01T14:30:00+00:00">Wed 1 Jul 15:30 BST</time>'
    assert shown in client.get("/", params={"q": "dog"}).text
    assert shown in client.get("/queue/rows", params={"q": "dog"}).text
    assert shown in client.get("/item/summer").text


@pytest.mark.elasticsearch
def test_an_alerts_opening_reads_as_uk_clocks_showed_it(desk, desk_passwords, mentions):
    """As the queue and the item do, and as the alert's own message gave it."""
    keep_alert(mentions, an_alert(datetime(2026, 7, 1, 14, 30, tzinfo=UTC)))
    client = _signed_in(desk, ANALYST, desk_passwords[ANALYST])
    shown = '<time datetime="2026-07-01T14:30:00+00:00">Wed 1 Jul 15:30 BST</time>'
    assert shown in client.get("/alerts").text


@pytest.mark.elasticsearch
def test_revealing_risky_words_is_audited_by_name(desk, desk_passwords, mentions):
    client = _signed_in(desk, ANALYST, desk_passwords[ANALYST])
    item = client.get("/item/risky")
    assert "words about self-harm" not in item.text
    shown = client.post("/item/risky?do=reveal", data={"csrf": _csrf(item)})
    assert "words about self-harm" in shown.text
    (record,) = audit.history(mentions, action="mention.reveal")
    assert record["actor"]["name"] == "alan.analyst"


@pytest.mark.elasticsearch
def test_the_words_a_flags_reason_quotes_are_withheld_with_the_post(desk, desk_passwords, es):
    """Enrichment says why it flagged a post in the post's own words ("threat-to-staff
    (rule): 'I'll stab the next copper'"): shown in the queue or under "Why", they would give
    away what the desk withholds, unaudited."""
    ensure_indices(es)
    enricher = Enricher.for_profile(load_profile(DEFAULT_PROFILE))
    text = "@LincsPolice useless pigs, I'll stab the next copper I see"
    threat = enricher.enrich(text_mention(text, id="threat", source="x", now=datetime.now(UTC)))
    quoted = "threat-to-staff (rule): 'I'll stab the next copper'"
    assert quoted in threat.response.reasons
    index_mentions(es, [threat])
    es.indices.refresh(index="earshot-mentions")
    client = _signed_in(desk, ANALYST, desk_passwords[ANALYST])
    item = client.get("/item/threat")
    for page in (client.get("/"), client.get("/queue/rows"), item):
        assert "Withheld" in page.text
        assert "stab" not in html.unescape(page.text)
    shown = client.post("/item/threat?do=reveal", data={"csrf": _csrf(item)})
    assert f"<li>{quoted}</li>" in html.unescape(shown.text)


@pytest.mark.elasticsearch
def test_a_flagged_posts_link_is_withheld_with_its_words_naming_only_its_site(
    desk, desk_passwords, mentions
):
    """A post's address often quotes its words: shown before the audited choice to see
    them, it gave them away unaudited."""
    link = "https://blog.example.org/2026/11/nobody-would-miss-me-tonight"
    index_mention(mentions, "slug", "Nobody would miss me", risk_flags=("self-harm",), url=link)
    client = _signed_in(desk, ANALYST, desk_passwords[ANALYST])
    item = client.get("/item/slug")
    for page in (client.get("/"), client.get("/queue/rows"), item):
        assert "miss-me" not in page.text
    assert "a post on blog.example.org" in item.text
    shown = client.post("/item/slug?do=reveal", data={"csrf": _csrf(item)})
    assert f'<a href="{link}"' in shown.text


@pytest.mark.elasticsearch
def test_an_articles_headline_is_shown_with_its_words_and_withheld_with_them(
    desk, desk_passwords, mentions
):
    """A news item's text is its summary: the headline says what it is about."""
    index_mention(mentions, "article", "The victim says she is recovering.", title="Nobody came")
    index_mention(
        mentions, "flagged", "words about self-harm", title="A self-harm title", risk_flags=("x",)
    )
    client = _signed_in(desk, ANALYST, desk_passwords[ANALYST])
    assert "Nobody came" in client.get("/item/article").text
    assert "A self-harm title" not in client.get("/item/flagged").text


@pytest.mark.elasticsearch
def test_an_analyst_sees_no_buttons_and_a_forged_change_is_refused(desk, desk_passwords, mentions):
    client = _signed_in(desk, ANALYST, desk_passwords[ANALYST])
    item = client.get("/item/m1")
    assert "Take it" not in item.text
    forged = client.post("/item/m1", data={"csrf": _csrf(item), "step": "take"})
    assert forged.status_code == 403
    assert (
        mentions.get(index=mentions_index_of("m1", mentions), id="m1")["_source"]["earshot"][
            "status"
        ]
        == "new"
    )


@pytest.mark.elasticsearch
def test_a_change_without_the_csrf_token_is_refused(desk, desk_passwords, mentions):
    client = _signed_in(desk, RESPONDER, desk_passwords[RESPONDER])
    assert client.post("/item/m1", data={"step": "take"}).status_code == 403
    assert client.post("/item/m1", data={"step": "take", "csrf": "guess"}).status_code == 403


@pytest.mark.elasticsearch
def test_a_sign_in_sent_from_another_site_is_refused(desk, desk_passwords, mentions):
    """Else another site could sign a person's browser in as someone else (login CSRF)."""
    credentials = {"username": RESPONDER, "password": desk_passwords[RESPONDER]}
    for sent_from in (
        {"Origin": "https://evil.example", "Sec-Fetch-Site": "cross-site"},
        {"Origin": "null", "Sec-Fetch-Site": "cross-site"},  # a sandboxed frame's form
        {"Sec-Fetch-Site": "same-site"},  # another port of the desk's own host
    ):
        client = httpx.Client(base_url=desk, timeout=30)
        refused = client.post("/signin", data=credentials, headers=sent_from)
        assert refused.status_code == 403, sent_from
        assert "sent from another site" in refused.text
        assert client.get("/", follow_redirects=False).headers["location"] == "/signin"
    own = {"Origin": desk, "Sec-Fetch-Site": "same-origin"}
    assert _signed_in(desk, RESPONDER, desk_passwords[RESPONDER], headers=own).get("/").is_success


@pytest.mark.elasticsearch
def test_a_sign_in_waiting_on_elasticsearch_holds_up_no_one_else(desk_passwords, monkeypatch):
    """The Elasticsearch client blocks: run on the desk's event loop, one person's sign-in
    waiting on a busy node held every other person's page until the node answered. Here the
    node's answer is held until the other page has been served."""
    arrived, released = threading.Event(), threading.Event()

    def held() -> None:
        arrived.set()
        released.wait(60)

    node = os.environ["EARSHOT_ELASTICSEARCH_URL"]
    with interleaving(node, held, before="/_security/_authenticate") as way:
        monkeypatch.setenv("EARSHOT_ELASTICSEARCH_URL", way)
        with serve_desk() as desk:
            credentials = {"username": RESPONDER, "password": desk_passwords[RESPONDER]}
            signing_in = threading.Thread(
                target=httpx.post, args=(f"{desk}/signin",), kwargs={"data": credentials}
            )
            signing_in.start()
            assert arrived.wait(30), "the sign-in never reached the node"
            try:
                other = httpx.get(f"{desk}/signin", timeout=10)
                assert other.status_code == 200 and not released.is_set()
            finally:
                released.set()
                signing_in.join(30)


@pytest.mark.elasticsearch
def test_a_page_asked_for_when_elasticsearch_has_stopped_says_so(desk_passwords, monkeypatch):
    """A node restarting or gone: the person is told what is wrong and to try again, on a
    page as guarded as any other, not "Internal Server Error"."""
    node = os.environ["EARSHOT_ELASTICSEARCH_URL"]
    with interleaving(node, before="/_search", stops=True) as way:
        monkeypatch.setenv("EARSHOT_ELASTICSEARCH_URL", way)
        with serve_desk() as desk:
            client = _signed_in(desk, ANALYST, desk_passwords[ANALYST])
            for path in ("/", "/queue/rows", "/item/m1", "/alerts"):
                answer = client.get(path)
                assert answer.status_code == 503, path
                assert "Elasticsearch did not answer" in answer.text
                assert answer.headers["cache-control"] == "no-store"
                assert "frame-ancestors 'none'" in answer.headers["content-security-policy"]


@pytest.mark.elasticsearch
def test_a_body_too_big_for_any_form_is_refused_before_it_is_read(desk, desk_passwords, mentions):
    """Anyone may post to the sign-in page: a huge post must not fill the desk's memory."""
    client = httpx.Client(base_url=desk, timeout=30)
    padding = "x" * (BODY_LIMIT + 1)
    refused = client.post("/signin", data={"username": RESPONDER, "password": padding})
    assert refused.status_code == 413
    assert f"at most {BODY_LIMIT} bytes" in refused.text
    signed_in = _signed_in(desk, RESPONDER, desk_passwords[RESPONDER])
    csrf = _csrf(signed_in.get("/item/m1"))
    long_note = signed_in.post("/item/m1?do=note", data={"csrf": csrf, "note": padding})
    assert long_note.status_code == 413
    assert audit.history(mentions, action="mention.note") == []


@pytest.mark.elasticsearch
def test_sign_in_stops_checking_after_repeated_failures(desk, desk_passwords, mentions):
    client = httpx.Client(base_url=desk, timeout=30)
    for _ in range(5):
        assert (
            client.post("/signin", data={"username": "mallory", "password": "x"}).status_code == 401
        )
    assert client.post("/signin", data={"username": "mallory", "password": "x"}).status_code == 429


@pytest.mark.elasticsearch
def test_guesses_sent_all_at_once_are_stopped_as_guesses_sent_one_by_one_are(es_node, monkeypatch):
    """A wrong password counted only once the node had refused it, so guesses sent together
    all passed the count first: as many guesses as an attacker could send at once. Here eight
    more arrive while the node still has the first."""
    guess = {"username": "mallet", "password": "wrong"}
    answers: list[int] = []

    def eight_more() -> None:
        with ThreadPoolExecutor(8) as sending:
            sent = [sending.submit(httpx.post, f"{desk}/signin", data=guess) for _ in range(8)]
            answers.extend(s.result().status_code for s in sent)

    node = os.environ["EARSHOT_ELASTICSEARCH_URL"]
    with interleaving(node, eight_more, before="/_security/_authenticate") as way:
        monkeypatch.setenv("EARSHOT_ELASTICSEARCH_URL", way)
        with serve_desk() as desk:
            answers.append(httpx.post(f"{desk}/signin", data=guess, timeout=30).status_code)
    assert sorted(answers) == [401] * 5 + [429] * 4


@pytest.mark.elasticsearch
def test_a_responder_acknowledges_then_resolves_an_alert(desk, desk_passwords, mentions):
    opened = datetime(2026, 11, 21, 7, 0, tzinfo=UTC)
    alert = an_alert(opened)
    keep_alert(mentions, alert)
    client = _signed_in(desk, RESPONDER, desk_passwords[RESPONDER])
    page = client.get("/alerts")
    assert "Negative talk about the force is up" in page.text
    data = {"csrf": _csrf(page), "id": alert.id}
    assert client.post("/alerts", data=data | {"step": "acknowledge"}).status_code == 303
    assert "acknowledged" in client.get("/alerts").text
    assert client.post("/alerts", data=data | {"step": "resolve"}).status_code == 303
    assert "No open alerts" in client.get("/alerts").text
    records = audit.history(mentions, action="alert.resolve")
    assert records[0]["actor"]["name"] == "rosa.responder"


@pytest.mark.elasticsearch
def test_an_alert_change_the_desk_cannot_make_is_refused_and_says_why(
    desk, desk_passwords, mentions
):
    alert = an_alert(datetime(2026, 11, 21, 7, 0, tzinfo=UTC))
    keep_alert(mentions, alert)
    client = _signed_in(desk, RESPONDER, desk_passwords[RESPONDER])
    data = {"csrf": _csrf(client.get("/alerts")), "id": alert.id}
    unknown_step = client.post("/alerts", data=data | {"step": "close"})
    assert unknown_step.status_code == 400
    assert "step must be acknowledge or resolve, not 'close'" in unknown_step.text
    assert client.post("/alerts", data=data).status_code == 400  # no step at all
    assert "Negative talk about the force is up" in client.get("/alerts").text  # still open
    unknown = client.post("/alerts", data=data | {"id": "no-such-alert", "step": "resolve"})
    assert unknown.status_code == 404
    assert "no alert with id 'no-such-alert'" in unknown.text


@pytest.mark.elasticsearch
def test_an_alert_someone_changed_meanwhile_asks_for_a_reload(
    desk_passwords, mentions, monkeypatch
):
    alert = an_alert(datetime(2026, 11, 21, 7, 0, tzinfo=UTC))
    keep_alert(mentions, alert)
    node = os.environ["EARSHOT_ELASTICSEARCH_URL"]
    with interleaving(node, lambda: acknowledge(mentions, alert.id, by="ann.other")) as way:
        monkeypatch.setenv("EARSHOT_ELASTICSEARCH_URL", way)
        with serve_desk() as desk:
            client = _signed_in(desk, RESPONDER, desk_passwords[RESPONDER])
            data = {"csrf": _csrf(client.get("/alerts")), "id": alert.id, "step": "resolve"}
            changed = client.post("/alerts", data=data)
            assert changed.status_code == 409
            assert "reload the page" in changed.text
            assert "acknowledged" in client.get("/alerts").text  # ann.other's, not resolved
    assert audit.history(mentions, action="alert.resolve") == []


@pytest.mark.elasticsearch
def test_the_alerts_page_withholds_a_flagged_posts_words_and_links_to_where_they_are_revealed(
    desk, desk_passwords, es
):
    opened = datetime(2026, 11, 21, 8, 0, tzinfo=UTC)
    evidence = evidence_with_withheld_words(es, opened)
    keep_alert(es, an_alert(opened).model_copy(update={"evidence": evidence}))

    page = _signed_in(desk, ANALYST, desk_passwords[ANALYST]).get("/alerts").text

    assert WITHHELD_WORDS not in page and WITHHELD_LINK not in page
    assert f'<a href="/item/{WITHHELD_ID}">words withheld (flags: self-harm)</a>' in page
    assert PLAIN_WORDS in page
    assert audit.history(es, action="mention.reveal") == []


@pytest.mark.elasticsearch
def test_a_responder_takes_an_item_and_completes_it_and_the_audit_names_her(
    desk, desk_passwords, mentions
):
    client = _signed_in(desk, RESPONDER, desk_passwords[RESPONDER])
    take = _as_shown(client.get("/item/m1")) | {"step": "take"}
    assert client.post("/item/m1", data=take).status_code == 303
    done = _as_shown(client.get("/item/m1")) | {"step": "done"}  # the page taking it led to
    unchosen = client.post("/item/m1", data=done)
    assert unchosen.status_code == 400
    assert "choose an outcome" in unchosen.text
    refused = client.post("/item/m1", data=done | {"outcome": "no-action"})
    assert refused.status_code == 400
    assert "needs a reason" in refused.text
    assert client.post("/item/m1", data=done | {"outcome": "replied"}).status_code == 303
    page = client.get("/item/m1")
    assert "status done, with rosa.responder, outcome replied" in page.text
    queue = client.get("/").text
    assert 'href="/item/m1"' not in queue
    assert "(shared)" in queue  # the story's other copy still waits
    records = audit.history(mentions, action="mention.status")
    assert [r["after"]["status"] for r in records] == ["done", "in-hand"]
    assert {r["actor"]["name"] for r in records} == {"rosa.responder"}
    assert {audit.principal(r) for r in records} == {"rosa.responder"}


@pytest.mark.elasticsearch
def test_hostile_text_and_links_render_inert(desk, desk_passwords, mentions):
    client = _signed_in(desk, RESPONDER, desk_passwords[RESPONDER])
    for page in (client.get("/"), client.get("/item/hostile")):
        assert "<script>alert(1)</script>" not in page.text
        assert "<img src=x" not in page.text
        assert "&lt;script&gt;" in page.text
        assert 'href="javascript:' not in page.text
        assert "default-src 'self'" in page.headers["content-security-policy"]
    assert 'class="text"' in client.get("/item/hostile").text  # bidi isolated


@pytest.mark.elasticsearch
def test_refusals_carry_the_pages_security_headers(desk, desk_passwords, mentions):
    """An error page framed, cached or sending its address on is as exposed as a page."""
    client = _signed_in(desk, RESPONDER, desk_passwords[RESPONDER])
    signed_out = httpx.Client(base_url=desk, timeout=30)
    for answer in (
        client.get("/"),
        client.get("/item/no-such-mention"),
        client.get("/", params={"since": "forever"}),
        client.post("/item/m1", data={"step": "take", "csrf": "guess"}),
        signed_out.get("/", follow_redirects=False),
    ):
        assert answer.headers["content-security-policy"].endswith("frame-ancestors 'none'")
        assert answer.headers["referrer-policy"] == "no-referrer"
        assert answer.headers["cache-control"] == "no-store"


def mentions_index_of(mention_id: str, es) -> str:
    return es.search(index="earshot-mentions", query={"ids": {"values": [mention_id]}})["hits"][
        "hits"
    ][0]["_index"]


def test_a_story_shows_its_own_copies_even_when_bigger_stories_are_not_shown(es):
    """The count comes from the stories on the page, not the largest stories in the index."""
    ensure_indices(es)
    for n in range(3):
        index_mention(es, f"big-{n}", f"Low priority story, copy {n}", priority=5, cluster="big")
    for n in range(2):
        index_mention(es, f"top-{n}", f"Urgent story, copy {n}", priority=90, cluster="top")
    (row,) = queue(es, Filters(), limit=1).rows
    assert (row["cluster"], row["copies"]) == ("top", 2)


@pytest.mark.elasticsearch
def test_an_item_a_colleague_took_while_it_was_open_is_not_taken_over_them(
    desk, desk_passwords, mentions
):
    """Both would answer the same post: the second to click learns who has it, and nothing
    of theirs is written. Elasticsearch's optimistic concurrency control (`if_seq_no`,
    `if_primary_term`, docs: "Optimistic concurrency control") refuses the stale write."""
    client = _signed_in(desk, RESPONDER, desk_passwords[RESPONDER])
    page = client.get("/item/m1")
    index = mentions_index_of("m1", mentions)
    colleague = {"earshot": {"status": "in-hand"}, "labels": {"assignee": "ann.other"}}
    mentions.update(index=index, id="m1", doc=colleague, refresh=True)

    taken = client.post("/item/m1", data=_as_shown(page) | {"step": "take"})

    assert taken.status_code == 409
    assert "changed this mention while you had it open" in taken.text
    assert "status in-hand, with ann.other" in taken.text  # as it is now
    assert mentions.get(index=index, id="m1")["_source"]["labels"] == {"assignee": "ann.other"}
    assert audit.history(mentions, action="mention.status") == []


@pytest.mark.elasticsearch
def test_a_done_item_put_back_in_hand_no_longer_shows_an_outcome(desk, desk_passwords, mentions):
    """It is not finished: the outcome it had stays in the audit trail, not on the item."""
    client = _signed_in(desk, RESPONDER, desk_passwords[RESPONDER])
    for step in ({"step": "take"}, {"step": "done", "outcome": "replied"}, {"step": "in-hand"}):
        assert client.post("/item/m2", data=_as_shown(client.get("/item/m2")) | step).is_redirect
    assert "status in-hand, with rosa.responder</p>" in client.get("/item/m2").text
    reopened = audit.history(mentions, action="mention.status")[0]
    assert reopened["before"]["outcome"] == "replied"


@pytest.mark.elasticsearch
def test_a_queue_longer_than_the_page_says_that_more_stories_wait(desk, desk_passwords, es):
    """Else the least urgent stories are never seen, and nothing says they are there."""
    ensure_indices(es)
    for n in range(QUEUE_PAGE + 1):
        index_mention(es, f"story-{n}", f"Story number {n}", priority=n)
    client = _signed_in(desk, ANALYST, desk_passwords[ANALYST])
    for path in ("/", "/queue/rows"):
        page = client.get(path)
        assert len(re.findall(r'href="/item/', page.text)) == QUEUE_PAGE
        assert f"Only the {QUEUE_PAGE} most urgent stories are shown" in page.text
    assert "most urgent stories are shown" not in client.get("/", params={"q": "100"}).text


@pytest.mark.elasticsearch
def test_an_item_erased_as_it_is_taken_is_gone_not_a_server_error(
    desk_passwords, mentions, monkeypatch
):
    """Erasure (or retention dropping its month) can land between the desk reading the item
    and writing the change: the person is told it is gone, and nothing is audited."""
    index = mentions_index_of("m1", mentions)
    node = os.environ["EARSHOT_ELASTICSEARCH_URL"]

    def erase() -> None:
        mentions.delete(index=index, id="m1", refresh=True)

    with interleaving(node, erase, before="/_update/") as way:
        monkeypatch.setenv("EARSHOT_ELASTICSEARCH_URL", way)
        with serve_desk() as desk:
            client = _signed_in(desk, RESPONDER, desk_passwords[RESPONDER])
            page = client.get("/item/m1")
            taken = client.post("/item/m1", data=_as_shown(page) | {"step": "take"})
            assert taken.status_code == 404
            assert "no mention with id m1" in taken.text
    assert audit.history(mentions, action="mention.status") == []


@pytest.mark.elasticsearch
def test_stories_tied_on_priority_and_time_keep_one_order_however_the_queue_is_read(
    desk, desk_passwords, es
):
    """Else an analyst's next item jumps: a colleague taking one rewrites its document, and
    Elasticsearch would list the ties in whatever order the shard then holds them."""
    ensure_indices(es)
    for n in range(30):
        index_mention(es, f"tied-{n:02}", f"Tied story {n}", priority=50)
    client = _signed_in(desk, ANALYST, desk_passwords[ANALYST])

    def listed(path: str = "/") -> list[str]:
        return re.findall(r'href="/item/([^"]+)"', client.get(path).text)

    first = listed()
    for taken in first[:10:3]:  # taken by a colleague: still waiting, now in hand
        colleague = {"earshot": {"status": "in-hand"}, "labels": {"assignee": "ann.other"}}
        es.update(index=mentions_index_of(taken, es), id=taken, doc=colleague, refresh=True)

    assert len(first) == 30
    assert listed() == listed("/queue/rows") == first
    assert [row["id"] for row in queue(es, Filters(), limit=12).rows] == first[:12]


@pytest.mark.elasticsearch
def test_an_items_page_says_how_many_copies_of_its_story_it_does_not_list_and_links_to_all(
    desk, desk_passwords, es, monkeypatch
):
    """A story reposted hundreds of times must not read as one reposted fifty times; where
    the force's Kibana is known, the page links to Discover listing every copy."""
    ensure_indices(es)
    newest = datetime(2026, 11, 21, 7, 0, 30, tzinfo=UTC)
    for n in range(COPIES_SHOWN + 3):
        published = newest - timedelta(minutes=n)
        index_mention(es, f"copy-{n:02}", f"Copy {n}", cluster="reposted", published=published)
    client = _signed_in(desk, ANALYST, desk_passwords[ANALYST])

    page = client.get("/item/copy-00").text

    listed = re.findall(r'<li><a href="/item/([^"]+)"', page)
    assert listed == [f"copy-{n:02}" for n in range(1, COPIES_SHOWN + 1)]  # newest first
    assert "<p>and 2 more</p>" in page  # no Kibana named: no link

    monkeypatch.setenv("EARSHOT_KIBANA_URL", "https://kibana.force.example")
    page = client.get("/item/copy-00").text
    link = html.unescape(re.search(r'and 2 more: <a href="([^"]+)"', page).group(1))
    assert link.startswith("https://kibana.force.example/app/discover#/")
    assert 'earshot.cluster:"reposted"' in unquote(link)
    # From the oldest copy, 52 minutes before, to the newest (this one) inclusive.
    assert "from:'2026-11-21T06:08:30.000Z',to:'2026-11-21T07:00:31.000Z'" in unquote(link)
