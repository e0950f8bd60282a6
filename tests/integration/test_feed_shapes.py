"""The RSS/Atom listener over the shapes feeds take in the wild: every one is either read
into clean mentions or refused with a reason that names it. None crashes the listener."""

from datetime import UTC, datetime

import pytest

from earshot.app.feed_server import FeedServer, Route
from listeners import ListenerError
from listeners.rss import RssListener, RssSource

NOW = datetime(2026, 11, 21, 7, 0, tzinfo=UTC)
ITEM_TEXT = "Lincolnshire Police thank the public"

READABLE = {
    "rss-0.91": b"""<?xml version="1.0"?>
<!DOCTYPE rss PUBLIC "-//Netscape Communications//DTD RSS 0.91//EN"
  "http://my.netscape.com/publish/formats/rss-0.91.dtd">
<rss version="0.91"><channel><title>Old</title><link>https://old.example/</link>
<description>d</description><language>en-gb</language>
<item><title>Lincolnshire Police thank the public</title><link>https://old.example/1</link>
<description>Old style item</description></item></channel></rss>""",
    "rss-0.92": b"""<?xml version="1.0"?><rss version="0.92"><channel><title>t</title>
<link>https://x.example/</link><description>d</description>
<item><description>Lincolnshire Police thank the public, says item without title</description>
<link>https://x.example/2</link></item></channel></rss>""",
    "rss-1.0-rdf": b"""<?xml version="1.0"?>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/"
  xmlns:dc="http://purl.org/dc/elements/1.1/">
<channel rdf:about="https://rdf.example/"><title>t</title><link>https://rdf.example/</link>
<description>d</description></channel>
<item rdf:about="https://rdf.example/3"><title>Lincolnshire Police thank the public</title>
<link>https://rdf.example/3</link><dc:date>2026-11-20T09:00:00+00:00</dc:date>
<dc:creator>Reporter</dc:creator></item></rdf:RDF>""",
    "rss-2.0-cdata-html": b"""<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel>
<title>t</title><link>https://x.example/</link><description>d</description>
<item><title><![CDATA[Lincolnshire Police thank the <b>public</b>]]></title>
<link>https://x.example/4</link><pubDate>Fri, 20 Nov 2026 09:00:00 GMT</pubDate>
<description><![CDATA[<p>Text with <script>alert(1)</script><img src=x onerror=alert(2)>
<a href="javascript:alert(3)">a link</a></p>]]></description></item></channel></rss>""",
    "atom-0.3": b"""<?xml version="1.0" encoding="utf-8"?>
<feed version="0.3" xmlns="http://purl.org/atom/ns#"><title>t</title>
<link rel="alternate" type="text/html" href="https://a03.example/"/>
<modified>2026-11-20T09:00:00Z</modified>
<entry><title>Lincolnshire Police thank the public</title>
<link rel="alternate" type="text/html" href="https://a03.example/5"/>
<id>tag:a03.example,2026:5</id><issued>2026-11-20T09:00:00Z</issued>
<modified>2026-11-20T09:00:00Z</modified>
<content type="text/plain">plain</content></entry></feed>""",
    "atom-1.0-relative-links": b"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xml:base="https://atom.example/blog/">
<title>t</title><id>tag:atom.example,2026:feed</id><updated>2026-11-20T09:00:00Z</updated>
<entry><title>Lincolnshire Police thank the public</title><id>tag:atom.example,2026:6</id>
<link href="posts/6"/><updated>2026-11-20T09:00:00Z</updated>
<summary type="html">&lt;a href="../about"&gt;about&lt;/a&gt;</summary></entry></feed>""",
    "missing-and-odd-dates": b"""<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>
<link>https://d.example/</link><description>d</description>
<item><title>Lincolnshire Police thank the public (no date)</title>
<link>https://d.example/7</link></item>
<item><title>Lincolnshire Police thank the public (odd date)</title><link>https://d.example/8</link>
<pubDate>20 Nov 26 09:00 GMT</pubDate></item>
<item><title>Lincolnshire Police thank the public (nonsense date)</title>
<link>https://d.example/9</link><pubDate>yesterday-ish</pubDate></item></channel></rss>""",
    "iso-8859-1": """<?xml version="1.0" encoding="ISO-8859-1"?><rss version="2.0"><channel>
<title>t</title><link>https://l.example/</link><description>d</description>
<item><title>Lincolnshire Police thank the public for £500 raised at the café</title>
<link>https://l.example/10</link></item></channel></rss>""".encode("iso-8859-1"),
    "windows-1252": """<?xml version="1.0" encoding="windows-1252"?><rss version="2.0"><channel>
<title>t</title><link>https://w.example/</link><description>d</description>
<item><title>Lincolnshire Police thank the public – it’s “brilliant”</title>
<link>https://w.example/11</link></item></channel></rss>""".encode("cp1252"),
    "utf-16-bom": """<?xml version="1.0" encoding="UTF-16"?><rss version="2.0"><channel>
<title>t</title><link>https://u.example/</link><description>d</description>
<item><title>Lincolnshire Police thank the public</title><link>https://u.example/12</link>
</item></channel></rss>""".encode("utf-16"),
    "entity-tricks": b"""<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>
<link>https://e.example/</link><description>d</description>
<item><title>Lincolnshire Police thank the public&#8217;s help &amp;amp; &amp;lt;b&amp;gt;</title>
<link>https://e.example/13?a=1&amp;b=2</link>
<description>Non-breaking&nbsp;space and
&amp;lt;script&amp;gt;alert(1)&amp;lt;/script&amp;gt;</description>
</item></channel></rss>""",
    "empty-channel": b"""<?xml version="1.0"?><rss version="2.0"><channel><title>Quiet</title>
<link>https://q.example/</link><description>nothing yet</description></channel></rss>""",
}

REFUSED = {
    "over-the-size-cap": (
        b"<?xml version='1.0'?><rss version='2.0'><channel>"
        + b"<item><title>x</title></item>" * 5_000
        + b"</channel></rss>",
        "over the 100000-byte cap",
    ),
    "entity-expansion-bomb": (
        b"""<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">
<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>
<rss version="2.0"><channel><title>&lol2;</title></channel></rss>""",
        "declares XML entities",
    ),
    "external-entity": (
        b"""<?xml version="1.0"?><!DOCTYPE r [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<rss version="2.0"><channel><title>&xxe;</title></channel></rss>""",
        "declares XML entities",
    ),
    "html-page": (
        b"<!doctype html><html><head><title>Site</title></head><body>Hi</body></html>",
        "not an RSS or Atom feed",
    ),
    "json": (b'{"items": [{"title": "Lincolnshire Police"}]}', "not an RSS or Atom feed"),
    "truncated": (
        b'<?xml version="1.0"?><rss version="2.0"><channel><title>t</titl',
        "malformed feed",
    ),
}


def listen(body: bytes, content_type: str = "application/rss+xml"):
    with FeedServer({"/feed": Route(body, content_type)}) as server:
        source = RssSource(kind="rss", name="shape", url=server.url("/feed"), max_bytes=100_000)
        return RssListener(source, now=NOW).listen({})


@pytest.mark.parametrize("shape", READABLE, ids=list(READABLE))
def test_real_world_feed_shapes_are_read_into_clean_mentions(shape):
    heard = listen(READABLE[shape])
    if shape == "empty-channel":
        assert heard.mentions == []
        return
    assert heard.mentions, shape
    for m in heard.mentions:
        assert ITEM_TEXT in f"{m.title} {m.text}"
        assert m.url and m.url.startswith("https://")
        assert m.published.tzinfo is not None
        if shape != "entity-tricks":  # there, escaped markup is text (next test)
            assert "<script" not in m.text and "<img" not in m.text and "<p>" not in m.text
            assert "javascript:" not in m.text


def test_escaped_markup_is_kept_as_the_text_it_spells_not_as_markup():
    [m] = listen(READABLE["entity-tricks"]).mentions
    assert m.title == "Lincolnshire Police thank the public’s help & <b>"
    assert m.url == "https://e.example/13?a=1&b=2"
    assert "<script>alert(1)</script>" in m.text  # shown escaped wherever it is displayed


def test_relative_links_resolve_against_the_feeds_base():
    [m] = listen(READABLE["atom-1.0-relative-links"]).mentions
    assert m.url == "https://atom.example/blog/posts/6"


def test_legacy_encodings_become_proper_text():
    [latin] = listen(READABLE["iso-8859-1"]).mentions
    [windows] = listen(READABLE["windows-1252"]).mentions
    assert "£500" in latin.title and "café" in latin.title
    assert "it’s “brilliant”" in windows.title


def test_missing_or_unreadable_dates_fall_back_to_the_fetch_time_and_odd_ones_are_read():
    no_date, odd, nonsense = listen(READABLE["missing-and-odd-dates"]).mentions
    assert no_date.published == NOW
    assert odd.published == datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
    assert nonsense.published == NOW


@pytest.mark.parametrize("shape", REFUSED, ids=list(REFUSED))
def test_refused_feeds_say_why(shape):
    body, reason = REFUSED[shape]
    content_type = "text/html" if shape == "html-page" else "application/rss+xml"
    with pytest.raises(ListenerError) as e:
        listen(body, content_type)
    assert "source 'shape'" in str(e.value)
    assert reason in str(e.value)
