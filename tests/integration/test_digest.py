"""The daily digest end to end: fixture mentions in the real Elasticsearch, the digest built
from them and mailed to a real SMTP server on loopback, and read back as a client would."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from email.message import EmailMessage

import pytest

from earshot.core.clock import FORCE_TIME_ZONE, LocalDay
from earshot.core.desk_links import BadDeskUrl
from earshot.core.errors import OutcomeUnknown
from earshot.digest import words
from earshot.digest.daily import build
from earshot.digest.figures import praise
from earshot.digest.model import Alerts, Figures
from earshot.digest.send import DeliveryError, send
from earshot.store.indices import MENTIONS, ensure_indices
from earshot.store.mentions import index_mentions
from listeners import load_profile
from tests.digest_helpers import Mailbox, mention, write_profile

pytestmark = pytest.mark.elasticsearch

DAY = LocalDay(date(2026, 11, 18))  # a Wednesday in GMT: local midnight is UTC midnight
DESK = "https://desk.lincs.police.example"
RECIPIENTS = ["command@lincs.police.example", "duty-super@lincs.police.example"]
HUGE_END = "END-OF-THE-HUGE-POST"
RUMOUR = "Rumours say the A46 is shut all weekend after a fatal crash, can Lincs Police confirm"


def at(days: int, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(DAY.day + timedelta(days=days), time(hour, minute), FORCE_TIME_ZONE)


def background() -> list:
    """Four to six ordinary mentions a day from nine days before the digest day to the day
    after it, so every figure has a day before, a week and an outside to leave out."""
    kinds = [
        dict(toward=-0.6, topics=("burglary",), places=("Lincoln",), action="monitor", priority=25),
        dict(toward=0.0, topics=("response-times", "contact-999-101"), places=("Boston",)),
        dict(toward=0.5, topics=("praise-thanks",), action="thank", priority=15),
        dict(
            toward=-0.3,
            topics=("burglary", "campaign:operation-nova"),
            places=("Lincoln", "Grantham"),
            action="monitor",
            priority=25,
        ),
        dict(toward=0.2, topics=("appeal",), action="thank", priority=15),
        dict(toward=0.0, places=("Skegness",)),
    ]
    sources = ["lincs-news", "lincs-comments", "reddit-lincoln"]
    made = []
    for day in range(-9, 2):
        for i in range(4 + (day % 3)):
            kind = kinds[i % len(kinds)]
            made.append(
                mention(
                    f"bg-{day}-{i}",
                    at(day, 2 + 4 * i, 15),
                    in_area=bool(kind.get("places")),
                    source=sources[i % 3],
                    **kind,
                )
            )
    return made


def the_day() -> list:
    """What happened on the digest day: a spike about the roads, a rumour reposted, posts
    that must never be quoted, hostile input, praise and a campaign."""
    roads = [
        mention(
            f"roads-{i}",
            at(0, 17 + i % 3, 10 + i),
            toward=-0.5,
            topics=("roads", "response-times"),
            places=("Lincoln",),
            in_area=True,
            action="put-it-right",
            priority=60 + i,
            reason="complains about the service: put it right",
        )
        for i in range(4)
    ]
    rumour = [
        mention(
            f"rumour-{i}",
            at(0, 18, 30 + i),
            toward=-0.4,
            topics=("incident", "roads"),
            action="escalate",
            priority=85,
            reason="possible misinformation that could cause harm",
            source=source,
            text=f"{prefix}{RUMOUR} https://t.example/{i}",
            title="A46 rumours",
        )
        for i, (prefix, source) in enumerate(
            [("", "reddit-lincoln"), ("RT @someone: ", "lincs-comments"), ("", "lincs-news")]
        )
    ]
    never_quoted = [
        mention(
            "address",
            at(0, 9, 5),
            toward=-0.7,
            flags=("personal-data", "could-prejudice-case"),
            action="refer-to-investigator",
            priority=80,
            title="I know who did it, he lives at 12 Acacia Road LN1 1AA",
            text="I know who did it, he lives at 12 Acacia Road LN1 1AA, call 07700 900123",
        ),
        mention(
            "child",
            at(0, 11, 40),
            flags=("identifies-person",),
            action="moderate-preserve",
            priority=85,
            title="Little Sophie Example was the girl hurt",
            text="Little Sophie Example was the girl hurt outside the school",
        ),
        mention(
            "crime",
            at(0, 22, 50),
            toward=-0.2,
            flags=("crime-reported",),
            action="contact-handling",
            priority=100,
            title="Someone is trying car doors on Mill Lane right now",
            text="Someone is trying car doors on Mill Lane right now, nobody answers 101",
            in_area=True,
            places=("Sleaford",),
        ),
        mention(
            "kind-but-flagged",
            at(0, 8, 0),
            toward=0.96,
            flags=("personal-data",),
            action="moderate-preserve",
            priority=60,
            title="Thank you PC Smith, my number is 07700 900456",
        ),
    ]
    hostile = [
        mention(
            "hostile",
            at(0, 13, 0),
            toward=-0.6,
            topics=("officer-conduct",),
            action="put-it-right",
            priority=70,
            title="<script>alert('x')</script> Lincolnshire Police <b>bold</b> \u202eevil",
            text="<img src=x onerror=alert(1)> Lincolnshire Police "
            + "A" * 1_000_000
            + " "
            + HUGE_END,
            url="javascript:alert(document.cookie)",
        ),
        mention(
            "named",
            at(0, 14, 0),
            toward=-0.5,
            topics=("contact-999-101",),
            action="put-it-right",
            priority=75,
            title="Comment on Burglary appeal by Jane Doe",
            text="@someoneelse says @LincsPolice ignored Jane Doe three times",
            author="Jane Doe",
            status="done",
        ),
    ]
    praise = [
        mention(
            "thanks",
            at(0, 10, 0),
            toward=0.9,
            topics=("praise-thanks",),
            action="thank",
            priority=15,
            title="Thank you to the officers who found our dog",
        ),
        mention(
            "bobby-bear",
            at(0, 15, 0),
            toward=0.8,
            topics=("campaign:bobby-bear",),
            action="thank",
            priority=15,
            title="Bobby Bear came to school",
        ),
    ]
    return roads + rumour + never_quoted + hostile + praise


@pytest.fixture
def profile(tmp_path, monkeypatch):
    path = write_profile(tmp_path / "profile.yaml", recipients=RECIPIENTS)
    monkeypatch.setenv("EARSHOT_PROFILE", str(path))
    return load_profile()


@pytest.fixture
def week(es):
    ensure_indices(es)
    index_mentions(es, background() + the_day())
    es.indices.refresh(index=MENTIONS)
    return es


@pytest.fixture
def sent(week, profile, mailbox) -> tuple[Figures, EmailMessage, bytes]:
    figures, charts, rendered = build(week, profile, DAY)
    delivery = send(rendered, charts, profile.recipients.digest, key="a-digest")
    assert delivery.accepted == tuple(RECIPIENTS) and delivery.refused == ()
    [(sender, rcpts, raw)] = mailbox.received
    assert (sender, rcpts) == ("earshot@lincs.police.example", RECIPIENTS)
    assert mailbox.logged_in == [True]  # with the connection's login
    [message] = mailbox.messages()
    return figures, message, raw


def bodies(message: EmailMessage) -> tuple[str, str]:
    text = message.get_body(preferencelist=("plain",)).get_content()
    html = message.get_body(preferencelist=("html",)).get_content()
    return text.replace("\r\n", "\n"), html.replace("\r\n", "\n")


# -- the email as a client receives it ---------------------------------------------------


def test_digest_is_related_alternative_text_and_html_with_charts_inline_by_content_id(sent):
    _, message, _ = sent
    assert message.get_content_type() == "multipart/related"
    assert message.get_param("type") == "multipart/alternative"
    alternative, *images = message.get_payload()
    assert alternative.get_content_type() == "multipart/alternative"
    assert [p.get_content_type() for p in alternative.get_payload()] == [
        "text/plain",
        "text/html",
    ]
    assert len(images) == 4  # tone by hour, topics, places, sources
    _, html = bodies(message)
    referenced = set(re.findall(r'src="cid:([^"]+)"', html))
    assert all(p.get_content_type() == "image/png" for p in images)
    assert {p["Content-ID"].strip("<>") for p in images} == referenced
    assert all(p.get_content_disposition() == "inline" for p in images)
    assert all(p.get_content().startswith(b"\x89PNG\r\n\x1a\n") for p in images)
    # Nothing fetched from outside: every image is inline, no stylesheet, no script.
    assert re.findall(r'src="(?!cid:)', html) == []
    assert "<link" not in html and "<script" not in html.lower()
    assert message["Subject"].strip().startswith("Earshot digest, Wed 18 Nov: ")
    assert message["From"] == "earshot@lincs.police.example"


def test_every_figure_equals_the_elasticsearch_count_it_comes_from(sent, es):
    figures, message, _ = sent
    text, _ = bodies(message)

    def count(start: str, end: str, *where: dict) -> int:
        query = {"bool": {"filter": [{"range": {"@timestamp": {"gte": start, "lt": end}}}, *where]}}
        return es.count(index=MENTIONS, query=query)["count"]

    negative = {"term": {"earshot.toward_force.label": "negative"}}
    in_area = {"term": {"earshot.in_area": True}}
    needs = {"bool": {"must_not": [{"term": {"earshot.response.action": "no-action"}}]}}
    day, before, week = (
        ("2026-11-18T00:00:00Z", "2026-11-19T00:00:00Z"),
        ("2026-11-17T00:00:00Z", "2026-11-18T00:00:00Z"),
        ("2026-11-11T00:00:00Z", "2026-11-18T00:00:00Z"),
    )
    for span, (start, end) in zip(
        (figures.headline.day, figures.headline.previous_day, figures.headline.previous_week),
        (day, before, week),
        strict=True,
    ):
        assert span.mentions == count(start, end)
        assert span.negative == count(start, end, negative)
        assert span.in_area == count(start, end, in_area)
        assert span.needing_response == count(start, end, needs)
    h = figures.headline
    assert (h.day.mentions, h.previous_week.days) == (19, 7)  # the fixture, as a sanity check
    assert re.search(rf"^Mentions\s+{h.day.mentions} ▲", text, re.M)
    assert re.search(rf"^Needing a response\s+{h.day.needing_response} ", text, re.M)
    share = f"{h.day.negative / h.day.mentions:.0%}"
    assert re.search(rf"^Negative toward the force\s+{share} ", text, re.M)

    # Hour by hour: each local hour of the day, and its 7-day band, counted one by one.
    assert len(figures.hours) == 24
    for hour in figures.hours:
        start = hour.start.astimezone(UTC)
        end = start + timedelta(hours=1)
        span = (start.isoformat(), end.isoformat())
        assert hour.negative == count(*span, negative)
        assert hour.mentions == count(*span, {"exists": {"field": "earshot.toward_force.label"}})
        usual = [
            count(
                (start - timedelta(days=k)).isoformat(),
                (end - timedelta(days=k)).isoformat(),
                negative,
            )
            for k in range(1, 8)
        ]
        assert (hour.usual_negative_low, hour.usual_negative_high) == (min(usual), max(usual))
        assert hour.usual_negative_mean == pytest.approx(sum(usual) / 7)

    for tallies, field, label in (
        (figures.topics, "earshot.topics", words.topic),
        (figures.places, "earshot.places", str),
        (figures.sources, "event.provider", None),
        (figures.risk_flags, "earshot.risk_flags", None),
    ):
        assert tallies, field
        counts = [t.mentions for t in tallies]
        assert counts == sorted(counts, reverse=True)
        for tally in tallies:
            name = getattr(tally, "name", None) or tally.flag
            assert tally.mentions == count(*day, {"term": {field: name}}), name
            if label:
                assert re.search(rf"^  {re.escape(label(name))}\s+{tally.mentions}$", text, re.M)
    assert not any(t.name.startswith("campaign:") for t in figures.topics)
    assert figures.flagged == count(*day, {"exists": {"field": "earshot.risk_flags"}}) == 4
    for flag in figures.risk_flags:
        assert re.search(
            rf"^  {re.escape(words.risk_flag(flag.flag))}\s+{flag.mentions}$", text, re.M
        )

    # Emerging: the roads, never talked about the week before, are up.
    assert [t.topic for t in figures.emerging][:1] == ["roads"]
    for topic in figures.emerging:
        assert topic.mentions == count(*day, {"term": {"earshot.topics": topic.topic}})
        assert topic.previous_week == count(*week, {"term": {"earshot.topics": topic.topic}})
        assert topic.mentions > topic.previous_week / 7
    assert "EMERGING TOPICS" in text

    # Campaigns: every one in the profile, talked about or not.
    assert [c.name for c in figures.campaigns] == ["Operation NOVA", "Bobby Bear"]
    for c in figures.campaigns:
        term = {"term": {"earshot.topics": c.topic}}
        assert c.mentions == count(*day, term)
        assert c.positive == count(*day, term, {"term": {"earshot.toward_force.label": "positive"}})
        assert c.negative == count(*day, term, negative)
        assert c.previous_week == count(*week, term)
    assert figures.campaigns[1].mentions == 1

    # What needs a response: the most urgent first, one line per story.
    listed = figures.needing_response
    assert [i.priority for i in listed] == sorted((i.priority for i in listed), reverse=True)
    assert listed[0].priority == 100 and listed[0].action == "contact-handling"
    [rumour] = [i for i in listed if i.action == "escalate"]
    assert rumour.similar == 2
    assert len(listed) == len({i.url for i in listed}) == 10
    # Praise: the warmest, never a flagged post.
    assert [i.title for i in figures.praise][:2] == [
        "Thank you to the officers who found our dog",
        "Bobby Bear came to school",
    ]
    assert all(not i.risk_flags for i in figures.praise)
    # No alert raised yet (setup's index is empty): no alerts section, and no error.
    assert figures.alerts == Alerts(opened=0, still_open=0, open_titles=())
    assert "ALERTS" not in text


def test_hostile_posts_arrive_neutralised(sent):
    _, message, raw = sent
    text, html = bodies(message)
    assert len(raw) < 600_000  # a 1 MB post does not make a 1 MB email
    for body in (text, html):
        assert "<script" not in body.lower()
        assert "onerror" not in body
        assert "<b>bold" not in body
        assert "\u202e" not in body
        assert HUGE_END not in body
        assert "javascript:" not in body
        assert "AAAAAAAAAA" in body  # the post is there, clipped: "…"
    # What is left is shown as text: tags and direction tricks gone, the rest escaped.
    assert "alert(&#39;x&#39;) Lincolnshire Police bold evil" in html
    assert "alert('x') Lincolnshire Police bold evil" in text
    hostile = [
        line for line in text.splitlines() if "Lincolnshire Police" in line and "alert" in line
    ]
    assert hostile and all(len(line) < 260 for line in hostile)


def test_flagged_words_authors_and_handles_never_appear(sent):
    _, message, _ = sent
    text, html = bodies(message)
    for body in (text, html):
        for never in ("Acacia Road", "LN1 1AA", "07700", "Sophie", "Mill Lane", "Jane Doe"):
            assert never not in body, never
        assert "@someoneelse" not in body
        assert "@LincsPolice" in body  # the force's own handle names the force, not a person
        assert "a reporter" not in body  # authors are left out
        assert "Words withheld: flagged" in body
    assert "Comment on Burglary appeal by [author]" in text


def test_alerts_show_once_the_alerts_index_exists(week, profile):
    open_alerts(week)
    figures, _, rendered = build(week, profile, DAY)
    assert (figures.alerts.opened, figures.alerts.still_open) == (1, 2)
    assert "ALERTS: 1 opened, 2 still open" in rendered.text
    assert "Negative talk spiking 0" in rendered.html and "<i>" not in rendered.html


def test_praise_tied_on_warmth_and_time_keeps_one_order(es, profile):
    """A colleague's change rewrites a document, and Elasticsearch would list ties in
    whatever order the shard then holds them: a digest built again (a cleared build task)
    would thank other posts than the one command read."""
    ensure_indices(es)
    tied = [mention(f"thanks-{n}", at(0, 10), toward=0.5, action="thank") for n in range(20)]
    index_mentions(es, tied)
    es.indices.refresh(index=MENTIONS)
    first = [i.url for i in praise(es, profile, DAY)]
    for url in first:  # noted on the desk
        [hit] = es.search(index=MENTIONS, query={"term": {"url.full": url}})["hits"]["hits"]
        es.update(index=hit["_index"], id=hit["_id"], doc={"labels": {"assignee": "ann.other"}})
    es.indices.refresh(index=MENTIONS)
    assert [i.url for i in praise(es, profile, DAY)] == first


def open_alerts(es) -> None:
    """Two open alerts (one opened on the day) and a closed one."""
    es.indices.delete(index="earshot-alerts")  # setup's, for one shaped like the first
    es.indices.create(
        index="earshot-alerts",
        mappings={
            "properties": {
                "@timestamp": {"type": "date"},
                "status": {"type": "keyword"},
                "message": {"type": "text"},
            }
        },
    )
    for n, (opened, status) in enumerate(
        [(at(0, 18, 40), "open"), (at(-3, 9), "open"), (at(-5, 9), "closed")]
    ):
        es.index(
            index="earshot-alerts",
            id=str(n),
            document={
                "@timestamp": opened.isoformat(),
                "status": status,
                "message": f"Negative talk spiking <i>{n}</i>",
            },
        )
    es.indices.refresh(index="earshot-alerts")


# -- links into the response desk --------------------------------------------------------


def test_with_the_desk_set_each_listed_mention_and_the_alerts_link_to_it(
    week, profile, mailbox, monkeypatch
):
    """A reader acts from the email: each mention opens its page in the desk (even a flagged
    one, whose words the desk shows only to who signs in), the alerts open the alerts page."""
    monkeypatch.setenv("EARSHOT_DESK_URL", DESK + "/")  # a trailing slash is forgiven
    open_alerts(week)
    figures, charts, rendered = build(week, profile, DAY)
    send(rendered, charts, profile.recipients.digest, key="a-digest")
    [message] = mailbox.messages()
    text, html = bodies(message)

    listed = {item.id for item in figures.needing_response + figures.praise}
    assert any(item.withheld for item in figures.needing_response)
    stored = week.search(index=MENTIONS, query={"ids": {"values": sorted(listed)}}, size=50)
    assert {hit["_id"] for hit in stored["hits"]["hits"]} == listed
    linked = re.findall(rf'href="{re.escape(DESK)}/item/([^"]+)"', html)
    assert sorted(linked) == sorted(listed)
    assert sorted(re.findall(rf"In the desk: {re.escape(DESK)}/item/(\S+)", text)) == sorted(listed)
    assert f'href="{DESK}/alerts"' in html and f"in the desk: {DESK}/alerts" in text


def test_without_the_desk_the_email_reads_as_before(week, profile, monkeypatch):
    monkeypatch.delenv("EARSHOT_DESK_URL", raising=False)
    open_alerts(week)
    _, _, rendered = build(week, profile, DAY)
    for body in (rendered.text, rendered.html):
        assert "/item/" not in body and "in the desk" not in body.lower()


def test_a_desk_address_that_is_not_a_web_address_is_refused_by_name(week, profile, monkeypatch):
    monkeypatch.setenv("EARSHOT_DESK_URL", "desk.lincs.police.example")
    with pytest.raises(BadDeskUrl, match="EARSHOT_DESK_URL must be the desk's web address"):
        build(week, profile, DAY)


# -- delivery ----------------------------------------------------------------------------


def test_a_busy_mail_server_is_tried_again(week, profile, monkeypatch):
    _, charts, rendered = build(week, profile, DAY)
    with Mailbox(busy_for=2) as box:
        monkeypatch.setenv("AIRFLOW_CONN_SMTP_DEFAULT", box.connection_uri())
        delivery = send(
            rendered, charts, RECIPIENTS, key="a-digest", attempts=3, pause_seconds=0.05
        )
    assert box.refused_data == 2
    assert len(box.received) == 1 and delivery.accepted == tuple(RECIPIENTS)


def test_a_relay_slow_to_answer_the_end_of_the_message_gets_it_once(monkeypatch):
    """Each command's answer is waited for 1 s, the end of the message's much longer."""
    with Mailbox(answers_after=2) as box:
        monkeypatch.setenv("AIRFLOW_CONN_SMTP_DEFAULT", box.connection_uri(timeout=1))
        delivery = send(*sample_email(), RECIPIENTS, key="a-digest", final_reply_seconds=30)
    assert len(box.received) == 1 and delivery.accepted == tuple(RECIPIENTS)


def test_a_message_the_relay_never_answers_is_not_sent_again_and_says_it_may_arrive(
    monkeypatch,
):
    with Mailbox(answers_after=3) as box:
        monkeypatch.setenv("AIRFLOW_CONN_SMTP_DEFAULT", box.connection_uri())
        with pytest.raises(OutcomeUnknown, match="may deliver it, so it is not sent again"):
            send(
                *sample_email(),
                RECIPIENTS,
                key="a-digest",
                attempts=3,
                pause_seconds=0.01,
                final_reply_seconds=1,
            )
        assert len(box.received) == 1


def test_every_try_of_one_digest_carries_one_message_id(mailbox):
    """So a copy that does arrive twice is seen as one email, and another digest is not."""
    rendered_email = sample_email()
    for key in ("2026-11-20.run-1", "2026-11-20.run-1", "2026-11-20.run-2"):
        send(*rendered_email, RECIPIENTS, key=key)
    first, again, other = (m["Message-ID"] for m in mailbox.messages())
    assert first == again != other
    assert first.endswith("@lincs.police.example>")


def test_a_refused_login_fails_at_once_and_says_so(monkeypatch):
    with Mailbox() as box:
        monkeypatch.setenv("AIRFLOW_CONN_SMTP_DEFAULT", box.connection_uri(password="wrong"))
        rendered_email = sample_email()
        with pytest.raises(DeliveryError, match="535"):
            send(*rendered_email, RECIPIENTS, key="a-digest", attempts=3, pause_seconds=30)
    assert box.received == []


def test_an_unreachable_mail_server_fails_after_its_tries(monkeypatch):
    with Mailbox() as box:
        uri = box.connection_uri()
    monkeypatch.setenv("AIRFLOW_CONN_SMTP_DEFAULT", uri)  # the server has stopped
    with pytest.raises(DeliveryError, match="cannot reach the mail server"):
        send(*sample_email(), RECIPIENTS, key="a-digest", attempts=2, pause_seconds=0.01)


def sample_email():
    """The sample day's email, without Elasticsearch: these tests need an email, not figures."""
    from bench.digest_sample import sample_figures
    from earshot.digest.charts import draw
    from earshot.digest.render import render

    figures = sample_figures()
    charts = draw(figures)
    return render(figures, charts, kibana=None), charts
