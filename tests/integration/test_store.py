"""Writing and reading mentions in the real Elasticsearch."""

import os
from datetime import UTC, datetime

import pytest

from earshot.core.model import Mention, Response, Sentiment, mention_id
from earshot.core.pseudonym import author_key
from earshot.store.connection import connect
from earshot.store.cursors import load_cursor, save_cursor
from earshot.store.indices import MENTIONS, NotInstalled, ensure_indices
from earshot.store.mentions import IndexingError, MentionNotFound, index_mentions, set_status
from earshot.store.queries import mention_counts, most_negative, response_queue
from tests.node_way import interleaving

pytestmark = pytest.mark.elasticsearch

NOW = datetime(2026, 11, 21, 7, 0, tzinfo=UTC)


def mention(
    n: int, *, published: datetime = NOW, score: float = 0.0, source: str = "news"
) -> Mention:
    label = "positive" if score >= 0.05 else "negative" if score <= -0.05 else "neutral"
    return Mention(
        id=mention_id(source, f"https://news.example/{n}"),
        source=source,
        source_kind="rss",
        url=f"https://news.example/{n}",
        title=f"Lincolnshire Police story {n}",
        text=f"Text of story {n}",
        author="reporter",
        published=published,
        fetched=NOW,
        force_terms=("Lincolnshire Police",),
        relevance="named",
        tone=Sentiment(score=score, label=label),
        toward_force=Sentiment(score=score, label=label),
        response=Response(
            action="monitor" if label == "negative" else "no-action",
            priority=25 + n if label == "negative" else 0,
            reasons=("a reason",),
        ),
    )


def test_mentions_land_in_monthly_indices_behind_one_alias(es):
    ensure_indices(es)
    report = index_mentions(
        es, [mention(1, published=datetime(2026, 10, 31, 23, tzinfo=UTC)), mention(2)]
    )
    assert report.new == 2
    assert sorted(es.indices.get_alias(name=MENTIONS)) == [
        "earshot-mentions-2026.10",
        "earshot-mentions-2026.11",
    ]


def test_document_uses_ecs_names_and_the_earshot_namespace(es):
    ensure_indices(es)
    m = mention(1, score=-0.6)
    index_mentions(es, [m])
    doc = es.get(index="earshot-mentions-2026.11", id=m.id)["_source"]
    assert doc["@timestamp"] == "2026-11-21T07:00:00+00:00"
    assert doc["url"]["full"] == "https://news.example/1"
    assert doc["event"]["provider"] == "news"
    assert doc["event"]["dataset"] == "earshot.rss"
    assert doc["user"] == {"id": author_key("reporter"), "name": "reporter"}
    assert doc["earshot"]["tone"] == {"score": -0.6, "label": "negative"}
    mapping = es.indices.get_mapping(index=MENTIONS)["earshot-mentions-2026.11"]["mappings"]
    assert mapping["dynamic"] == "strict"
    assert mapping["properties"]["earshot"]["properties"]["tone"]["properties"]["label"][
        "type"
    ] == ("keyword")


def test_months_indexed_by_an_older_earshot_take_the_new_fields(es):
    es.indices.create(
        index="earshot-mentions-2026.11",
        mappings={"dynamic": "strict", "properties": {"@timestamp": {"type": "date"}}},
        aliases={MENTIONS: {}},
    )
    ensure_indices(es)
    assert index_mentions(es, [mention(1)]).new == 1


def test_indexing_the_same_mentions_again_creates_no_duplicates(es):
    ensure_indices(es)
    first = index_mentions(es, [mention(n) for n in range(50)])
    second = index_mentions(es, [mention(n) for n in range(60)])
    es.indices.refresh(index=MENTIONS)
    assert (first.new, second.new, second.already_indexed) == (50, 10, 50)
    assert es.count(index=MENTIONS)["count"] == 60


def test_a_mention_heard_again_with_another_date_stays_where_it_first_landed(es):
    ensure_indices(es)
    index_mentions(es, [mention(1, published=datetime(2026, 10, 31, tzinfo=UTC))])
    again = index_mentions(es, [mention(1, published=datetime(2026, 11, 2, tzinfo=UTC))])
    es.indices.refresh(index=MENTIONS)
    assert (again.new, again.already_indexed) == (0, 1)
    assert es.count(index=MENTIONS)["count"] == 1


def test_a_failing_item_is_reported_with_its_reason_and_the_rest_are_indexed(es):
    ensure_indices(es)
    index_mentions(es, [mention(0, published=datetime(2026, 10, 1, tzinfo=UTC))])
    es.indices.add_block(index="earshot-mentions-2026.10", block="write")
    try:
        with pytest.raises(IndexingError) as e:
            index_mentions(
                es,
                [mention(1, published=datetime(2026, 10, 2, tzinfo=UTC)), mention(2), mention(3)],
            )
    finally:
        es.indices.put_settings(
            index="earshot-mentions-2026.10", settings={"index.blocks.write": False}
        )
    assert e.value.failures[0].startswith(mention(1, published=NOW).id)
    assert "blocked" in e.value.failures[0]
    es.indices.refresh(index=MENTIONS)
    assert es.count(index="earshot-mentions-2026.11")["count"] == 2


def test_cursor_round_trips_and_starts_empty(es):
    ensure_indices(es)
    assert load_cursor(es, "news") == {}
    save_cursor(es, "news", {"etag": '"abc"'})
    assert load_cursor(es, "news") == {"etag": '"abc"'}


def test_counts_and_most_negative_come_from_the_index(es):
    ensure_indices(es)
    index_mentions(
        es,
        [mention(1, score=-0.9), mention(2, score=-0.2), mention(3, score=0.5, source="blog")],
    )
    es.indices.refresh(index=MENTIONS)
    counts = mention_counts(es)
    assert counts.total == 3
    assert counts.by_source == {"news": 2, "blog": 1}
    assert counts.by_tone == {"negative": 2, "positive": 1}
    assert counts.by_toward_force == {"negative": 2, "positive": 1}
    assert [m.url for m in most_negative(es, limit=5)] == [
        "https://news.example/1",
        "https://news.example/2",
    ]
    # The queue: what needs a response, most urgent first, nothing already in hand.
    assert [m.url for m in response_queue(es)] == [
        "https://news.example/2",
        "https://news.example/1",
    ]
    set_status(es, mention(2).id, "in-hand")
    assert [m.url for m in response_queue(es)] == ["https://news.example/1"]


def test_the_terminal_lists_show_a_story_once_as_the_desk_does(es):
    """A story heard from two sources is one line of the most negative and of the queue, as
    on the desk: the comms team answers a story once."""
    ensure_indices(es)
    link = {"canonical_url": "https://news.example/1"}
    copies = [mention(1, score=-0.9, source=s).model_copy(update=link) for s in ("news", "blog")]
    index_mentions(es, [*copies, mention(2, score=-0.5)])
    es.indices.refresh(index=MENTIONS)
    assert [m.url for m in most_negative(es)] == [
        "https://news.example/1",
        "https://news.example/2",
    ]
    assert [m.url for m in response_queue(es)] == [
        "https://news.example/2",
        "https://news.example/1",
    ]


def test_counts_on_an_empty_cluster_are_zero(es):
    assert mention_counts(es).total == 0


def test_workflow_status_moves_on_and_survives_recollection(es):
    ensure_indices(es)
    m = mention(1)
    index_mentions(es, [m])
    assert (
        es.get(index="earshot-mentions-2026.11", id=m.id)["_source"]["earshot"]["status"] == "new"
    )
    set_status(es, m.id, "in-hand")
    index_mentions(es, [m])  # heard again on the next collect run
    assert es.get(index="earshot-mentions-2026.11", id=m.id)["_source"]["earshot"]["status"] == (
        "in-hand"
    )
    with pytest.raises(MentionNotFound, match="no mention with id nope"):
        set_status(es, "nope", "done")


def test_a_cluster_never_set_up_gets_no_bare_month_and_one_line_naming_setup(es):
    """Airflow retries the task: the bare month the first try made exists by then, and the
    retry had written every mention into it, where no reader could find them."""
    es.indices.delete_index_template(name=MENTIONS)
    for _ in ("the run", "its retry"):
        with pytest.raises(NotInstalled, match=r"^earshot-mentions-2026.11 was made without"):
            index_mentions(es, [mention(1)])
    assert es.count(index="earshot-mentions-2026.11")["count"] == 0


def test_a_write_whose_answer_was_lost_counts_its_mentions_as_new(es, monkeypatch):
    """The client sends a bulk request again when its answer is lost (a reset connection, a
    slow cluster), and every create then answers 409. Counted as already indexed, the run
    reported nothing new, so the alerts were not told of it."""
    node = os.environ["EARSHOT_ELASTICSEARCH_URL"]
    with interleaving(node, before="/_bulk", drop_answer=True) as way:
        monkeypatch.setenv("EARSHOT_ELASTICSEARCH_URL", way)
        report = index_mentions(connect(), [mention(1), mention(2)])
    assert (report.new, report.already_indexed) == (2, 0)
    assert es.count(index=MENTIONS)["count"] == 2


def test_status_can_be_set_right_after_a_collect(es):
    """`earshot status ID` straight after the run that stored it: the month the run made is
    behind the alias, and what the run wrote is already searchable."""
    m = mention(1, score=-0.9)
    index_mentions(es, [m])
    assert [q.url for q in response_queue(es)] == [m.url]
    set_status(es, m.id, "in-hand")
    assert response_queue(es) == []
    assert es.indices.get_alias(name=MENTIONS) == {
        "earshot-mentions-2026.11": {"aliases": {MENTIONS: {}}}
    }


@pytest.mark.parametrize("listing", [response_queue, most_negative])
def test_mentions_tied_keep_one_order_in_the_terminal_lists(es, listing):
    """As on the desk: a colleague's change rewrites a document, and Elasticsearch would list
    the ties in whatever order the shard then holds them, so `earshot report` would show
    other mentions in its top ten (or its most negative five) from one minute to the next."""
    ensure_indices(es)
    tied = Response(action="monitor", priority=50, reasons=("a reason",))
    index_mentions(
        es, [mention(n, score=-0.5).model_copy(update={"response": tied}) for n in range(25)]
    )
    es.indices.refresh(index=MENTIONS)
    first = [m.url for m in listing(es, limit=10)]
    for url in first[:10:3]:  # noted by a colleague, still waiting for a response
        [hit] = es.search(index=MENTIONS, query={"term": {"url.full": url}})["hits"]["hits"]
        es.update(index=hit["_index"], id=hit["_id"], doc={"labels": {"assignee": "ann.other"}})
    es.indices.refresh(index=MENTIONS)
    assert [m.url for m in listing(es, limit=10)] == first
