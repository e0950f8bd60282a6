"""Erasure removes exactly the post asked about, and it stays erased: a re-share of it with
tracking parameters is still the erased post, and another post at a neighbouring address
(another route of a one-page site, another query value) is not."""

from __future__ import annotations

import pytest

from earshot.app.collect import collect_source
from earshot.app.feed_server import FeedServer, Route
from earshot.core.near_duplicates import canonical_url
from earshot.governance.erasure import by_url, erase
from earshot.store.indices import MENTIONS, ensure_indices
from earshot.store.mentions import index_mentions
from listeners import load_profile
from tests.conftest import news_items, rss
from tests.integration.test_cli import earshot
from tests.integration.test_erasure import by
from tests.integration.test_retention import remaining

pytestmark = pytest.mark.elasticsearch

TRACKING = "?utm_source=facebook&utm_medium=social&fbclid=IwAR0abc"


def stored_links(es) -> set[str]:
    es.indices.refresh(index=MENTIONS)
    hits = es.search(index=MENTIONS, size=100, source=["url.full"])["hits"]["hits"]
    return {hit["_source"]["url"]["full"] for hit in hits}


def test_erased_posts_reshared_with_tracking_parameters_do_not_come_back(es, write_profile):
    posts = news_items(6, "story")
    for post in posts:  # the guid is the link, as many feeds make it
        post["guid"] = post["link"]
    erased = [p["link"] for p in posts[:4]]

    def reshared(items: list[dict]) -> bytes:
        return rss(
            [p | {"link": p["link"] + TRACKING, "guid": p["link"] + TRACKING} for p in items]
        )

    routes = {"/feed": Route(rss(posts)), "/aggregator": Route(b"")}
    with FeedServer(routes) as server:
        write_profile(
            [
                {"name": "local-news", "url": server.url("/feed")},
                {"name": "aggregator", "url": server.url("/aggregator")},
            ]
        )
        profile = load_profile()
        collect_source(es, profile, "local-news")
        for link in erased:
            erase(es, by_url(link), apply=True, actor="dpo")

        server.routes["/feed"] = Route(reshared(posts))
        server.routes["/aggregator"] = Route(reshared(posts))  # another source shares them too
        collect_source(es, profile, "local-news")
        collect_source(es, profile, "aggregator")

    came_back = {link for link in stored_links(es) if link.split("?")[0] in erased}
    assert came_back == set()
    assert {link.split("?")[0] for link in stored_links(es)} == {p["link"] for p in posts[4:]}


SPA_1, SPA_2 = "https://spa.example/#/post/1", "https://spa.example/#/post/2"
FORUM_1, FORUM_2 = "https://forum.example/view?s=111", "https://forum.example/view?s=222"


@pytest.fixture
def neighbours(es) -> dict[str, str]:
    """Posts by different people at addresses that canonicalise alike; mention id by link."""
    ensure_indices(es)
    posts = [
        by(f"person{n}", n, url=link, canonical_url=canonical_url(link))
        for n, link in enumerate([SPA_1, SPA_2, FORUM_1, FORUM_2, "https://n.example/a" + TRACKING])
    ]
    index_mentions(es, posts)
    es.indices.refresh(index=MENTIONS)
    return {p.url: p.id for p in posts}


@pytest.mark.parametrize(("asked", "other"), [(SPA_1, SPA_2), (FORUM_1, FORUM_2)])
def test_erasing_a_url_erases_that_post_and_not_its_neighbours(es, neighbours, asked, other):
    result = erase(es, by_url(asked), apply=True, actor="dpo")

    assert result.mentions == (neighbours[asked],)
    assert neighbours[other] in remaining(es, MENTIONS)


def test_erasing_the_clean_address_finds_the_post_stored_with_tracking_parameters(es, neighbours):
    result = erase(es, by_url("https://n.example/a"), apply=True)
    assert result.mentions == (neighbours["https://n.example/a" + TRACKING],)


def test_erase_command_lists_the_posts_at_the_address_before_erasing(es, neighbours):
    looked = earshot("erase", "--url", SPA_1)

    assert looked.returncode == 0, looked.stderr
    assert "Would erase 1 mentions" in " ".join(looked.stdout.split())
    assert SPA_1 in looked.stdout and neighbours[SPA_1] in looked.stdout
    assert SPA_2 not in looked.stdout
    assert len(remaining(es, MENTIONS)) == len(neighbours)  # nothing went
