"""A story syndicated to ten sites is one cluster; two stories about one incident are two."""

import os
from datetime import UTC, datetime, timedelta

import pytest
from datasketch import MinHash
from elasticsearch import Elasticsearch

from earshot.core.model import Mention, mention_id
from earshot.core.near_duplicates import PERMUTATIONS, bands, canonical_url, signature, similarity
from earshot.core.paths import DEFAULT_PROFILE
from earshot.store.clusters import POOL, story_started_by
from earshot.store.connection import connect
from earshot.store.indices import MENTIONS, ensure_indices
from earshot.store.mentions import index_mentions
from enrichment import Enricher
from listeners import load_profile
from tests.node_way import interleaving

STORY = (
    "Lincolnshire Police are appealing for witnesses after a man in his twenties was seriously "
    "injured in an assault on the High Street in Boston in the early hours of Saturday morning. "
    "Officers were called at around 2.15am and the victim was taken to Pilgrim Hospital, where "
    "he remains in a stable condition. A 24-year-old man from Boston has been arrested and "
    "remains in custody. Anyone who saw what happened or has dashcam or doorbell footage is "
    "asked to call 101 quoting incident 45 of 14 November."
)
OTHER_STORY_SAME_INCIDENT = (
    "Shopkeepers on Boston High Street say they are shaken after Saturday's attack outside the "
    "kebab shop. One owner told us the street has become rowdy at weekends and called for more "
    "patrols and better lighting. The council said it would review CCTV coverage in the town "
    "centre and meet traders next week to discuss their concerns about late-night disorder."
)
OUTLETS = [
    "Lincolnshire Live",
    "Boston Standard",
    "Lincolnshire Echo",
    "Spalding Today",
    "Skegness Standard",
    "Grantham Journal",
    "Louth Leader",
    "Sleaford Standard",
    "Horncastle News",
    "Market Rasen Mail",
]


def copy_of_story(n: int, outlet: str) -> str:
    """How syndication really varies a story: a standfirst, a sign-off, a small edit."""
    intro = f"{outlet} understands the following. " if n % 2 else ""
    body = STORY.replace("Saturday morning", "Saturday") if n % 3 == 0 else STORY
    return f"{intro}{body} Read more local news on the {outlet} website."


def mention(n: int, text: str, url: str, minutes: int = 0) -> Mention:
    when = datetime(2026, 11, 14, 9, tzinfo=UTC) + timedelta(minutes=minutes)
    return Mention(
        id=mention_id(f"site{n}", url),
        source=f"site{n}",
        source_kind="rss",
        url=url,
        title="",
        text=text,
        author=None,
        published=when,
        fetched=when,
        canonical_url=canonical_url(url),
        signature=signature(text),
    )


def stories(es: Elasticsearch) -> int:
    """How many stories the stored mentions tell, as the alerts and the digest count them."""
    es.indices.refresh(index=MENTIONS)
    counted = es.search(
        index=MENTIONS, size=0, aggs={"stories": {"cardinality": {"field": "earshot.cluster"}}}
    )
    return counted["aggregations"]["stories"]["value"]


def test_tracking_parameters_fragments_and_mobile_hosts_are_one_url():
    same = [
        "https://www.lincolnshirelive.co.uk/news/appeal-123?utm_source=twitter&utm_medium=social",
        "http://m.lincolnshirelive.co.uk/news/appeal-123/#comments",
        "https://lincolnshirelive.co.uk/news/appeal-123/amp/?fbclid=abc",
    ]
    assert {canonical_url(u) for u in same} == {"https://lincolnshirelive.co.uk/news/appeal-123"}
    assert canonical_url("https://news.example/story?id=7") != canonical_url(
        "https://news.example/story?id=8"
    )


def test_a_comment_permalink_is_not_the_post_it_is_on():
    post = "https://partridgej.wordpress.com/2011/02/08/strategies/"
    assert canonical_url(post + "#comment-171") == (
        "https://partridgej.wordpress.com/2011/02/08/strategies#comment-171"
    )
    assert canonical_url(post + "#comment-171") != canonical_url(post + "#comment-172")
    assert canonical_url(post + "#respond") == canonical_url(post)


def test_syndicated_copies_are_similar_and_different_stories_are_not():
    copies = [signature(copy_of_story(n, o)) for n, o in enumerate(OUTLETS)]
    assert min(similarity(copies[0], c) for c in copies[1:]) >= 0.6
    assert similarity(copies[0], signature(OTHER_STORY_SAME_INCIDENT)) < 0.2
    assert signature("Police appeal for witnesses") == ()  # too short to judge
    assert bands(signature("Police appeal for witnesses")) == []  # so no shared band keys


def test_signatures_are_datasketchs_so_stored_ones_stay_comparable():
    text = "police are appealing for witnesses after a man in his twenties was hurt in boston"
    words = text.split()
    minhash = MinHash(num_perm=PERMUTATIONS)
    minhash.update_batch([" ".join(words[i : i + 3]).encode() for i in range(len(words) - 2)])
    assert signature(text) == tuple(int(v) for v in minhash.hashvalues)


@pytest.mark.elasticsearch
def test_reviews_at_their_places_shared_page_are_each_a_story_of_their_own(es):
    """Every Google review of a station is at the place's reviews page (listeners'
    `page=`): that page is not a story's address, so one reviewer's complaint is not shown
    as a copy of another's praise on the desk, in the digest or in an alert's count."""
    ensure_indices(es)
    enricher = Enricher.for_profile(load_profile(DEFAULT_PROFILE))
    page = "https://search.google.com/local/reviews?placeid=ChIJstation"
    said = [
        "Lincolnshire Police at Lincoln station were rude and kept me waiting an hour",
        "Lincolnshire Police front desk in Lincoln were kind and sorted my lost wallet",
    ]
    reviews = [
        enricher.complete(
            enricher.judge(
                mention(n, text, page).model_copy(
                    update={"link_shared": True, "canonical_url": None}
                )
            )
        )
        for n, text in enumerate(said)
    ]
    assert [r.canonical_url for r in reviews] == [None, None]

    index_mentions(es, reviews)

    assert stories(es) == 2


def test_ten_syndicated_copies_are_one_cluster_and_another_story_is_its_own(es):
    ensure_indices(es)
    first_half = [
        mention(n, copy_of_story(n, o), f"https://site{n}.example/news/{n}", minutes=n)
        for n, o in enumerate(OUTLETS[:4])
    ]
    index_mentions(es, first_half)  # a later run hears the rest: clusters span runs
    rest = [
        mention(n, copy_of_story(n, o), f"https://site{n}.example/news/{n}", minutes=n)
        for n, o in enumerate(OUTLETS)
        if n >= 4
    ]
    other = mention(99, OTHER_STORY_SAME_INCIDENT, "https://site99.example/traders", minutes=30)
    shared_again = mention(
        98, "Shared by a reader", "https://www.site0.example/news/0?utm_source=fb", minutes=40
    )
    index_mentions(es, [*rest, other, shared_again])
    es.indices.refresh(index=MENTIONS)
    clusters = {
        hit["_source"]["url"]["full"]: hit["_source"]["earshot"]
        for hit in es.search(index=MENTIONS, size=50)["hits"]["hits"]
    }
    story_cluster = clusters["https://site0.example/news/0"]["cluster"]
    assert story_cluster == story_started_by(first_half[0])
    assert {clusters[f"https://site{n}.example/news/{n}"]["cluster"] for n in range(10)} == {
        story_cluster
    }
    assert clusters["https://site3.example/news/3"]["duplicate_of"] == story_cluster
    assert "duplicate_of" not in clusters["https://site0.example/news/0"]
    assert clusters["https://site99.example/traders"]["cluster"] == story_started_by(other)
    shared_again_stored = clusters["https://www.site0.example/news/0?utm_source=fb"]
    assert shared_again_stored["cluster"] == story_cluster
    assert shared_again_stored["duplicate_of"] == story_cluster  # a later copy at one address
    assert stories(es) == 2


@pytest.mark.elasticsearch
def test_one_article_in_two_feeds_collected_at_the_same_moment_is_one_story(es, monkeypatch):
    """Airflow runs two sources' collect tasks side by side, and a site's news feed and its
    police feed carry the same article: each task looks for the other's copy before either
    is written, so neither finds it. The story must still count once in the alerts' spike
    and the digest."""
    ensure_indices(es)
    police_feed = mention(0, STORY, "https://site0.example/news/0")
    news_feed = mention(1, STORY, "https://www.site0.example/news/0?utm_source=rss")

    def the_other_task_writes_meanwhile() -> None:
        index_mentions(es, [news_feed])

    node = os.environ["EARSHOT_ELASTICSEARCH_URL"]
    with interleaving(node, the_other_task_writes_meanwhile, before="/_bulk") as way:
        monkeypatch.setenv("EARSHOT_ELASTICSEARCH_URL", way)
        index_mentions(connect(), [police_feed])
    assert es.count(index=MENTIONS)["count"] == 2
    assert stories(es) == 1


@pytest.mark.elasticsearch
def test_a_short_reshare_of_an_old_link_joins_its_story_among_ten_thousand_short_posts(es):
    ensure_indices(es)
    start = datetime(2026, 10, 1, tzinfo=UTC)
    chatter = [
        Mention(
            id=mention_id("bluesky", f"https://bsky.example/post/{n}"),
            source="bluesky",
            source_kind="bluesky",
            url=f"https://bsky.example/post/{n}",
            title="",
            text=f"Police outside the shops again, number {n}",
            author=None,
            published=start + timedelta(minutes=4 * n),
            fetched=start + timedelta(minutes=4 * n),
            canonical_url=canonical_url(f"https://bsky.example/post/{n}"),
            signature=signature(f"Police outside the shops again, number {n}"),
        )
        for n in range(10_000)
    ]
    # The story came out when thousands of short posts were already stored.
    story = mention(0, STORY, "https://site0.example/news/0", minutes=-60 * 24 * 30)
    index_mentions(es, [*chatter, story])
    reshare = mention(
        98, "Read this", "https://www.site0.example/news/0?utm_source=fb", minutes=60 * 24 * 20
    )
    index_mentions(es, [reshare])
    stored = es.get(index="earshot-mentions-2026.12", id=reshare.id)["_source"]["earshot"]
    assert stored["cluster"] == story_started_by(story)
    in_story = es.count(index=MENTIONS, query={"term": {"earshot.cluster": stored["cluster"]}})
    assert in_story["count"] == 2  # the story and its re-share; the short chatter is its own


@pytest.mark.elasticsearch
def test_a_copy_of_a_story_shared_more_than_a_thousand_times_still_joins_it(es):
    """More stored copies than one search for the whole batch fetches: each asks on its own."""
    ensure_indices(es)
    copies = [
        mention(n, copy_of_story(n, OUTLETS[n % len(OUTLETS)]), f"https://copy.example/{n}", n)
        for n in range(POOL + 1)
    ]
    index_mentions(es, copies)
    late = mention(7_000, copy_of_story(1, "Lincs FM"), "https://lincsfm.example/story", 9_000)
    index_mentions(es, [late])
    stored = es.get(index="earshot-mentions-2026.11", id=late.id)["_source"]["earshot"]
    assert stored["cluster"] == story_started_by(copies[0])
