"""RSS and Atom feeds: local news sites, blogs and their comment feeds.

Follows the RSS 2.0 specification (https://www.rssboard.org/rss-specification),
RFC 4287 (Atom) and HTTP conditional requests (RFC 9110 §13). Fetching is ours
(timeout, size cap, ETag / Last-Modified); parsing is feedparser's.
"""

from __future__ import annotations

import calendar
import re
import time
from datetime import UTC, datetime, timedelta, timezone
from email.utils import parsedate_tz
from typing import Literal
from urllib.parse import urlencode, urlsplit

import feedparser
from feedparser.encodings import convert_to_utf8
from pydantic import Field, HttpUrl, field_validator

from earshot.core.clock import FORCE_TIME_ZONE
from earshot.core.fetch import fetch
from earshot.core.model import Mention
from earshot.core.near_duplicates import identity_url, story_key
from earshot.core.profile import SourceSettings
from listeners.api import phrase
from listeners.base import Cursor, Heard, Listener, ListenerError
from listeners.html_text import plain_text

# Any entity declaration, general or parameter (`<!ENTITY % p …>`), internal or external.
# Feeds that declare entities are refused, looked for in the text feedparser will parse (a
# UTF-16 feed spells `<!ENTITY` in bytes no byte pattern matches). Why refuse rather than
# trust the parsers: feedparser strips declarations it thinks unsafe but keeps "safe" ones
# (`<!ENTITY a "AAAA…">`), and its fallback parser expands those without any limit, so
# 50,000 uses of a 50 kB entity in a 3 MB feed make a 2.5 GB title. Expat (2.4+) limits
# amplification and feedparser turns off external entities, but neither covers that
# fallback. External DTDs (`<!DOCTYPE rss SYSTEM "…dtd">`, as old RSS 0.91 feeds carry)
# stay allowed: they are never fetched.
_ENTITY_DECLARATION = re.compile(rb"<!ENTITY", re.IGNORECASE)
# feedparser looks for an e-mail address in author-like fields with a regex that takes
# quadratic time (8 kB: 0.5 s; 80 kB: a minute; the 5 MB cap: hours). No real name or
# address is longer than this, so longer text in those elements is cut before parsing.
AUTHOR_CHARS = 300
_LONG_AUTHOR_FIELD = re.compile(
    r"(<(?:[\w.-]+:)?(?:author|creator|contributor|publisher|name|email|managingEditor|webMaster)"
    rf"\b[^<>]{{0,500}}>)([^<]{{{AUTHOR_CHARS}}})[^<]+",
    re.IGNORECASE,
)

# A body is whole when it ends with its root element's end tag, and then nothing but space,
# comments (caching plugins sign their pages) or processing instructions. A connection
# dropped mid-body with no Content-Length looks to HTTP like the end of the response.
_ROOT = re.compile(rb"<([A-Za-z_][\w.:-]*)")
_AFTER_ROOT = re.compile(rb"\s*>(?:\s|<!--.*?-->|<\?.*?\?>)*", re.DOTALL)
_CHARSET = re.compile(r"charset\s*=\s*[\"']?([\w.:-]+)", re.IGNORECASE)
_XML_ENCODING = re.compile(r"^\s*<\?xml[^>]*?\bencoding\s*=\s*[\"']([\w.:-]+)", re.IGNORECASE)


# A time at the end of a date, and "BST" after it or no zone at all.
_UK_TIME = re.compile(r"\d{1,2}:\d{2}(?::\d{2})?(?:\s+(BST))?\s*$")
_ISO_WITHOUT_ZONE = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?\s*$")
_BST = timezone(timedelta(hours=1), "BST")


def _uk_date(value: str) -> time.struct_time | None:
    """A date as a UK site means it, where feedparser would read it otherwise: "BST" is
    British Summer Time, +01:00 (feedparser takes the unknown name for UTC, so a story
    posted at 23:30 BST landed in the next day's digest), and a time with no zone is the
    site's local time (feedparser drops an RFC 822 one, so the story took the time it was
    fetched, and reads an ISO one as UTC). Any other date is left to feedparser."""
    value = value.strip()
    if _ISO_WITHOUT_ZONE.fullmatch(value):
        try:
            local = datetime.fromisoformat(value)
        except ValueError:
            return None
        return local.replace(tzinfo=FORCE_TIME_ZONE).astimezone(UTC).timetuple()
    # parsedate_tz gives "BST" and no zone alike an offset of 0: the pattern tells them apart.
    zone, parts = _UK_TIME.search(value), parsedate_tz(value)
    if not zone or not parts:
        return None
    try:
        local = datetime(*parts[:6], tzinfo=_BST if zone[1] else FORCE_TIME_ZONE)
    except ValueError:
        return None
    return local.astimezone(UTC).timetuple()


feedparser.registerDateHandler(_uk_date)


class RssSource(SourceSettings):
    """An RSS or Atom feed: local news sites, blogs, forums, WordPress comment feeds
    (`<site>/comments/feed/`, or a post's `<post url>/feed/`)."""

    kind: Literal["rss"]
    url: HttpUrl
    # A news site's own feed (its articles, not its comments): read as news reports.
    news: bool = False

    @property
    def reads_as_news(self) -> bool:
        return self.news

    def feed_url(self) -> str:
        return str(self.url)


NEWS_SEARCH_FEEDS = {
    # Google News search as RSS, in UK English.
    "google": ("https://news.google.com/rss/search", {"hl": "en-GB", "gl": "GB", "ceid": "GB:en"}),
}


class NewsSearchSource(SourceSettings):
    """A news search engine's RSS results for the force's terms, newest news everywhere."""

    kind: Literal["news_search"]
    engine: Literal["google"]
    terms: list[str] = Field(min_length=1)
    # Where the engine answers; set only to route through a proxy (or a test server).
    base_url: HttpUrl | None = None

    @property
    def reads_as_news(self) -> bool:
        return True

    @field_validator("engine", mode="before")
    @classmethod
    def _not_bing(cls, engine: object) -> object:
        if engine == "bing":
            raise ValueError(
                "Bing news search is not supported: Microsoft retired the Bing Search APIs in "
                "August 2025, and bing.com's format=rss was never documented; use engine: "
                "google, or the publisher's own feed (kind: rss)"
            )
        return engine

    def feed_url(self) -> str:
        default_url, params = NEWS_SEARCH_FEEDS[self.engine]
        query = " OR ".join(map(phrase, self.terms))
        base = str(self.base_url) if self.base_url else default_url
        return f"{base}?{urlencode({'q': query, **params})}"


class RssListener(Listener[RssSource | NewsSearchSource]):
    """One feed, fetched whole (no pages): the cursor is the HTTP validators of the last
    successful fetch, so it keeps `listen` to itself."""

    platform = "RSS"

    def listen(self, cursor: Cursor) -> Heard:
        with self.failures():
            fetched = fetch(
                self.source.feed_url(),
                cursor,
                timeout=self.source.timeout_seconds,
                max_bytes=self.source.max_bytes,
            )
        if fetched.not_modified:
            return Heard(mentions=[], cursor=cursor, unchanged=True)
        return self.read(fetched.body, fetched.content_type, fetched.validators)

    def read(self, body: bytes, content_type: str, validators: Cursor) -> Heard:
        """A fetched feed as mentions, whatever its bytes: ListenerError, naming the feed, is
        the only failure (tests/unit/test_fuzz_parsers.py holds it to that)."""
        warnings = []
        mended = _utf8_mended(body, content_type)
        if mended is not body:
            warnings.append("bytes that are not UTF-8, as the feed declares, are shown as \ufffd")
        text = convert_to_utf8({"content-type": content_type}, mended, feedparser.FeedParserDict())
        feed = self._parse(mended, text, content_type)
        if feed.bozo:
            warnings.append(f"feed is not well-formed ({feed.bozo_exception}); kept what parsed")
        found = [m for m in map(self._to_mention, feed.entries) if m is not None]
        skipped = len(feed.entries) - len(found)
        mentions = list({m.id: m for m in found}.values())  # an entry repeated in one feed
        if skipped:
            warnings.append(f"{skipped} entries had neither id nor link and were skipped")
        if not _is_whole(text):
            # Items after the cut were never heard: the validators must not tell the next
            # run that this version of the feed was read.
            warnings.append(
                f"feed cut short: it stops before its root element ends; kept the {len(found)} "
                "entries that parsed, and the next run fetches it again"
            )
            validators = {}
        return Heard(mentions=mentions, cursor=validators, warnings=warnings)

    def _parse(self, body: bytes, text: bytes, content_type: str) -> feedparser.FeedParserDict:
        """`text`: the body as UTF-8, as feedparser decodes it."""
        if _ENTITY_DECLARATION.search(text):
            raise ListenerError(
                self.source.name,
                "feed declares XML entities; refused (entity expansion and external "
                "entities are attacks, and no real feed needs them)",
            )
        body, content_type = _authors_trimmed(body, text, content_type)
        try:
            feed = feedparser.parse(
                body,
                response_headers={
                    "content-location": self.source.feed_url(),
                    "content-type": content_type,
                },
                sanitize_html=True,
                resolve_relative_uris=True,
            )
        except (ValueError, OverflowError) as e:  # `&#xD800;`, `&#99999999999;`: no character
            raise ListenerError(self.source.name, f"malformed feed: {type(e).__name__}: {e}") from e
        if not feed.get("version"):  # an empty body has none at all
            got = content_type or "no Content-Type"
            raise ListenerError(
                self.source.name, f"not an RSS or Atom feed (got {got}, {len(body)} bytes)"
            )
        if feed.bozo and not feed.entries:
            raise ListenerError(self.source.name, f"malformed feed: {feed.bozo_exception}")
        return feed

    def _to_mention(self, entry: feedparser.FeedParserDict) -> Mention | None:
        key = _item_key(entry.get("id"), entry.get("link"))
        if not key:
            return None
        content = entry.get("content") or []
        body = content[0].get("value", "") if content else entry.get("summary", "")
        published = entry.get("published_parsed") or entry.get("updated_parsed")
        title = plain_text(entry.get("title", ""))
        text = plain_text(body)
        author = entry.get("author") or None
        site = entry.get("link")
        if isinstance(self.source, NewsSearchSource):
            publisher = entry.get("source") or {}
            title, author = _publisher_named(title, publisher, author)
            text = _beyond_headline(text, title, publisher.get("title"))
            site = publisher.get("href")  # the link is the engine's redirect
        mention = self.mention(
            key,
            url=entry.get("link"),
            title=title,
            text=text,
            author=author,
            published=_utc(published) or self.now,
        )
        return mention.model_copy(update={"story_key": story_key(site, title)})


def _publisher_named(title: str, source: dict, author: str | None) -> tuple[str, str | None]:
    """Google News links to its own redirect and names the publisher in `<source>` and at
    the end of the title ("… - Grantham Journal"): the title as the publisher wrote it, and
    the publisher as the author, so an analyst sees who published the story."""
    publisher = (source.get("title") or "").strip()
    if not publisher:
        return title, author
    return title.removesuffix(f" - {publisher}").strip() or title, author or publisher


def _beyond_headline(text: str, title: str, publisher: str | None) -> str:
    """What a news search result's description adds to its title. Google's repeats the
    headline as a link and names the publisher ("… Police Oracle"): read again, the
    headline would count twice and the publisher's name would stand beside the force's. A
    description that runs on from the headline's words is left whole."""
    said = " ".join(text.split())
    headline = " ".join(title.split())
    repeated = re.match(rf"{re.escape(headline)}([.:!?]?)(?:\s+|$)", said) if headline else None
    if not repeated:
        return text
    rest = said[repeated.end() :]
    named = (publisher or "").strip()
    if named and re.match(rf"{re.escape(named)}(?:\s|$)", rest):
        return rest.removeprefix(named).strip()
    return rest if repeated.group(1) or not rest else text


def _item_key(guid: str | None, link: str | None) -> str | None:
    """What an item is known by: its guid, unless the guid is an address; an address (the
    guid or the link) by its identity URL, so one that gains `utm_*` parameters when the
    site shares it is still the same item."""
    if guid and urlsplit(guid).scheme not in ("http", "https"):
        return guid
    return identity_url(guid or link)


def _utf8_mended(body: bytes, content_type: str) -> bytes:
    """A feed declared UTF-8 (by HTTP, else by its XML declaration) with its invalid bytes
    replaced by U+FFFD: left to feedparser, one bad byte would decode the whole feed as
    windows-1252, and every é and £ in it would be stored as mojibake."""
    head = body[:1024].decode("latin-1")
    declared = _CHARSET.search(content_type) or _XML_ENCODING.search(head)
    if not declared or declared[1].lower() not in ("utf-8", "utf8"):
        return body
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        return body.decode("utf-8", errors="replace").encode("utf-8")
    return body


def _is_whole(text: bytes) -> bool:
    """Whether the document (as UTF-8) ends where its root element ends."""
    root = _ROOT.search(text)
    if root is None:
        return False
    end = text.rfind(b"</" + root[1])
    return end >= 0 and _AFTER_ROOT.fullmatch(text, end + 2 + len(root[1])) is not None


def _authors_trimmed(body: bytes, utf8: bytes, content_type: str) -> tuple[bytes, str]:
    """The feed to parse: as received, or, when an author-like field was too long, its
    UTF-8 text (from feedparser's own decoding) with those fields cut, labelled UTF-8."""
    text = utf8.decode("utf-8", errors="replace")
    trimmed = _LONG_AUTHOR_FIELD.sub(r"\1\2", text)
    if trimmed == text:
        return body, content_type
    media_type = content_type.split(";")[0].strip() or "application/xml"
    return trimmed.encode("utf-8"), f"{media_type}; charset=utf-8"


def _utc(parsed) -> datetime | None:
    """feedparser normalises every date format it knows to a UTC struct_time; one no
    calendar holds (year -1, year 99999) counts as no date, like an unreadable one."""
    if not parsed:
        return None
    try:
        return datetime.fromtimestamp(calendar.timegm(parsed), tz=UTC)
    except (ValueError, OverflowError, OSError):
        return None
