"""A Google News result and the publisher's own feed item for the same article are one story.

Google News links to its own redirect (news.google.com/rss/articles/…) and carries only the
headline, so neither the canonical URL nor the text's near-duplicate signature can meet the
publisher's item: the story key (the publisher's site + the headline) does. Both sources are
collected through the real collect path from feeds on a loopback server.
"""

from __future__ import annotations

from datetime import UTC, datetime
from xml.sax.saxutils import escape

import pytest

from earshot.app.collect import collect_source
from earshot.app.feed_server import FeedServer, Route
from earshot.store.fields import CLUSTER, LINK, SOURCE, TOWARD_FORCE
from listeners import load_profile
from tests.conftest import rss

NOW = datetime(2026, 11, 21, 7, 0, tzinfo=UTC)
QUERY = "/rss/search?q=%22Lincolnshire+Police%22&hl=en-GB&gl=GB&ceid=GB%3Aen"
SITE = "https://www.lincolnshirelive.co.uk"
BREAK_IN = "Lincolnshire Police appeal after Boston break-in"
ARREST = "Lincolnshire Police arrest man after Spalding crash"


def publisher_item(title: str, slug: str, standfirst: str) -> dict:
    """As the publisher's own feed has it: its own link, the article's standfirst."""
    return {
        "title": title,
        "link": f"{SITE}/news/local-news/{slug}",
        "guid": f"{SITE}/news/local-news/{slug}",
        "description": standfirst,
        "pubDate": "Fri, 20 Nov 2026 16:30:00 GMT",
    }


BREAK_IN_STANDFIRST = (
    "Officers want to hear from anyone who saw two men leave a shop on Wide Bargate on "
    "Friday afternoon; call 101 quoting incident 212 of 20 November."
)
ARREST_STANDFIRST = (
    "A 31-year-old man was arrested on suspicion of dangerous driving after a van hit a "
    "lamp post on Winsover Road; the road was closed for three hours."
)


def google_news(*titles: str) -> bytes:
    """Shaped like a real Google News search feed (earshot/app/demo_feeds/
    google-news-lincolnshire-police.rss): a redirect as link, " - Publisher" after the
    headline, and the publisher's site in <source url=…>."""
    items = "".join(
        f"""<item>
    <title>{escape(title)} - Lincolnshire Live</title>
    <link>https://news.google.com/rss/articles/CBMiCopy{n}?oc=5</link>
    <guid isPermaLink="false">CBMiCopy{n}</guid>
    <pubDate>Fri, 20 Nov 2026 16:40:00 GMT</pubDate>
    <description>&lt;a href="https://news.google.com/rss/articles/CBMiCopy{n}?oc=5"&gt;
      {escape(escape(title))}&lt;/a&gt;&amp;nbsp;Lincolnshire Live</description>
    <source url="{SITE}">Lincolnshire Live</source>
  </item>"""
        for n, title in enumerate(titles)
    )
    return f"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<rss version="2.0"><channel><title>"Lincolnshire Police" - Google News</title>
  <link>https://news.google.com/search?q=%22Lincolnshire+Police%22</link>
  <description>Google News</description>{items}</channel></rss>""".encode()


def clusters(es) -> dict[str, str]:
    """Each stored mention's link → its story."""
    es.indices.refresh(index="earshot-mentions")
    hits = es.search(index="earshot-mentions", size=100, source=[LINK, CLUSTER])["hits"]["hits"]
    return {h["_source"]["url"]["full"]: h["_source"]["earshot"]["cluster"] for h in hits}


def news_sources(server: FeedServer) -> list[dict]:
    """The publisher's own feed, a Google News search, and another local site's feed
    (tests/integration/test_stories_at_once.py), served by `server`."""
    return [
        {"name": "lincs-live", "url": server.url("/lincs-live.rss")},
        {
            "kind": "news_search",
            "name": "google-news",
            "engine": "google",
            "terms": ["Lincolnshire Police"],
            "base_url": server.url("/rss/search"),
        },
        {"name": "boston-standard", "url": server.url("/boston-standard.rss")},
    ]


@pytest.fixture
def feeds(write_profile):
    with FeedServer({}) as server:
        write_profile(news_sources(server))
        yield server


@pytest.mark.elasticsearch
@pytest.mark.parametrize("first", ["lincs-live", "google-news"])
def test_the_google_news_copy_joins_the_publishers_own_story(es, feeds, first):
    feeds.routes["/lincs-live.rss"] = Route(
        rss([publisher_item(BREAK_IN, "boston-break-in", BREAK_IN_STANDFIRST)])
    )
    feeds.routes[QUERY] = Route(google_news(BREAK_IN))
    profile = load_profile()
    second = {"lincs-live": "google-news", "google-news": "lincs-live"}[first]
    assert collect_source(es, profile, first, now=NOW).new == 1
    assert collect_source(es, profile, second, now=NOW).new == 1

    stories = clusters(es)
    assert len(stories) == 2, stories
    assert len(set(stories.values())) == 1, f"the copy is a story of its own: {stories}"


@pytest.mark.elasticsearch
def test_two_articles_from_one_publisher_stay_two_stories(es, feeds):
    feeds.routes["/lincs-live.rss"] = Route(
        rss(
            [
                publisher_item(BREAK_IN, "boston-break-in", BREAK_IN_STANDFIRST),
                publisher_item(ARREST, "crash", ARREST_STANDFIRST),
            ]
        )
    )
    feeds.routes[QUERY] = Route(google_news(BREAK_IN, ARREST))
    profile = load_profile()
    collect_source(es, profile, "lincs-live", now=NOW)
    collect_source(es, profile, "google-news", now=NOW)

    stories = clusters(es)
    by_publisher = {
        title: stories[f"{SITE}/news/local-news/{slug}"]
        for title, slug in ((BREAK_IN, "boston-break-in"), (ARREST, "crash"))
    }
    copies = {
        title: stories[f"https://news.google.com/rss/articles/CBMiCopy{n}?oc=5"]
        for n, title in enumerate((BREAK_IN, ARREST))
    }
    assert by_publisher[BREAK_IN] != by_publisher[ARREST]
    assert copies == by_publisher


WATCHDOG = "Watchdog slams Lincolnshire Police over handling of missing teenager case"
WATCHDOG_STANDFIRST = (
    "The Independent Office for Police Conduct said officers missed chances to find the "
    "15-year-old from Spalding sooner."
)


@pytest.mark.elasticsearch
def test_a_news_sites_feed_and_a_news_search_are_read_as_news_and_a_blog_is_not(es, write_profile):
    """Tone toward the force: a news report is read by the news model (what is said in the
    clause naming the force), a blog by the posts' model. The posts' model reads this
    headline as neutral; a comms desk reads it as criticism of the force."""
    with FeedServer({}) as server:
        publisher, *others = news_sources(server)
        blog = {"name": "a-blog", "url": server.url("/a-blog.rss")}
        write_profile([publisher | {"news": True}, blog, *others])
        item = publisher_item(WATCHDOG, "watchdog", WATCHDOG_STANDFIRST)
        server.routes["/lincs-live.rss"] = Route(rss([item]))
        server.routes["/a-blog.rss"] = Route(rss([item | {"link": "https://blog.example/1"}]))
        server.routes[QUERY] = Route(google_news(WATCHDOG))
        profile = load_profile()
        for name in ("lincs-live", "a-blog", "google-news"):
            assert collect_source(es, profile, name, now=NOW).new == 1, name
    es.indices.refresh(index="earshot-mentions")
    hits = es.search(index="earshot-mentions", size=10, fields=[SOURCE, TOWARD_FORCE])
    toward = {h["fields"][SOURCE][0]: h["fields"][TOWARD_FORCE][0] for h in hits["hits"]["hits"]}
    assert toward == {"lincs-live": "negative", "google-news": "negative", "a-blog": "neutral"}
