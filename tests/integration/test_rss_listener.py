"""The RSS/Atom listener against real HTTP servers on loopback."""

from datetime import UTC, datetime

import pytest

from earshot.app.feed_server import FeedServer, Route
from earshot.core.profile import ProfileError
from listeners import ListenerError, load_profile
from listeners.rss import NewsSearchSource, RssListener, RssSource, _beyond_headline
from tests.conftest import rss
from tests.listener_contract import Contract

NOW = datetime(2026, 11, 21, 7, 0, tzinfo=UTC)

ATOM = b"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xml:base="https://blog.example/">
  <title>Force blog comments</title><id>tag:blog.example,2026:comments</id>
  <updated>2026-11-20T10:00:00Z</updated>
  <entry>
    <id>tag:blog.example,2026:comment-7</id>
    <title type="html">Comment on &lt;b&gt;Bobby Bear&lt;/b&gt; visit</title>
    <author><name>Claire</name></author>
    <link rel="alternate" href="/2026/11/bobby-bear#comment-7"/>
    <published>2026-11-20T10:00:00+01:00</published>
    <content type="html">&lt;p&gt;Lovely to see &lt;strong&gt;Lincolnshire Police&lt;/strong&gt;
      at school&lt;/p&gt;&lt;script&gt;alert('x')&lt;/script&gt;
      &lt;p&gt;Thank you!&lt;/p&gt;</content>
  </entry>
</feed>"""


def listener(url: str, **settings) -> RssListener:
    return RssListener(RssSource(kind="rss", name="test-feed", url=url, **settings), now=NOW)


def news(*numbers: int) -> Route:
    """A local news feed's items, number n published at 0n:00 (UK time) on 20 November."""
    items = [
        {
            "title": f"Lincolnshire Police appeal {n}",
            "link": f"https://news.example/appeal-{n}",
            "guid": f"https://news.example/appeal-{n}",
            "pubDate": f"Fri, 20 Nov 2026 0{n}:00:00 +0100",
        }
        for n in numbers
    ]
    return Route(rss(items))


CONTRACT = {
    "rss": Contract(
        lambda server: RssSource(kind="rss", name="local-news", url=server.url("/feed")),
        first={"/feed": news(2, 1)},
        later={"/feed": news(3, 2, 1)},
        listing="/feed",
        hears_a_changed_feed_whole=True,
    ),
    "news_search": Contract(
        lambda server: NewsSearchSource(
            kind="news_search",
            name="google-news",
            engine="google",
            terms=["Lincolnshire Police"],
            base_url=server.url("/rss/search"),
        ),
        first={"/rss/search": news(2, 1)},
        later={"/rss/search": news(3, 2, 1)},
        listing="/rss/search",
        hears_a_changed_feed_whole=True,
    ),
}


def test_atom_entry_becomes_a_clean_mention():
    with FeedServer({"/comments.atom": Route(ATOM, "application/atom+xml")}) as server:
        heard = listener(server.url("/comments.atom")).listen({})
    [mention] = heard.mentions
    assert mention.title == "Comment on Bobby Bear visit"
    assert mention.text == "Lovely to see Lincolnshire Police at school\nThank you!"
    assert mention.url == "https://blog.example/2026/11/bobby-bear#comment-7"
    assert mention.author == "Claire"
    assert mention.published == datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
    assert mention.fetched == NOW
    assert mention.source == "test-feed"


def test_rss_dates_in_any_zone_become_utc_and_missing_dates_use_fetch_time():
    items = [
        {"title": "a", "link": "https://x/1", "pubDate": "Fri, 20 Nov 2026 09:30:00 -0500"},
        {"title": "b", "link": "https://x/2"},
    ]
    with FeedServer({"/news.rss": Route(rss(items))}) as server:
        heard = listener(server.url("/news.rss")).listen({})
    assert [m.published for m in heard.mentions] == [
        datetime(2026, 11, 20, 14, 30, tzinfo=UTC),
        NOW,
    ]


def test_uk_sites_dates_are_read_as_uk_time():
    """British Summer Time, "BST", is +01:00 (feedparser took it for UTC: a story posted at 23:30
    BST landed in the next day's digest), and a time with no zone is the site's own, UK
    time (feedparser dropped it, so the story took the time it was fetched)."""
    items = [
        {"title": "a", "link": "https://x/1", "pubDate": "Fri, 20 Nov 2026 23:30:00 BST"},
        {"title": "b", "link": "https://x/2", "pubDate": "Wed, 01 Jul 2026 23:30:00"},
        {"title": "c", "link": "https://x/3", "pubDate": "Fri, 20 Nov 2026 23:30:00"},
        {"title": "d", "link": "https://x/4", "pubDate": "2026-07-01T13:30:00"},
        {"title": "e", "link": "https://x/5", "pubDate": "Fri, 20 Nov 2026 23:30:00 GMT"},
    ]
    with FeedServer({"/news.rss": Route(rss(items))}) as server:
        heard = listener(server.url("/news.rss")).listen({})
    assert [m.published for m in heard.mentions] == [
        datetime(2026, 11, 20, 22, 30, tzinfo=UTC),
        datetime(2026, 7, 1, 22, 30, tzinfo=UTC),
        datetime(2026, 11, 20, 23, 30, tzinfo=UTC),
        datetime(2026, 7, 1, 12, 30, tzinfo=UTC),
        datetime(2026, 11, 20, 23, 30, tzinfo=UTC),
    ]


def test_an_item_dated_after_it_was_fetched_is_dated_when_it_was_fetched():
    """Left in the future, a story is in no digest or alert window and outlives retention,
    and one dated 2100 needs an index no template makes, failing the whole batch."""
    items = [{"title": "a", "link": "https://x/1", "pubDate": "Fri, 01 Jan 2100 09:00:00 GMT"}]
    with FeedServer({"/news.rss": Route(rss(items))}) as server:
        heard = listener(server.url("/news.rss")).listen({})
    assert [m.published for m in heard.mentions] == [NOW]


def test_entry_without_id_or_link_is_skipped_with_a_warning():
    with FeedServer({"/news.rss": Route(rss([{"title": "no id"}, {"link": "https://x/1"}]))}) as s:
        heard = listener(s.url("/news.rss")).listen({})
    assert len(heard.mentions) == 1
    assert "1 entries had neither id nor link" in heard.warnings[0]


@pytest.mark.parametrize(
    ("route", "reason"),
    [
        (Route(b"oops", "text/plain", status=500), "HTTP 500"),
        (
            Route(b"<html><body><h1>Welcome</h1></body></html>", "text/html"),
            "not an RSS or Atom feed",
        ),
        (
            Route(
                b'<?xml version="1.0"?><rss version="2.0">'
                b"<channel><title>News</titl></channel></rss>"
            ),
            "malformed feed",
        ),
        (
            Route(
                b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;">]>'
                b'<rss version="2.0"><channel><title>&b;</title></channel></rss>'
            ),
            "declares XML entities",
        ),
        (Route(b"<rss>" + b" " * 2_000 + b"</rss>"), "over the 1000-byte cap"),
        (Route(rss([]), delay_seconds=3), "timed out after 0.5s"),
    ],
    ids=["http-500", "html-page", "malformed", "entity-bomb", "oversized", "timeout"],
)
def test_a_bad_feed_fails_naming_the_feed_and_the_reason(route, reason):
    with FeedServer({"/feed": route}) as server, pytest.raises(ListenerError) as e:
        listener(server.url("/feed"), timeout_seconds=0.5, max_bytes=1_000).listen({})
    assert "source 'test-feed'" in str(e.value)
    assert reason in str(e.value)


def test_unreachable_feed_names_the_url():
    with FeedServer({}) as server:
        url = server.url("/gone")
    with pytest.raises(ListenerError, match=r"could not fetch http://127\.0\.0\.1"):
        listener(url).listen({})


def test_well_formed_part_of_a_sloppy_feed_is_kept_with_a_warning():
    body = rss([{"title": "Lincs Police & partners", "link": "https://x/1"}]).replace(
        b"&amp; partners", b"& partners"
    )
    with FeedServer({"/news.rss": Route(body)}) as server:
        heard = listener(server.url("/news.rss")).listen({})
    assert len(heard.mentions) == 1
    assert "not well-formed" in heard.warnings[0]


def test_news_search_feeds_are_built_from_the_forces_terms():
    google = NewsSearchSource(
        kind="news_search",
        name="google-news",
        engine="google",
        terms=["Lincolnshire Police", "LincsPolice"],
    )
    assert google.feed_url() == (
        "https://news.google.com/rss/search?q=%22Lincolnshire+Police%22+OR+LincsPolice"
        "&hl=en-GB&gl=GB&ceid=GB%3Aen"
    )


def test_a_profile_asking_for_bing_news_is_refused_saying_why_and_what_instead(write_profile):
    """Microsoft retired the Bing Search APIs in August 2025, and bing.com's format=rss was
    never a documented interface: there is no supported way to read Bing News as a feed."""
    path = write_profile(
        [{"kind": "news_search", "name": "bing", "engine": "bing", "terms": ["x"]}]
    )
    with pytest.raises(ProfileError) as e:
        load_profile(path)
    assert "retired the Bing Search APIs in August 2025" in str(e.value)
    assert "use engine: google, or the publisher's own feed" in str(e.value)


def test_news_search_results_are_read_like_any_feed():
    query = "/rss/search?q=%22Lincolnshire+Police%22&hl=en-GB&gl=GB&ceid=GB%3Aen"
    item = {"title": "Lincolnshire Police launch appeal - BBC", "link": "https://bbc.example/1"}
    with FeedServer({query: Route(rss([item]))}) as server:
        source = NewsSearchSource(
            kind="news_search",
            name="google-news",
            engine="google",
            terms=["Lincolnshire Police"],
            base_url=server.url("/rss/search"),
        )
        heard = RssListener(source, now=NOW).listen({})
    assert [m.url for m in heard.mentions] == ["https://bbc.example/1"]


# Shaped like a real Google News search feed (earshot/app/demo_feeds/
# google-news-lincolnshire-police.rss): a news.google.com redirect as link, the publisher
# after " - " in the title and in <source url=…>.
GOOGLE_NEWS = b"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<rss version="2.0" xmlns:media="http://search.yahoo.com/mrss/"><channel>
  <generator>NFE/5.0</generator>
  <title>"Lincolnshire Police" - Google News</title>
  <link>https://news.google.com/search?q=%22Lincolnshire+Police%22</link>
  <description>Google News</description>
  <item>
    <title>Lincolnshire Police appeal after Boston break-in - Lincolnshire Live</title>
    <link>https://news.google.com/rss/articles/CBMiTestLincsLive0001?oc=5</link>
    <guid isPermaLink="false">CBMiTestLincsLive0001</guid>
    <pubDate>Fri, 20 Nov 2026 16:40:00 GMT</pubDate>
    <description>&lt;a href="https://news.google.com/rss/articles/CBMiTestLincsLive0001?oc=5"
      target="_blank"&gt;Lincolnshire Police appeal after Boston break-in&lt;/a&gt;
      &amp;nbsp;&amp;nbsp;&lt;font color="#6f6f6f"&gt;Lincolnshire Live&lt;/font&gt;</description>
    <source url="https://www.lincolnshirelive.co.uk">Lincolnshire Live</source>
  </item>
</channel></rss>"""


def test_google_news_items_name_their_publisher_and_keep_its_title():
    query = "/rss/search?q=%22Lincolnshire+Police%22&hl=en-GB&gl=GB&ceid=GB%3Aen"
    with FeedServer({query: Route(GOOGLE_NEWS)}) as server:
        source = NewsSearchSource(
            kind="news_search",
            name="google-news",
            engine="google",
            terms=["Lincolnshire Police"],
            base_url=server.url("/rss/search"),
        )
        [heard] = RssListener(source, now=NOW).listen({}).mentions
    assert heard.title == "Lincolnshire Police appeal after Boston break-in"
    assert heard.author == "Lincolnshire Live"
    # The description only links the headline again and names the publisher: nothing more.
    assert heard.text == ""


@pytest.mark.parametrize(
    ("description", "text"),
    [
        ("Lincolnshire Police appeal after break-in Lincolnshire Live", ""),
        (
            "Lincolnshire Police appeal after break-in Lincolnshire Live CCTV released",
            "CCTV released",
        ),
        ("Lincolnshire Police appeal after break-in in Boston, say officers", None),
        ("Lincolnshire Police appeal after break-in. Officers want CCTV.", "Officers want CCTV."),
    ],
)
def test_a_news_search_result_keeps_only_what_its_description_adds(description, text):
    """The headline again and the publisher's name say nothing new; a description that runs
    on from the headline in the same words is left whole."""
    said = _beyond_headline(
        description, "Lincolnshire Police appeal after break-in", "Lincolnshire Live"
    )
    assert said == (description if text is None else text)


def test_a_publishers_own_feed_keeps_a_title_ending_in_a_dash():
    item = {"title": "Appeal - Lincolnshire Live", "link": "https://lincolnshirelive.example/1"}
    with FeedServer({"/news.rss": Route(rss([item]))}) as server:
        [heard] = listener(server.url("/news.rss")).listen({}).mentions
    assert heard.title == "Appeal - Lincolnshire Live"
