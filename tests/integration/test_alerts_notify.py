"""Alert notifications against real components on loopback: the Elasticsearch node, an
aiosmtpd mail server and an HTTP webhook receiver (demo FeedServer, which records POSTs).

What on-call staff rely on: the alert reaches them by email and webhook with its evidence;
nothing the public wrote can act as markup, a link or a channel-wide mention; a receiver
that is down loses nothing (the alert is tried again next run, and delivered once); the
webhook's secret URL never shows in a log or in the alert record.
"""

from __future__ import annotations

import copy
import json
import logging
import re
from datetime import UTC, datetime, timedelta

# Airflow sets up logging when first imported and replaces the root logger's handlers:
# imported here, before any test's caplog adds its own, not mid-test by the first
# connection looked up (run alone, the webhook test then saw no log at all).
import airflow  # noqa: F401
import pytest

from earshot.alerts.model import (
    ALERTS,
    MAPPING,
    Alert,
    Delivery,
    Evidence,
    EvidenceMention,
    KnownEventNote,
    alert_id,
    ensure_alerts,
    to_document,
)
from earshot.alerts.notify import (
    MAX_ATTEMPTS,
    DeliveryReport,
    NotificationFailed,
    channels,
    deliver_pending,
)
from earshot.alerts.webhook import TIMEOUT_SECONDS, TRIES, WebhookError, webhook
from earshot.app.feed_server import FeedServer, Route
from earshot.core.desk_links import BadDeskUrl
from earshot.core.paths import DEFAULT_PROFILE
from earshot.core.profile import Recipients
from earshot.core.safe_text import BREAK
from earshot.store.indices import NotInstalled
from listeners import load_profile
from tests.alert_helpers import (
    PLAIN_WORDS,
    WITHHELD_ID,
    WITHHELD_LINK,
    WITHHELD_WORDS,
    evidence_with_withheld_words,
    gathered_evidence,
    talk,
)
from tests.digest_helpers import Mailbox

NOW = datetime(2026, 11, 21, 14, 30, tzinfo=UTC)
ON_CALL = ["oncall@lincs.police.example", "duty.inspector@lincs.police.example"]
HOSTILE = (
    "<script>alert(1)</script> Police cover-up [click here](https://evil.example/lure) "
    "<!channel> \x1b[31mRED\x1b[0m fish & chips <!here"
)
GOOD_LINK = "https://news.example/boston-response?a=1&b=2"
DESK = "https://desk.lincs.police.example"
# A Slack-style webhook path: its token is the secret.
SECRET_TOKEN = "xoxSECRETtok3n9f8e7d"
SLACK_PATH = f"/services/T0001/B0002/{SECRET_TOKEN}"
TEAMS_PATH = "/workflows/7c1/triggers/manual/paths/invoke"
TEAMS_SIG = "sigSECRET0123456789"
WEBHOOK_VARIABLE = "AIRFLOW_CONN_EARSHOT_ALERTS_WEBHOOK"
OK = Route(b"ok", "text/plain")
BROKEN = Route(b"upstream exploded", "text/plain", status=500)


@pytest.fixture
def profile():
    return load_profile(DEFAULT_PROFILE).model_copy(
        update={"recipients": Recipients(alerts=ON_CALL)}
    )


@pytest.fixture
def alerts_index(es):
    ensure_alerts(es)
    return es


@pytest.fixture
def receiver():
    with FeedServer({SLACK_PATH: OK, TEAMS_PATH: OK}) as server:
        yield server


def slack_webhook(monkeypatch, server: FeedServer) -> None:
    """The JSON connection form, the one that carries any URL whole."""
    connection = {"conn_type": "http", "host": server.url(SLACK_PATH), "extra": {"format": "slack"}}
    monkeypatch.setenv(WEBHOOK_VARIABLE, json.dumps(connection))


def teams_webhook(monkeypatch, server: FeedServer) -> None:
    """The URI form, with a Workflows URL whose own query carries the signature."""
    query = f"api-version=2016-06-01&sp=%2Ftriggers%2Fmanual%2Frun&sig={TEAMS_SIG}"
    monkeypatch.setenv(WEBHOOK_VARIABLE, f"{server.url(TEAMS_PATH)}?{query}&format=teams")


def spike(
    *,
    key: str = "all",
    notifications: dict | None = None,
    status: str = "open",
    event: KnownEventNote | None = None,
) -> Alert:
    opened = NOW - timedelta(minutes=10)
    return Alert(
        id=alert_id("negative-spike", key, 15, opened),
        rule="negative-spike",
        key=key,
        window_minutes=15,
        status=status,
        opened=opened,
        updated=opened,
        message="Negative talk about Lincolnshire Police spiking: 23 stories in 15 minutes",
        evidence=Evidence(
            window_start=NOW - timedelta(minutes=25),
            window_end=NOW - timedelta(minutes=10),
            count=23,
            baseline=4.2,
            probability=2e-7,
            share=0.62,
            baseline_share=0.21,
            mentions=(
                EvidenceMention(
                    id="m1", title=HOSTILE, url="javascript:alert(1)", source="lincs-news"
                ),
                EvidenceMention(
                    id="m2",
                    title="Officers criticised over response in Boston",
                    url=GOOD_LINK,
                    source="reddit-lincoln",
                ),
            ),
            terms=("cordon", "<b>raid</b>", "[free](https://evil.example/t)"),
            places=("Boston",),
            sources=("lincs-news", "reddit-lincoln"),
            event=event,
        ),
        notifications=notifications if notifications is not None else {},
    )


def put(es, alert: Alert) -> Alert:
    es.index(index=ALERTS, id=alert.id, document=to_document(alert), refresh=True)
    return alert


def delivery(es, alert: Alert, channel: str) -> dict:
    return es.get(index=ALERTS, id=alert.id)["_source"]["notifications"][channel]


def posted_json(server: FeedServer) -> list[dict]:
    return [json.loads(body) for _, body in server.posted]


# -- which channels a new alert gets ----------------------------------------------------------


def test_channels_are_what_the_profile_and_connections_set_up(profile, monkeypatch, receiver):
    monkeypatch.delenv(WEBHOOK_VARIABLE, raising=False)
    nobody = profile.model_copy(update={"recipients": Recipients()})
    assert channels(nobody) == []
    assert channels(profile) == ["email"]
    slack_webhook(monkeypatch, receiver)
    assert channels(profile) == ["email", "webhook"]
    assert channels(nobody) == ["webhook"]


# -- email -------------------------------------------------------------------------------------


def test_alert_email_arrives_as_text_and_html_with_its_evidence_and_hostile_text_inert(
    alerts_index, profile, mailbox
):
    alert = put(alerts_index, spike(notifications={"email": Delivery()}))

    report = deliver_pending(alerts_index, profile, now=NOW)

    assert report.sent == ((alert.id, "email"),) and report.failed == ()
    [(_, rcpts, _)] = mailbox.received
    assert rcpts == ON_CALL
    [message] = mailbox.messages()
    assert message["Subject"] == f"Earshot alert: {alert.message}"
    assert message.get_content_type() == "multipart/alternative"
    # (neutral() lets long runs wrap with zero-width spaces; the words are what is checked)
    text = message.get_body(("plain",)).get_content().replace(BREAK, "")
    html = message.get_body(("html",)).get_content().replace(BREAK, "")
    for body in (text, html):
        assert "23 in the window; 4.2 expected" in body
        assert "less than a 1 in a million chance" in body
        assert "62%" in body and "21%" in body
        assert "Boston" in body and "cordon" in body and "lincs-news" in body
        assert f"earshot alerts ack {alert.id}" in body
        assert "Officers criticised over response in Boston" in body
        assert "\x1b" not in body and "<script" not in body and "<!channel>" not in body
        assert "javascript:" not in body
    assert "Police cover-up" in text and "fish & chips" in text
    assert "fish &amp; chips &lt;!here" in html  # escaped, shown as written
    assert "[click here](https://evil.example/lure)" in html  # words, not a link
    assert 'href="https://evil.example' not in html
    assert (
        html.count("<a ") == 1 and 'href="https://news.example/boston-response?a=1&amp;b=2"' in html
    )

    assert delivery(alerts_index, alert, "email") == {
        "state": "sent",
        "attempts": 1,
        "last_error": None,
        "sent_at": NOW.isoformat().replace("+00:00", "Z"),
        "retry_only": [],
    }


def test_alert_email_withholds_a_flagged_posts_words_and_link_and_quotes_the_others(
    alerts_index, profile, mailbox, monkeypatch
):
    monkeypatch.setenv("EARSHOT_DESK_URL", DESK)
    evidence = evidence_with_withheld_words(alerts_index, NOW)
    pending = spike(notifications={"email": Delivery()})
    alert = put(alerts_index, pending.model_copy(update={"evidence": evidence}))

    assert deliver_pending(alerts_index, profile, now=NOW).sent == ((alert.id, "email"),)

    [message] = mailbox.messages()
    for body in (message.get_body((kind,)).get_content() for kind in ("plain", "html")):
        body = body.replace(BREAK, "")
        assert WITHHELD_WORDS not in body and WITHHELD_LINK not in body
        assert "words withheld (flags: self-harm)" in body
        assert f"{DESK}/item/{WITHHELD_ID}" in body  # where the words are revealed, on record
        assert PLAIN_WORDS in body


def test_a_word_only_risk_flagged_posts_share_does_not_stand_out_in_the_alert(
    alerts_index, profile, mailbox
):
    """Two flagged posts share a word, two plain ones another: only the plain posts' word is
    listed among the words standing out, as their titles are the only ones shown."""
    start = NOW - timedelta(minutes=50)
    flagged = {"risk_flags": ("self-harm",)}
    evidence = gathered_evidence(
        alerts_index,
        NOW,
        [
            talk(1, start, story="going to the multistorey roof tonight", **flagged),
            talk(2, start, story="the multistorey is where it all ends", **flagged),
            talk(3, start, story="nobody came when my shed was broken into"),
            talk(4, start, story="shed emptied and still no officer came"),
            *(talk(n, start, tone=0.5) for n in range(10, 20)),  # the window's other talk
        ],
    )
    pending = spike(notifications={"email": Delivery()})
    alert = put(alerts_index, pending.model_copy(update={"evidence": evidence}))

    assert deliver_pending(alerts_index, profile, now=NOW).sent == ((alert.id, "email"),)

    [message] = mailbox.messages()
    text = message.get_body(("plain",)).get_content().replace(BREAK, "")
    [standing_out] = [line for line in text.splitlines() if line.startswith("Words standing")]
    assert "shed" in standing_out and "multistorey" not in standing_out
    assert "multistorey" not in message.get_body(("html",)).get_content()


def test_a_mail_server_that_is_down_loses_nothing_the_next_run_delivers(
    alerts_index, profile, monkeypatch
):
    alert = put(alerts_index, spike(notifications={"email": Delivery()}))
    with Mailbox() as stopped:
        monkeypatch.setenv("AIRFLOW_CONN_SMTP_DEFAULT", stopped.connection_uri())

    first = deliver_pending(alerts_index, profile, now=NOW)

    assert [(a, c) for a, c, _ in first.failed] == [(alert.id, "email")]
    failed = delivery(alerts_index, alert, "email")
    assert failed["state"] == "failed" and failed["attempts"] == 1
    assert "cannot reach the mail server" in failed["last_error"]
    with pytest.raises(NotificationFailed, match="tried again next run"):
        first.raise_for_failures()

    with Mailbox() as box:
        monkeypatch.setenv("AIRFLOW_CONN_SMTP_DEFAULT", box.connection_uri())
        second = deliver_pending(alerts_index, profile, now=NOW + timedelta(minutes=15))
    assert second.sent == ((alert.id, "email"),)
    assert len(box.received) == 1
    assert delivery(alerts_index, alert, "email")["state"] == "sent"
    assert delivery(alerts_index, alert, "email")["attempts"] == 2


def test_a_mail_server_that_is_down_is_tried_once_a_run_and_the_webhook_still_delivers(
    alerts_index, profile, receiver, monkeypatch
):
    """Each try of a mail server that is gone takes its retries and pauses (a minute or two
    when it does not answer at all): tried alert after alert, the task's five minutes went
    on it while the webhook, which works, waited behind it. It is tried for one alert a run;
    the other alerts' emails wait for the next run, no attempt counted, and the webhook
    carries every alert now."""
    slack_webhook(monkeypatch, receiver)
    both = {"email": Delivery(), "webhook": Delivery()}
    alerts = [put(alerts_index, spike(key=f"topic:{t}", notifications=both)) for t in "abc"]
    with Mailbox() as stopped:
        monkeypatch.setenv("AIRFLOW_CONN_SMTP_DEFAULT", stopped.connection_uri())

    first = deliver_pending(alerts_index, profile, now=NOW)

    assert sorted(first.sent) == sorted((a.id, "webhook") for a in alerts)
    assert len(receiver.posted) == 3
    [(tried, _, error)] = first.failed
    assert "cannot reach the mail server" in error
    assert sorted(first.waiting) == sorted((a.id, "email") for a in alerts if a.id != tried)
    for alert in alerts:
        email = delivery(alerts_index, alert, "email")
        assert (email["state"], email["attempts"]) == (
            ("failed", 1) if alert.id == tried else ("pending", 0)
        )
    with pytest.raises(NotificationFailed, match="2 alert deliveries were not tried"):
        first.raise_for_failures()

    with Mailbox() as box:
        monkeypatch.setenv("AIRFLOW_CONN_SMTP_DEFAULT", box.connection_uri())
        second = deliver_pending(alerts_index, profile, now=NOW + timedelta(minutes=15))
    assert sorted(second.sent) == sorted((a.id, "email") for a in alerts)
    assert second.failed == () and second.waiting == ()
    assert len(box.received) == 3 and len(receiver.posted) == 3


def test_an_on_call_address_listed_twice_is_mailed_once(alerts_index, profile, monkeypatch):
    """A mail server that delivers to each recipient it is given put two copies of the
    alert in that mailbox (a domain is the same in any case, RFC 5321 §2.4)."""
    twice = [*ON_CALL, ON_CALL[0].replace("lincs.police.example", "LINCS.Police.example")]
    profile = profile.model_copy(update={"recipients": Recipients(alerts=twice)})
    put(alerts_index, spike(notifications={"email": Delivery()}))
    with Mailbox() as box:
        monkeypatch.setenv("AIRFLOW_CONN_SMTP_DEFAULT", box.connection_uri())
        deliver_pending(alerts_index, profile, now=NOW).raise_for_failures()

    assert [rcpts for _, rcpts, _ in box.received] == [ON_CALL]


GREYLISTED = "450 4.2.0 Greylisted, try again later"


def test_an_address_refused_for_now_gets_the_alert_next_run_and_the_others_not_twice(
    alerts_index, profile, monkeypatch
):
    """RFC 5321 §4.2.1 and §4.5.4.1: a 4yz reply is transient, and the sender should try
    again later. Here the mail server refuses one on-call address for now (greylisting) and
    takes the other: the refused one gets the same email (one Message-ID) next run, alone."""
    alert = put(alerts_index, spike(notifications={"email": Delivery()}))
    refused, took = ON_CALL
    with Mailbox(refusing={refused: GREYLISTED}) as box:
        monkeypatch.setenv("AIRFLOW_CONN_SMTP_DEFAULT", box.connection_uri())
        first = deliver_pending(alerts_index, profile, now=NOW)
        box.refusing.clear()  # the greylist lifts
        second = deliver_pending(alerts_index, profile, now=NOW + timedelta(minutes=15))

    [(_, channel, error)] = first.failed
    assert channel == "email" and f"refused for now, tried again next run: {refused}" in error
    with pytest.raises(NotificationFailed, match=refused):
        first.raise_for_failures()
    assert second.sent == ((alert.id, "email"),) and second.failed == ()
    assert [rcpts for _, rcpts, _ in box.received] == [[took], [refused]]
    [once, again] = box.messages()
    assert once["Message-ID"] == again["Message-ID"]
    assert delivery(alerts_index, alert, "email")["state"] == "sent"
    assert delivery(alerts_index, alert, "email")["attempts"] == 2


def test_an_address_refused_for_good_is_named_and_not_tried_again(
    alerts_index, profile, monkeypatch
):
    """RFC 5321 §4.2.1: a 5yz reply is permanent, and the same request should not be
    repeated. The run goes red naming the address; the others have the alert."""
    alert = put(alerts_index, spike(notifications={"email": Delivery()}))
    refused, took = ON_CALL
    with Mailbox(refusing={refused: "550 5.1.1 No such user"}) as box:
        monkeypatch.setenv("AIRFLOW_CONN_SMTP_DEFAULT", box.connection_uri())
        first = deliver_pending(alerts_index, profile, now=NOW)
        second = deliver_pending(alerts_index, profile, now=NOW + timedelta(minutes=15))

    assert first.sent == ((alert.id, "email"),)
    [(_, _, error)] = first.failed
    assert f"refused for good, not tried again: {refused}" in error
    with pytest.raises(NotificationFailed, match=refused):
        first.raise_for_failures()
    assert second == DeliveryReport()
    assert [rcpts for _, rcpts, _ in box.received] == [[took]]
    recorded = delivery(alerts_index, alert, "email")
    assert recorded["state"] == "sent" and refused in recorded["last_error"]


def test_an_address_refused_for_now_then_for_good_is_named_and_not_tried_again(
    alerts_index, profile, monkeypatch
):
    """The next run's email goes to the address refused for now alone, and the mail server
    now refuses it for good: the others have the alert, so this is recorded as a 5yz on the
    first try would be, and not tried again up to the attempts' limit."""
    alert = put(alerts_index, spike(notifications={"email": Delivery()}))
    refused, took = ON_CALL
    with Mailbox(refusing={refused: GREYLISTED}) as box:
        monkeypatch.setenv("AIRFLOW_CONN_SMTP_DEFAULT", box.connection_uri())
        deliver_pending(alerts_index, profile, now=NOW)
        box.refusing[refused] = "550 5.1.1 No such user"
        second = deliver_pending(alerts_index, profile, now=NOW + timedelta(minutes=15))
        third = deliver_pending(alerts_index, profile, now=NOW + timedelta(minutes=30))

    [(_, _, error)] = second.failed
    assert f"refused for good, not tried again: {refused}" in error
    assert third == DeliveryReport()
    assert [rcpts for _, rcpts, _ in box.received] == [[took]]
    assert delivery(alerts_index, alert, "email")["state"] == "sent"


def test_an_alerts_index_setup_has_not_upgraded_stops_the_run_before_any_email_goes(
    es, profile, mailbox
):
    """Each outcome is written onto the alert after it went out, and the alerts mapping is
    strict: on a cluster whose alerts index predates a delivery field, the email went out and
    its record was refused, so the alert stayed due and was emailed again every run. Now the
    run stops first, naming the field and `earshot setup`."""
    older = copy.deepcopy(MAPPING)
    del older["properties"]["notifications"]["properties"]["email"]["properties"]["retry_only"]
    es.indices.delete(index=ALERTS)
    es.indices.create(index=ALERTS, mappings=older)
    alert = spike(notifications={"email": Delivery()})
    as_written_before = to_document(alert)  # by the Earshot before the upgrade
    del as_written_before["notifications"]["email"]["retry_only"]
    es.index(index=ALERTS, id=alert.id, document=as_written_before, refresh=True)

    with pytest.raises(NotInstalled, match=r"notifications\.email\.retry_only.*earshot setup"):
        deliver_pending(es, profile, now=NOW)
    assert mailbox.received == []


# -- webhook payloads --------------------------------------------------------------------------


def test_slack_payload_carries_the_evidence_and_no_public_text_can_link_or_mention(
    alerts_index, profile, receiver, monkeypatch
):
    slack_webhook(monkeypatch, receiver)
    alert = put(alerts_index, spike(notifications={"webhook": Delivery()}))

    assert deliver_pending(alerts_index, profile, now=NOW).sent == ((alert.id, "webhook"),)

    [(path, headers)] = receiver.requests
    assert path == SLACK_PATH and headers["Content-Type"] == "application/json"
    [payload] = posted_json(receiver)
    assert set(payload) == {"text", "blocks"}
    assert payload["text"] == f"Earshot alert: {alert.message}"
    mrkdwn = [payload["text"], *_slack_texts(payload["blocks"])]
    everything = "\n".join(mrkdwn)
    assert "23 in the window; 4.2 expected" in everything
    assert f"earshot alerts ack {alert.id}" in everything
    assert "fish &amp; chips &lt;!here" in everything
    assert "<!" not in everything and "\x1b" not in everything and "javascript" not in everything
    # Every `<…>` left is a link Earshot made, to a web address from the evidence.
    links = [part.split(">", 1)[0] for part in everything.split("<")[1:]]
    good = "https://news.example/boston-response?a=1&amp;b=2"
    assert links == [f"{good}|Officers criticised over response in Boston"]


def test_slack_shows_whole_mention_lines_and_counts_those_that_do_not_fit(
    alerts_index, profile, receiver, monkeypatch
):
    monkeypatch.setenv("EARSHOT_DESK_URL", DESK)
    slack_webhook(monkeypatch, receiver)
    many = tuple(
        EvidenceMention(
            id=f"m{n}",
            title=f"Story {n} " + "about the response in Boston " * 5,
            url=f"https://news.example/story-{n}?" + "q=long" * 20,
            source="lincs-news",
        )
        for n in range(40)
    )
    pending = spike(notifications={"webhook": Delivery()})
    evidence = pending.evidence.model_copy(update={"mentions": many})
    put(alerts_index, pending.model_copy(update={"evidence": evidence}))

    deliver_pending(alerts_index, profile, now=NOW)

    [payload] = posted_json(receiver)
    [section] = [t for t in _slack_texts(payload["blocks"]) if "Top negative mentions" in t]
    *lines, more = section.split("\n")[1:]
    assert len(section) <= 3000
    assert all(line.count("<") == line.count(">") == 2 for line in lines)  # links whole
    assert len(lines) + int(re.fullmatch(r"…and (\d+) more", more)[1]) == len(many)


def _slack_texts(blocks: list[dict]) -> list[str]:
    texts = []
    for block in blocks:
        texts += [block["text"]["text"]] if "text" in block else []
        texts += [f["text"] for f in block.get("fields", []) + block.get("elements", [])]
        assert all(
            t["type"] == "mrkdwn" for t in block.get("fields", []) + block.get("elements", [])
        )
    return texts


def test_teams_payload_is_an_adaptive_card_where_public_text_is_never_markdown(
    alerts_index, profile, receiver, monkeypatch
):
    teams_webhook(monkeypatch, receiver)
    event = KnownEventNote(
        name="[Derby day](https://evil.example/e) **march**",
        kind="football",
        start=NOW - timedelta(hours=2),
        end=NOW + timedelta(hours=2),
    )
    alert = put(alerts_index, spike(notifications={"webhook": Delivery()}, event=event))

    assert deliver_pending(alerts_index, profile, now=NOW).sent == ((alert.id, "webhook"),)

    [(path, _)] = receiver.requests
    assert path.startswith(f"{TEAMS_PATH}?") and f"sig={TEAMS_SIG}" in path
    assert "format=" not in path
    [payload] = posted_json(receiver)
    assert payload["type"] == "message"
    [attachment] = payload["attachments"]
    assert attachment["contentType"] == "application/vnd.microsoft.card.adaptive"
    card = attachment["content"]
    assert card["type"] == "AdaptiveCard" and card["version"] == "1.4"
    blocks = card["body"]
    # No markdown-reading element (TextBlock, FactSet): its backslash escapes would show on
    # phones (microsoft/AdaptiveCards#5590). The public's words travel as RichTextBlock
    # runs, which are never markdown, so they are shown as written and never become links.
    assert {b["type"] for b in blocks} == {"RichTextBlock"}
    runs = [run for b in blocks for run in b["inlines"]]
    assert {run["type"] for run in runs} == {"TextRun"}
    texts = [run["text"].replace(BREAK, "") for run in runs]
    assert "[Derby day](https://evil.example/e) **march**" in " ".join(texts)
    assert not any("\\" in t for t in texts)
    assert any("Police cover-up [click here](https://evil.example/lure)" in t for t in texts)
    assert any(f"earshot alerts ack {alert.id}" == t for t in texts)
    opened = [run["selectAction"]["url"] for run in runs if "selectAction" in run]
    assert opened == [GOOD_LINK]
    dumped = json.dumps(card)
    assert "javascript" not in dumped and "<script" not in dumped and "\\u001b" not in dumped


# -- links into the response desk --------------------------------------------------------------
# Each mention of the evidence opens its page in the desk, and the alert the desk's alerts
# page, where on-call staff acknowledge it without a terminal. Unset, the tests above hold.
IN_THE_DESK = [f"{DESK}/item/m1", f"{DESK}/item/m2", f"{DESK}/alerts"]


def test_with_the_desk_set_the_alert_email_links_each_mention_and_the_alerts_page(
    alerts_index, profile, mailbox, monkeypatch
):
    monkeypatch.setenv("EARSHOT_DESK_URL", DESK)
    alert = put(alerts_index, spike(notifications={"email": Delivery()}))

    assert deliver_pending(alerts_index, profile, now=NOW).sent == ((alert.id, "email"),)

    [message] = mailbox.messages()
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    good = "https://news.example/boston-response?a=1&amp;b=2"
    # m1's own link is javascript:, so it has none: the desk is still one click away.
    assert re.findall(r'href="([^"]+)"', html) == [IN_THE_DESK[0], good, *IN_THE_DESK[1:]]
    assert re.findall(rf"{re.escape(DESK)}/\S+", text) == IN_THE_DESK
    assert f"earshot alerts ack {alert.id}" in text  # the terminal's way stays


def test_with_the_desk_set_slack_and_teams_link_each_mention_and_the_alerts_page(
    alerts_index, profile, receiver, monkeypatch
):
    monkeypatch.setenv("EARSHOT_DESK_URL", DESK)
    slack_webhook(monkeypatch, receiver)
    put(alerts_index, spike(notifications={"webhook": Delivery()}))
    deliver_pending(alerts_index, profile, now=NOW)
    teams_webhook(monkeypatch, receiver)
    put(alerts_index, spike(key="place:Boston", notifications={"webhook": Delivery()}))
    deliver_pending(alerts_index, profile, now=NOW)

    slack, teams = posted_json(receiver)
    everything = "\n".join(_slack_texts(slack["blocks"]))
    links = [part.split(">", 1)[0] for part in everything.split("<")[1:]]
    good = "https://news.example/boston-response?a=1&amp;b=2"
    assert links == [
        f"{IN_THE_DESK[0]}|open in the desk",
        f"{good}|Officers criticised over response in Boston",
        f"{IN_THE_DESK[1]}|open in the desk",
        f"{IN_THE_DESK[2]}|in the desk",
    ]
    blocks = teams["attachments"][0]["content"]["body"]
    runs = [run for b in blocks if b["type"] == "RichTextBlock" for run in b["inlines"]]
    opened = [run["selectAction"]["url"] for run in runs if "selectAction" in run]
    assert opened == [IN_THE_DESK[0], GOOD_LINK, *IN_THE_DESK[1:]]


def test_a_desk_address_that_is_not_a_web_address_is_named_and_the_alert_waits(
    alerts_index, profile, mailbox, monkeypatch
):
    monkeypatch.setenv("EARSHOT_DESK_URL", "desk.lincs.police.example/")
    alert = put(alerts_index, spike(notifications={"email": Delivery()}))

    with pytest.raises(BadDeskUrl, match="EARSHOT_DESK_URL must be the desk's web address"):
        deliver_pending(alerts_index, profile, now=NOW)

    assert mailbox.received == []
    assert delivery(alerts_index, alert, "email")["state"] == "pending"


# -- retries: nothing lost, nothing twice, no secret shown -------------------------------------


def test_a_failing_webhook_is_retried_next_run_and_the_alert_is_not_lost(
    alerts_index, profile, receiver, monkeypatch, caplog
):
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.DEBUG, logger="httpx")  # the task log shows httpx's requests
    slack_webhook(monkeypatch, receiver)
    receiver.routes[SLACK_PATH] = BROKEN
    alert = put(alerts_index, spike(notifications={"webhook": Delivery()}))

    first = deliver_pending(alerts_index, profile, now=NOW)

    assert len(receiver.posted) == TRIES  # quick tries within the run
    assert [(a, c) for a, c, _ in first.failed] == [(alert.id, "webhook")]
    failed = delivery(alerts_index, alert, "webhook")
    assert failed["state"] == "failed" and failed["attempts"] == 1 and failed["sent_at"] is None
    assert "HTTP 500" in failed["last_error"] and "upstream exploded" in failed["last_error"]
    with pytest.raises(NotificationFailed, match=alert.id):
        first.raise_for_failures()

    receiver.routes[SLACK_PATH] = OK
    later = NOW + timedelta(minutes=15)
    second = deliver_pending(alerts_index, profile, now=later)

    assert second.sent == ((alert.id, "webhook"),) and second.failed == ()
    second.raise_for_failures()
    assert len(receiver.posted) == TRIES + 1
    assert posted_json(receiver)[-1]["text"] == f"Earshot alert: {alert.message}"
    sent = delivery(alerts_index, alert, "webhook")
    assert sent == {
        "state": "sent",
        "attempts": 2,
        "last_error": None,
        "sent_at": later.isoformat().replace("+00:00", "Z"),
        "retry_only": [],
    }

    third = deliver_pending(alerts_index, profile, now=later + timedelta(minutes=15))
    assert third.sent == () and third.failed == ()
    assert len(receiver.posted) == TRIES + 1  # an alert already sent is not sent again

    assert "HTTP Request: POST" in caplog.text  # httpx did log its requests ...
    stored = json.dumps(alerts_index.get(index=ALERTS, id=alert.id)["_source"])
    for secret in (SECRET_TOKEN, SLACK_PATH):  # ... but not where they went
        assert secret not in caplog.text
        assert secret not in stored
        assert all(secret not in error for _, _, error in first.failed)


def test_a_webhook_that_takes_the_post_but_does_not_answer_is_not_posted_again(
    alerts_index, profile, receiver, monkeypatch
):
    """A read timeout comes after the channel has the card: posting again would show it
    twice, so the delivery is recorded as unknown, the run goes red, and no run re-posts."""
    slack_webhook(monkeypatch, receiver)
    receiver.routes[SLACK_PATH] = Route(b"ok", "text/plain", delay_seconds=TIMEOUT_SECONDS + 2)
    alert = put(alerts_index, spike(notifications={"webhook": Delivery()}))

    first = deliver_pending(alerts_index, profile, now=NOW)
    second = deliver_pending(alerts_index, profile, now=NOW + timedelta(minutes=15))

    assert len(receiver.posted) == 1
    assert first.sent == () and first.failed == ()
    [(alert_id_, channel, error)] = first.unknown
    assert (alert_id_, channel) == (alert.id, "webhook") and "may be in the channel" in error
    with pytest.raises(NotificationFailed, match="check the channel"):
        first.raise_for_failures()
    recorded = delivery(alerts_index, alert, "webhook")
    assert recorded["state"] == "unknown" and recorded["attempts"] == 1
    assert second == DeliveryReport()


def test_a_refused_webhook_post_is_not_hammered_and_the_teams_signature_stays_secret(
    alerts_index, profile, receiver, monkeypatch, caplog
):
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.DEBUG, logger="httpx")  # the task log shows httpx's requests
    teams_webhook(monkeypatch, receiver)
    receiver.routes[TEAMS_PATH] = Route(b'{"error": "bad card"}', "application/json", status=400)
    alert = put(alerts_index, spike(notifications={"webhook": Delivery()}))
    other = put(alerts_index, spike(key="topic:x", notifications={"webhook": Delivery()}))

    report = deliver_pending(alerts_index, profile, now=NOW)

    # A 400 will not mend by asking again at once; and it is this alert's own, not the
    # channel's: the next alert is still posted.
    assert len(receiver.posted) == 2 and report.waiting == ()
    [(_, _, error), _] = report.failed
    assert "HTTP 400" in error and "bad card" in error
    assert delivery(alerts_index, alert, "webhook")["state"] == "failed"
    assert delivery(alerts_index, other, "webhook")["state"] == "failed"
    assert TEAMS_SIG not in caplog.text and TEAMS_PATH not in caplog.text
    assert TEAMS_SIG not in error


def test_a_webhook_that_redirects_is_posted_once_and_told_to_use_its_new_address(
    alerts_index, profile, receiver, monkeypatch
):
    """A redirect is an answer, not a failure to reach the receiver: a moved webhook
    answers the same way however often it is asked, and a receiver that took the post and
    answers "see other" would show the card again with each try. So it is posted once a run
    (the next run uses a corrected connection), and what to correct is named."""
    slack_webhook(monkeypatch, receiver)
    new_address = receiver.url("/services/T000/B000/n3wS3cretT0ken")
    moved = (("Location", new_address),)
    said = f"Moved permanently to {new_address}".encode()
    receiver.routes[SLACK_PATH] = Route(said, "text/plain", status=308, headers=moved)
    alert = put(alerts_index, spike(notifications={"webhook": Delivery()}))

    report = deliver_pending(alerts_index, profile, now=NOW)

    assert len(receiver.posted) == 1
    [(_, _, error)] = report.failed
    assert "HTTP 308" in error and "redirect" in error
    assert "n3wS3cretT0ken" not in error  # the new address is as secret as the old
    assert delivery(alerts_index, alert, "webhook")["state"] == "failed"


def test_a_webhook_that_is_not_configured_is_recorded_with_what_to_set(
    alerts_index, profile, monkeypatch
):
    monkeypatch.delenv(WEBHOOK_VARIABLE, raising=False)
    alert = put(alerts_index, spike(notifications={"webhook": Delivery()}))

    [(_, channel, error)] = deliver_pending(alerts_index, profile, now=NOW).failed

    assert channel == "webhook" and WEBHOOK_VARIABLE in error
    assert delivery(alerts_index, alert, "webhook")["last_error"] == error


def test_only_open_alerts_with_deliveries_due_and_under_the_cap_are_sent(
    alerts_index, profile, receiver, monkeypatch
):
    slack_webhook(monkeypatch, receiver)
    given_up = Delivery(state="failed", attempts=MAX_ATTEMPTS, last_error="HTTP 500")
    put(alerts_index, spike(key="topic:a", notifications={"webhook": given_up}))
    put(
        alerts_index,
        spike(key="topic:b", notifications={"webhook": Delivery()}, status="acknowledged"),
    )
    done = Delivery(state="sent", attempts=1, sent_at=NOW)
    put(alerts_index, spike(key="topic:c", notifications={"webhook": done}))
    due = put(alerts_index, spike(key="topic:d", notifications={"webhook": Delivery()}))

    report = deliver_pending(alerts_index, profile, now=NOW)

    assert report.sent == ((due.id, "webhook"),) and report.failed == ()
    assert len(receiver.posted) == 1


def test_no_alerts_index_yet_means_nothing_to_send(es, profile):
    report = deliver_pending(es, profile, now=NOW)
    assert report.sent == () and report.failed == ()


@pytest.mark.parametrize(
    ("connection", "complaint"),
    [
        (
            '{"host": "https://hooks.example/x", "extra": {"format": "discord"}}',
            "extra format 'discord' is not one of slack, teams",
        ),
        ('{"conn_type": "http", "host": "hooks.example/x"}', "no http(s) webhook URL"),
        ('{"conn_type": "http", "host": ', "not valid connection JSON"),
    ],
)
def test_a_misconfigured_webhook_says_what_is_wrong(monkeypatch, connection, complaint):
    monkeypatch.setenv(WEBHOOK_VARIABLE, connection)
    with pytest.raises(WebhookError, match=re.escape(complaint)):
        webhook()
