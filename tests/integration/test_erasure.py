"""A person's erasure request removes their mentions from every place Earshot keeps them:
the mention indices, the evidence of alerts and the kept digests; and it is audited
without the audit trail keeping who they were."""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime, timedelta

import pytest
from elasticsearch import Elasticsearch

from earshot.alerts.model import ALERTS, EvidenceMention, ensure_alerts, to_document
from earshot.core.model import Mention
from earshot.core.pseudonym import author_key
from earshot.digest.archive import DIGESTS, ensure_archive
from earshot.governance.erasure import ErasureIncomplete, NotOnePost, by_author, by_url, erase
from earshot.store import audit
from earshot.store.connection import connect
from earshot.store.indices import MENTIONS, ensure_indices
from earshot.store.mentions import Handles, index_mentions
from tests.integration.test_cli import earshot
from tests.integration.test_retention import _alert, remaining
from tests.integration.test_store import mention
from tests.node_way import interleaving

DAY = datetime(2026, 11, 10, 9, tzinfo=UTC)


def by(author: str, n: int, **changes) -> Mention:
    return mention(n).model_copy(update={"author": author, "published": DAY} | changes)


@pytest.fixture
def store(es: Elasticsearch) -> dict[str, Mention]:
    """Jane's posts under every spelling of her handle, one kept with its handle hidden,
    one with no web link, and other people's posts beside them; an alert and digests
    that quote them."""
    ensure_indices(es)
    posts = {
        "jane-1": by("jane_doe", 1),
        "jane-2": by("@Jane_Doe", 2, published=DAY - timedelta(days=40)),
        "jane-3": by("JANE_DOE", 3),
        "jane-unlinked": by("jane_doe", 4, url=None, published=DAY + timedelta(days=1)),
        "other": by("reporter", 5),
        "shared-article": by("someone", 6).model_copy(
            update={"canonical_url": "https://news.example/6"}
        ),
    }
    hidden = {"jane-hidden": by("jane_doe", 7)}
    index_mentions(es, list(posts.values()))
    index_mentions(es, list(hidden.values()), handles=Handles(hidden=True))
    posts |= hidden
    ensure_alerts(es)
    alert = _alert("all", DAY, "open", None)
    quoted = [posts[k] for k in ("jane-1", "other", "jane-3")]
    evidence = alert.evidence.model_copy(
        update={
            "mentions": tuple(
                EvidenceMention(id=m.id, title=m.title, url=m.url, source=m.source) for m in quoted
            )
        }
    )
    es.index(
        index=ALERTS,
        id=alert.id,
        document=to_document(alert.model_copy(update={"evidence": evidence})),
    )
    ensure_archive(es)
    digests = {
        # the day of jane-1 and jane-3: lists jane-1 with its link
        "2026-11-10.quoting": (DAY, f"1. {posts['jane-1'].title}\n   {posts['jane-1'].url}\n"),
        # the same day, but a digest that listed only someone else's post
        # (.../11 begins like jane-1's .../1, and is not it)
        "2026-11-10.other": (DAY, f"1. {posts['other'].title}\n   https://news.example/11\n"),
        # the day of jane's post with no link: it may be quoted without one
        "2026-11-11.run": (DAY + timedelta(days=1), "1. a post with no link\n"),
    }
    for digest_id, (day, text) in digests.items():
        start = day.replace(hour=0)
        es.index(
            index=DIGESTS,
            id=digest_id,
            document={
                "date": start.date().isoformat(),
                "period": {
                    "start": start.isoformat(),
                    "end": (start + timedelta(days=1)).isoformat(),
                },
                "subject": "What was said",
                "text": text,
                "html": f"<p>{text}</p>",
                "headline": {"day": {"mentions": 12}},
            },
        )
    es.indices.refresh(index=f"{MENTIONS},{ALERTS},{DIGESTS}")
    return posts


def alert_evidence_ids(es: Elasticsearch) -> list[str]:
    [hit] = es.search(index=ALERTS)["hits"]["hits"]
    return [m["id"] for m in hit["_source"]["evidence"]["mentions"]]


@pytest.mark.elasticsearch
def test_erasing_an_author_removes_their_mentions_evidence_and_quoting_digests(es, store):
    jane = {k: m.id for k, m in store.items() if k.startswith("jane")}
    result = erase(es, by_author("@jane_DOE"), apply=True, actor="dpo")

    assert set(result.mentions) == set(jane.values())
    assert remaining(es, MENTIONS) == {store["other"].id, store["shared-article"].id}
    assert alert_evidence_ids(es) == [store["other"].id]
    assert result.counts()["alert_evidence"] == 2
    assert set(result.changed()["digest"]) == {"2026-11-10.quoting", "2026-11-11.run"}
    kept = {hit["_id"]: hit["_source"] for hit in es.search(index=DIGESTS)["hits"]["hits"]}
    for digest_id in result.changed()["digest"]:
        assert store["jane-1"].url not in kept[digest_id]["text"] + kept[digest_id]["html"]
        assert "erased at its author's request" in kept[digest_id]["text"]
        assert kept[digest_id]["headline"] == {"day": {"mentions": 12}}  # the figures stay
    assert "https://news.example/11" in kept["2026-11-10.other"]["text"]


@pytest.mark.elasticsearch
def test_an_erased_post_heard_again_is_not_indexed_again(es, store):
    erase(es, by_author("jane_doe"), apply=True, actor="dpo")
    heard_again = [store["jane-1"], store["jane-unlinked"], by("jane_doe", 99)]

    report = index_mentions(es, heard_again)

    assert (report.new, report.already_indexed) == (1, 2)  # only her new post is kept
    assert remaining(es, MENTIONS) == {
        store["other"].id,
        store["shared-article"].id,
        heard_again[2].id,
    }


@pytest.mark.elasticsearch
def test_erasure_is_audited_once_without_the_handle_in_clear(es, store):
    erase(es, by_author("jane_doe"), apply=True, actor="dpo")
    [record] = audit.history(es)
    assert record["action"] == "erasure"
    assert record["target"] == f"author:{author_key('jane_doe')}"
    assert record["after"] == {
        "mentions": 5,
        "mentions_naming": 0,  # nobody else's post named her
        "alerts": 1,
        "alert_evidence": 2,
        "digests": 2,
    }
    assert record["actor"]["name"] == "dpo" and audit.principal(record) == "elastic"
    assert record["@timestamp"]
    assert "jane" not in json.dumps(record).lower()


@pytest.mark.elasticsearch
def test_erasing_a_url_finds_the_post_however_the_address_was_shared(es, store):
    variant = "http://www.news.example/6/?utm_source=twitter"
    result = erase(es, by_url(variant), apply=True, actor="dpo")
    assert result.mentions == (store["shared-article"].id,)
    assert store["shared-article"].id not in remaining(es, MENTIONS)
    assert len(remaining(es, MENTIONS)) == len(store) - 1
    [record] = audit.history(es, action="erasure")
    assert record["target"].startswith("url:") and "news.example" not in record["target"]


PLACE_REVIEWS = "https://search.google.com/local/reviews?placeid=ChIJstation"


@pytest.mark.elasticsearch
def test_erasing_one_reviewer_leaves_the_others_at_the_same_address_now_and_to_come(es):
    """Every Google review of a station is at the place's reviews page, as every comment on
    an Instagram post is at the post's: the page is not her review's own address. Erasing
    her takes her review; the others there stay, and later ones are still heard."""
    ensure_indices(es)

    def review(author: str, n: int) -> Mention:
        return by(author, n, url=PLACE_REVIEWS, link_shared=True, source_kind="google_reviews")

    hers, theirs = review("jane_doe", 30), review("sam", 31)
    index_mentions(es, [hers, theirs])

    assert erase(es, by_author("jane_doe"), apply=True, actor="dpo").mentions == (hers.id,)
    later = review("alex", 32)
    report = index_mentions(es, [hers, later])

    assert (report.new, report.already_indexed) == (1, 1)  # hers kept out by its id
    assert remaining(es, MENTIONS) == {theirs.id, later.id}
    with pytest.raises(NotOnePost, match="--author"):  # the page is no one's post
        erase(es, by_url(PLACE_REVIEWS), apply=True, actor="dpo")
    assert remaining(es, MENTIONS) == {theirs.id, later.id}
    assert len(audit.history(es, action="erasure")) == 1


@pytest.mark.elasticsearch
def test_url_erasure_reaches_alert_evidence_after_the_mention_itself_has_expired(es, store):
    es.delete(index=f"{MENTIONS}-2026.11", id=store["jane-1"].id, refresh=True)
    result = erase(es, by_url(store["jane-1"].url), apply=True)
    assert result.mentions == ()
    assert result.counts()["alert_evidence"] == 1
    assert store["jane-1"].id not in alert_evidence_ids(es)
    assert result.changed()["digest"] == ("2026-11-10.quoting",)


@pytest.mark.elasticsearch
def test_erase_command_only_counts_until_told_yes(es, store):
    looked = earshot("erase", "--author", "@Jane_Doe")
    assert looked.returncode == 0, looked.stderr
    assert "Would erase 5 mentions, 2 alert evidence entries in 1 alerts, 2 kept digests" in (
        " ".join(looked.stdout.split())
    )
    assert store["jane-1"].id not in looked.stdout  # a look lists no one's posts
    assert len(remaining(es, MENTIONS)) == len(store)
    assert audit.history(es) == []

    done = earshot("erase", "--author", "@Jane_Doe", "--yes")
    assert done.returncode == 0, done.stderr
    assert "Erased 5 mentions" in " ".join(done.stdout.split())
    assert store["jane-1"].id in done.stdout
    assert "jane" not in done.stdout.lower()
    assert len(remaining(es, MENTIONS)) == 2
    [record] = audit.history(es, action="erasure")
    assert audit.principal(record) == "elastic"

    again = earshot("erase", "--author", "@Jane_Doe", "--yes")
    assert again.returncode == 0, again.stderr
    assert "Nothing to erase" in again.stdout and "recorded in the audit" not in again.stdout
    assert len(audit.history(es, action="erasure")) == 1


@pytest.mark.elasticsearch
def test_erasing_again_finds_nothing_and_records_nothing(es, store):
    erase(es, by_author("jane_doe"), apply=True)
    again = erase(es, by_author("jane_doe"), apply=True)
    assert again.counts()["mentions"] == 0 and again.counts()["alert_evidence"] == 0
    assert len(audit.history(es, action="erasure")) == 1


@pytest.mark.elasticsearch
def test_an_erasure_that_fails_half_way_is_in_the_audit_trail_and_completes_when_run_again(
    es, store
):
    """The mentions' months refuse the deletes (a node that stops, a write block): the
    erasure has its audit record all the same; run again, it deletes what is left."""
    months = f"{MENTIONS}-*"
    es.indices.put_settings(index=months, settings={"index.blocks.write": True})
    try:
        with pytest.raises(ErasureIncomplete, match=r"5 of the 5 mentions were not deleted .*bl"):
            erase(es, by_author("jane_doe"), apply=True, actor="dpo")
        [record] = audit.history(es, action="erasure")
        assert record["after"]["mentions"] == 5
    finally:
        es.indices.put_settings(index=months, settings={"index.blocks.write": False})

    erase(es, by_author("jane_doe"), apply=True, actor="dpo")
    assert remaining(es, MENTIONS) == {store["other"].id, store["shared-article"].id}
    assert len(audit.history(es, action="erasure")) == 2


@pytest.mark.elasticsearch
def test_a_mention_deleted_by_retention_meanwhile_is_erased_all_the_same(es, store, monkeypatch):
    """Retention (or a second erasure) deletes one of her mentions between the erasure's
    search and its deletes: that one is gone, which is what was asked; not a failure."""
    gone = store["jane-1"].id
    node = os.environ["EARSHOT_ELASTICSEARCH_URL"]

    def retention_meanwhile() -> None:
        es.delete(index=f"{MENTIONS}-2026.11", id=gone, refresh=True)

    with interleaving(node, retention_meanwhile, before="/_bulk") as way:
        monkeypatch.setenv("EARSHOT_ELASTICSEARCH_URL", way)
        result = erase(connect(), by_author("jane_doe"), apply=True, actor="dpo")

    assert gone in result.mentions
    assert remaining(es, MENTIONS) == {store["other"].id, store["shared-article"].id}


@pytest.mark.long
def test_erase_command_refuses_unclear_requests():
    for args, message in [
        ((), "give exactly one of --url URL or --author HANDLE"),
        (("--url", "https://a.example/1", "--author", "x"), "give exactly one of"),
        (("--author", " @ "), "--author is empty"),
        (("--url", "  "), "--url is empty"),
        (("--url", "news.example/6"), "is not a web address"),
    ]:
        result = earshot("erase", *args)
        assert result.returncode != 0
        assert message in result.stderr, (args, result.stderr)


def test_author_erasure_without_the_pseudonym_secret_says_what_is_missing():
    result = earshot("erase", "--author", "jane_doe", EARSHOT_PSEUDONYM_KEY="")
    assert result.returncode != 0
    assert "EARSHOT_PSEUDONYM_KEY" in result.stderr
