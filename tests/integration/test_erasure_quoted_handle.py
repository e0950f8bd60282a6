"""Erasing a person takes their handle out of what Earshot kept of other people's posts
that named them, and out of the alerts that quoted those posts. The other posts stay: they
are their authors' own, and only the erased person's handle is personal data of theirs."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta

import pytest
from elasticsearch import Elasticsearch
from elasticsearch.helpers import scan

from earshot.alerts.detect import Spike
from earshot.alerts.evidence import gather
from earshot.alerts.model import ALERTS, EvidenceMention, ensure_alerts, to_document
from earshot.core.model import Response
from earshot.governance.erasure import by_author, erase
from earshot.store.indices import MENTIONS, ensure_indices
from earshot.store.mentions import index_mentions
from tests.integration.test_retention import _alert
from tests.integration.test_store import mention

WINDOW_END = datetime(2026, 11, 10, 10, tzinfo=UTC)
ERASED = "jane_doe"
NAMES_HER = re.compile(r"jane_doe(?!r)", re.IGNORECASE)  # not jane_doer, someone else


def replying(n: int, text: str) -> object:
    """Someone else's negative post in the alert's window."""
    published = WINDOW_END - timedelta(minutes=5 + n)
    return mention(n, published=published, score=-0.8).model_copy(
        update={"author": f"neighbour{n}", "title": text, "text": f"{text} Seen in Lincoln."}
    )


@pytest.fixture
def quoted(es: Elasticsearch) -> dict[str, str]:
    """Her post; others' posts naming her, one in a Mastodon-style full handle; an alert
    whose evidence was gathered from them. Returns the others' ids with their handle-free
    words, which must survive."""
    ensure_indices(es)
    hers = mention(50, published=WINDOW_END - timedelta(minutes=2), score=-0.8)
    others = [
        replying(1, f"@{ERASED} is right, Lincolnshire Police ignored the burglary"),
        replying(2, "Agree with @Jane_Doe: Lincolnshire Police never came"),
        replying(3, f"Lincolnshire Police, read what @{ERASED} said!"),
        replying(4, "Lincolnshire Police, @jane_doer is a different person"),
    ]
    # last week's usual talk, against which her name stands out as a significant word
    usual = [
        replying(10 + n, "Lincolnshire Police patrol in the town centre").model_copy(
            update={"published": WINDOW_END - timedelta(days=7, minutes=n)}
        )
        for n in range(20)
    ]
    index_mentions(es, [hers.model_copy(update={"author": ERASED}), *others, *usual])
    es.indices.refresh(index=MENTIONS)
    spike = Spike("all", 60, WINDOW_END - timedelta(hours=1), WINDOW_END, 5, 0.5, 1e-6, 1.0, 0.1)
    evidence = gather(es, spike, baseline_weeks=1, force_handles=["@LincsPolice"])
    ensure_alerts(es)
    alert = _alert("all", WINDOW_END, "open", None).model_copy(update={"evidence": evidence})
    es.index(index=ALERTS, id=alert.id, document=to_document(alert), refresh=True)
    return {m.id: m.title for m in [*others, *usual]}


def stored_text(es: Elasticsearch, index: str) -> dict[str, str]:
    es.indices.refresh(index=index)
    return {hit["_id"]: json.dumps(hit["_source"]) for hit in scan(es, index=index)}


@pytest.mark.elasticsearch
def test_erasing_an_author_takes_their_handle_out_of_others_posts_and_alert_evidence(es, quoted):
    before = stored_text(es, MENTIONS) | stored_text(es, ALERTS)
    assert len([text for text in before.values() if NAMES_HER.search(text)]) == 5  # 4 + alert

    erasure = erase(es, by_author(f"@{ERASED}"), apply=True)

    mentions, alerts = stored_text(es, MENTIONS), stored_text(es, ALERTS)
    assert set(mentions) == set(quoted)  # her post went; everyone else's stayed
    assert not [text for text in [*mentions.values(), *alerts.values()] if NAMES_HER.search(text)]
    everything = "".join(mentions.values())
    assert "@[erased] is right, Lincolnshire Police ignored the burglary" in everything
    assert "@jane_doer is a different person" in everything
    assert erasure.counts()["mentions_naming"] == 3


@pytest.mark.elasticsearch
@pytest.mark.parametrize(
    ("handle", "lookalike"),
    [("jane-doe.bsky.social", "@jane-doe.bsky.social-fan"), ("jane-doe", "@jane-doe-smith")],
)
def test_erasing_a_hyphenated_handle_takes_it_whole_out_of_others_posts(es, handle, lookalike):
    """Bluesky and YouTube handles carry hyphens: the whole handle goes, a longer one stays."""
    ensure_indices(es)
    naming = replying(1, f"Agree with @{handle}: Lincolnshire Police never came")
    other = replying(2, f"Lincolnshire Police, {lookalike} is someone else")
    index_mentions(es, [naming, other])

    erasure = erase(es, by_author(f"@{handle}"), apply=True)

    texts = stored_text(es, MENTIONS)
    assert "Agree with @[erased]: Lincolnshire Police never came" in texts[naming.id]
    assert f"@{handle}" not in texts[naming.id]
    assert f"{lookalike} is someone else" in texts[other.id]
    assert erasure.counts()["mentions_naming"] == 1


@pytest.mark.elasticsearch
@pytest.mark.parametrize("apostrophe", ["'", "\u2019"])
def test_erasing_an_author_takes_their_possessive_handle_out_of_others_posts(es, apostrophe):
    """The text analyser keeps `jane_doe's` one word: a post about her complaint names her."""
    ensure_indices(es)
    naming = replying(1, f"Lincolnshire Police ignored @{ERASED}{apostrophe}s complaint")
    index_mentions(es, [naming])

    erasure = erase(es, by_author(f"@{ERASED}"), apply=True)

    assert not NAMES_HER.search(stored_text(es, MENTIONS)[naming.id])
    assert erasure.counts()["mentions_naming"] == 1


@pytest.mark.elasticsearch
def test_erasing_an_author_takes_their_handle_out_of_the_reasons_quoting_others_posts(es):
    """A flag's reason quotes the words that raised it, handle and all."""
    ensure_indices(es)
    threat = "Someone should stab @jane_doe the copper"
    quoting = replying(1, threat).model_copy(
        update={
            "risk_flags": ("threat-to-staff",),
            "response": Response(
                action="moderate-preserve",
                priority=95,
                reasons=("threatens officers", f"threat-to-staff (rule): '{threat}'"),
            ),
        }
    )
    index_mentions(es, [quoting])

    erase(es, by_author(f"@{ERASED}"), apply=True)

    stored = es.get(index=MENTIONS, id=quoting.id)["_source"]
    assert stored["earshot"]["response"]["reasons"] == [
        "threatens officers",
        "threat-to-staff (rule): 'Someone should stab @[erased] the copper'",
    ]
    assert not NAMES_HER.search(json.dumps(stored))


@pytest.mark.elasticsearch
def test_erasing_an_author_takes_their_possessive_handle_out_of_alert_evidence(es):
    """Evidence quotes others' titles, and its significant words are the analyser's words."""
    ensure_indices(es)
    ensure_alerts(es)
    quoted = EvidenceMention(
        id="other", title=f"Police ignored @{ERASED}\u2019s complaint", url=None, source="news"
    )
    alert = _alert("all", WINDOW_END, "open", None)
    evidence = alert.evidence.model_copy(
        update={"mentions": (quoted,), "terms": (f"{ERASED}'s", "burglary")}
    )
    alert = alert.model_copy(update={"evidence": evidence})
    es.index(index=ALERTS, id=alert.id, document=to_document(alert), refresh=True)

    erase(es, by_author(f"@{ERASED}"), apply=True)

    kept = es.get(index=ALERTS, id=alert.id)["_source"]["evidence"]
    assert kept["mentions"][0]["title"] == "Police ignored @[erased]\u2019s complaint"
    assert kept["terms"] == ["burglary"]
