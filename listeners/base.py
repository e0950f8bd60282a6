"""What every listener promises, and the loop most of them share.

Given its saved cursor, a listener hears what is new and returns the cursor to save once
that is indexed. Platform listeners follow newest-first listings ("streams": a hashtag, a
search, a post's comments), each read page by page down to how far it was heard before.
`Listener.listen` owns that loop once: the pages and their loop guard, stopping at the
cursor, the warning when the page budget ran out first, holding back when the platform's
rate limit is spent, one mention per item however many streams found it, and the failure
that names the source. A platform module says only what its streams are, how to ask for a
page, and how its fields map to a Mention.

Each stream also reads again the source's overlap window behind the newest item it heard,
for items the platform listed late, and skips the ones it heard there before
(listeners/overlap.py): a mention is heard once however late it arrives.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import ClassVar, Generic, Literal, Protocol, TypeVar
from urllib.parse import quote, quote_plus

import httpx

from earshot.core.connections import MissingCredentials
from earshot.core.errors import EarshotError
from earshot.core.fetch import FetchError, RateLimited, get_json, redact, retry_after
from earshot.core.model import Mention, mention_id
from earshot.core.profile import SourceSettings
from listeners import overlap
from listeners.api import Malformed, Reset, secret, until
from listeners.overlap import Recent

Cursor = dict[str, str]
Item = TypeVar("Item")
SourceT = TypeVar("SourceT", bound=SourceSettings)
Page = Callable[[str | None], tuple[list[Item], str | None]]
Explain = Callable[[FetchError], str | None]
Lifts = Callable[[FetchError], tuple[datetime | None, str | None]]


@dataclass(frozen=True)
class Heard:
    """One listen: the items heard and the cursor to save once they are indexed."""

    mentions: list[Mention]
    cursor: Cursor
    unchanged: bool = False
    warnings: list[str] = field(default_factory=list)
    # When the platform may be asked again: an answer said its rate limit is spent, and
    # when it is back (`Listener.watch_rate_limit`); None: ask as usual.
    wait_until: datetime | None = None


class ListenerError(EarshotError):
    """A source could not be heard; the message names the source and the reason."""

    def __init__(self, source: str, reason: str):
        super().__init__(f"source {source!r}: {reason}")
        self.source = source
        self.reason = reason
        # The cursor to save though the run failed (see `Listener.spent`); None: keep it.
        self.cursor: Cursor | None = None
        # When the platform may be asked again, as it said (a 429, an error saying its limit
        # or quota is spent, an earlier page that spent it); None: it did not say.
        self.rate_limited_until: datetime | None = None


class Refused(ListenerError):
    """The platform refused the request as made (401, 403: credentials, permission, a quota
    spent for the day): asked again the same way, it answers the same, so the task is not
    retried; the next run asks afresh."""


class Mark(Protocol):
    """How far a stream was heard (listeners/watermark.py), as kept in the cursor."""

    @property
    def resumed(self) -> bool: ...

    def is_new(self, position) -> bool: ...

    def after(self, heard: Iterable) -> Mark: ...


@dataclass(frozen=True)
class Stream(Generic[Item]):
    """One newest-first listing a source follows."""

    key: str  # its cursor key: "tag:police", "post:123"
    page: Page  # page(token) → (items, next token or None)
    mark: Mark  # how far it was heard, from the cursor under `key`
    position: Callable[[Item], object]  # where an item sits, as `mark` compares
    mention: Callable[[Item], Mention | None]  # the item as a mention; None: not one to keep
    posted: Callable[[Item], datetime]  # when the item was posted, for the overlap window
    # A listing in no set order that holds only its last `lasts` of items (Instagram's
    # recent_media: 24 hours; Facebook comments, asked only for those since the overlap
    # window): read to its end each run, and what was heard kept that long, so an item
    # listed after older ones is neither missed nor heard twice.
    lasts: timedelta | None = None


class Listener(Generic[SourceT]):
    """The base of every listener. `platform` names it in errors ("malformed X payload")."""

    platform: ClassVar[str]
    # Its own header saying when a spent rate limit is back, read before Retry-After.
    reset: ClassVar[Reset | None] = None

    def __init__(self, source: SourceT, *, now: datetime):
        self.source = source
        self.now = now
        # Why the listener stopped asking the platform this run (its rate limit is spent).
        self.held: str | None = None
        # When a spent rate limit is back, as the answer that spent it said (`Heard.wait_until`).
        self.wait_until: datetime | None = None

    def listen(self, cursor: Cursor) -> Heard:
        try:
            return self._listen(cursor)
        except ListenerError as e:
            if spent := self.spent():
                e.cursor = cursor | spent
            # A page read before the failure may have spent the rate limit: its reset stands.
            e.rate_limited_until = e.rate_limited_until or self.wait_until
            raise

    def _listen(self, cursor: Cursor) -> Heard:
        with self.failures() as secrets:
            self.open(secrets)
            streams = self.streams(cursor)
            after = self.carried(cursor)
            heard: dict[str, Mention] = {}
            warnings: list[str] = []
            for stream in streams:
                heard_key = overlap.key(stream.key)
                for key in (stream.key, heard_key):
                    if key in cursor:
                        after[key] = cursor[key]
                if self.held:
                    warnings.append(f"{stream.key}: not read this run; {self.held}")
                    continue
                recent = Recent.parse(cursor.get(heard_key), stream.lasts or self.overlap)
                try:
                    walk = self._walk(stream, recent)
                except FetchError as e:
                    if not (why := self.skippable(stream, e)):
                        raise
                    warnings.append(f"{stream.key}: {why}; skipped")
                    continue
                posted = []
                for item in walk.items:
                    if (mention := stream.mention(item)) is not None:
                        # Never later than heard, as `mention` dates it: one post dated 2099
                        # would move the overlap window past every late arrival till then.
                        posted.append((mention.id, min(stream.posted(item), self.now)))
                        if not recent.knows(mention.id):  # heard in the overlap before
                            heard.setdefault(mention.id, mention)  # found by two streams
                after[heard_key] = str(recent.after(posted))
                if walk.ended == "spent":
                    # What was read is kept; the cursor stays, so the next run reads the rest.
                    warnings.append(f"{stream.key}: stopped paging; {self.held}")
                    continue
                after[stream.key] = str(stream.mark.after(map(stream.position, walk.items)))
                if gap := walk.gap(stream.key, resumed=stream.mark.resumed):
                    warnings.append(gap)
            if self.held and not any(self.held in w for w in warnings):
                warnings.append(self.held)
            return Heard(
                list(heard.values()),
                {k: v for k, v in after.items() if v},
                warnings=warnings,
                wait_until=self.wait_until,
            )

    @property
    def overlap(self) -> timedelta:
        """How far behind its newest item each stream reads again (the source's setting)."""
        return timedelta(minutes=self.source.overlap_minutes)

    def _walk(self, stream: Stream, recent: Recent) -> Walk:
        def within(item) -> bool:
            """New to the cursor, or inside the overlap window behind it; in a listing in no
            set order, any item (what was heard before is known by `recent`)."""
            if stream.lasts is not None or stream.mark.is_new(stream.position(item)):
                return True
            return recent.reach is not None and stream.posted(item) >= recent.reach

        return walk_to_cursor(
            stream.page,
            within,
            source=self.source.name,
            max_pages=self.source.max_pages,
            may_continue=lambda: not self.held,
        )

    # --- what a platform says ------------------------------------------------------------

    def open(self, secrets: set[str]) -> None:
        """Sign in before the streams are read; add every secret used to `secrets`."""

    def streams(self, cursor: Cursor) -> list[Stream]:
        raise NotImplementedError(f"{type(self).__name__} reads no streams; it overrides listen")

    def carried(self, cursor: Cursor) -> Cursor:
        """Cursor entries to keep that are not a stream's (the streams' own are kept)."""
        return {}

    def spent(self) -> Cursor:
        """Cursor entries learnt this run at a cost that a failed run must not pay again (a
        YouTube search), true whatever is indexed: saved even when the run fails."""
        return {}

    def skippable(self, stream: Stream, error: FetchError) -> str | None:
        """Why this one stream cannot be read without failing the source, if so."""
        return None

    def explain(self, error: FetchError) -> str | None:
        """An HTTP error in the platform's own words; None: fetch's message stands."""
        return None

    def rate_limited(self, error: FetchError) -> bool:
        """Whether the platform refused because its rate limit is spent: a 429, or as its
        error says."""
        return error.status == 429

    def rate_limit_lifts(self, error: FetchError) -> tuple[datetime | None, str | None]:
        """When the platform said it may be asked again, as of the run's clock: at a spent
        rate limit its `reset` header, if it has one and sent it, else a 429's Retry-After;
        and, when that reset header is no time, what is wrong with it (`failures` names it;
        Retry-After still stands)."""
        unreadable = None
        if self.reset and self.rate_limited(error):
            try:
                if lifts := self.reset.at(error.headers, self.now):
                    return lifts, None
            except Malformed as e:
                unreadable = str(e)
        if isinstance(error, RateLimited):
            return retry_after(error.retry_after, self.now), unreadable
        return None, unreadable

    def try_again_after(self, error: FetchError) -> str:
        """When the platform lets us back in, as a reason says it: "; try again after
        2026-11-21T07:15:00Z, in 15 min"; "" when it did not say."""
        lifts, _ = self.rate_limit_lifts(error)
        return f"; try again after {until(lifts, self.now)}" if lifts else ""

    # --- shared by every listener --------------------------------------------------------

    def watch_rate_limit(self, headers: Mapping[str, str], remaining: str, limit: str) -> None:
        """Stop asking once an answer's `remaining` header says the rate limit (`limit`, as
        the warning names it) is spent: every later request before its `reset` is refused,
        and asking early can lengthen the ban. The reset is the run's `Heard.wait_until`,
        which the next runs wait for as for a 429's (earshot/app/platform_waits.py); a reset
        that is no time sets none, and the warning names it."""
        try:
            left = float(headers[remaining])
        except (KeyError, ValueError):
            return  # no (readable) budget announced: nothing to hold back for
        if self.held or not left < 1:  # not NaN either
            return
        try:
            self.wait_until = self.reset.at(headers, self.now) if self.reset else None
            when = f", resets {until(self.wait_until, self.now)}" if self.wait_until else ""
        except Malformed as e:
            when = f", {e}"
        self.held = f"{limit} ({remaining} 0{when})"

    def get(
        self, url: str, params: dict, headers: dict[str, str] | None = None
    ) -> tuple[object, httpx.Headers]:
        """A page of the platform's JSON, within the source's deadline and size cap."""
        return get_json(
            url,
            params=params,
            headers=headers,
            timeout=self.source.timeout_seconds,
            max_bytes=self.source.max_bytes,
        )

    def password(self, secrets: set[str], what: str) -> str:
        """The source's connection's password (`what` it holds: "API key"), kept secret."""
        found = secret(self.source.connection, what)
        secrets.add(found)
        return found

    def failures(self) -> AbstractContextManager[set[str]]:
        """Around everything the listener does: see `failures`."""
        return failures(
            self.source.name, self.platform, self.explain, self.rate_limit_lifts, self.rate_limited
        )

    def mention(
        self,
        key: str,
        *,
        url: str | None,
        published: datetime,
        text: str,
        title: str = "",
        author: str | None = None,
        page: str | None = None,
    ) -> Mention:
        """The Mention for the platform's item with the stable id `key`, at `url`, or, when it
        has no address of its own, at the `page` it is on (its post's, its place's reviews),
        which the others there share: erasure then knows it is not the item's own. A post
        dated after it was heard (the poster's clock, a site's wrong zone) is dated when it
        was heard: left in the future it would be in no digest or alert window, outlive
        retention, and from 2100 need an index no template makes, failing the whole batch."""
        try:
            heard_as = mention_id(self.source.name, key)
        except UnicodeEncodeError:  # half a UTF-16 pair, as JSON's "\ud800" can carry
            raise Malformed(f"the item's id is not text: {key[:80]!r}") from None
        return Mention(
            id=heard_as,
            source=self.source.name,
            source_kind=self.source.kind,
            url=url or page,
            link_shared=not url and bool(page),
            title=title,
            text=text,
            author=author,
            published=min(published, self.now),
            fetched=self.now,
        )


# --- failures ----------------------------------------------------------------------------


@contextmanager
def failures(
    source: str,
    platform: str,
    explain: Explain | None = None,
    lifts: Lifts | None = None,
    rate_limited: Callable[[FetchError], bool] | None = None,
) -> Iterator[set[str]]:
    """Raise every failure inside as ListenerError(source, reason).

    `explain` turns an HTTP error into the platform's own words (its JSON error, its reset
    time); otherwise fetch's message stands. `lifts` reads when a rate-limited platform may
    be asked again (the error's `rate_limited_until`) and what is wrong with a reset header
    that is no time, which the reason names. A 401 or 403 is Refused, unless `rate_limited`
    says it is a spent rate limit (Disqus's error 13 may come as a 403), which passes.
    Payloads that lack what the platform documents are "malformed <platform> payload",
    naming the field (`listeners.api.required`); a stray KeyError, TypeError or
    AttributeError is one too, so a listener's slip fails only its source, though the fuzz
    tests hold each listener's items to naming the field. Secrets added to the yielded set
    are blanked out of every reason, whatever the platform echoed back, as sent or
    URL-encoded.
    """
    secrets: set[str] = set()

    def fail(reason: str, failure: type[ListenerError] = ListenerError) -> ListenerError:
        return failure(source, blanked(reason, secrets))

    try:
        yield secrets
    except FetchError as e:
        reason = (explain and explain(e)) or str(e)
        lifted, unreadable = lifts(e) if lifts else (None, None)
        if unreadable:  # a reset header that is no time: Retry-After, if sent, stands
            reason = f"{reason}; {unreadable}"
        refused = e.status in (401, 403) and not (rate_limited and rate_limited(e))
        failure = fail(reason, Refused if refused else ListenerError)
        failure.rate_limited_until = lifted
        raise failure from e
    except MissingCredentials as e:
        raise fail(str(e)) from e
    except Malformed as e:
        raise fail(f"malformed {platform} payload: {e}") from e
    except (KeyError, TypeError, ValueError, AttributeError) as e:
        raise fail(f"malformed {platform} payload: {type(e).__name__}: {e}") from e


def blanked(text: str, secrets: set[str]) -> str:
    """`text` with each secret shown as `***` in every form a server may echo it: as sent and
    percent-encoded (in a URL or a form); and every `access_token=` / `key=` value."""
    forms = {
        form
        for value in secrets
        if value
        for form in (value, quote(value, safe=""), quote_plus(value))
    }
    for form in sorted(forms, key=len, reverse=True):  # longest first: no half-blanked secret
        text = text.replace(form, "***")
    return redact(text)


# --- pages -------------------------------------------------------------------------------


def pages(page: Page, *, source: str, max_pages: int) -> Iterator[list]:
    """Pages from `page(token)` until no next token, an empty page, or `max_pages`.

    A token that comes back twice would loop for ever: that is an error, not the end.
    """
    seen: set[str] = set()
    token: str | None = None
    for _ in range(max_pages):
        items, next_token = page(token)
        yield items
        if not items or not next_token:
            return
        if next_token in seen:
            raise ListenerError(source, f"pagination loop: next-page token {next_token!r} repeated")
        seen.add(next_token)
        token = next_token


# done: reached the old cursor or the end of the listing.
# max_pages: the source's page budget ran out first; older new items were not read.
# spent: the platform's rate-limit budget ran out first (see `may_continue`).
Ending = Literal["done", "max_pages", "spent"]


@dataclass(frozen=True)
class Walk(Generic[Item]):
    items: list[Item]
    ended: Ending

    def gap(self, stream: str, *, resumed: bool) -> str | None:
        """The warning owed when the page budget ran out before the old cursor was reached.

        The cursor still moves to the newest item: listings end (Reddit keeps ~1,000
        items), so holding it would re-read the same pages for ever and never catch up.
        """
        if self.ended != "max_pages" or not resumed:
            return None
        return (
            f"{stream}: max_pages reached before the last item heard; items between the "
            "oldest read and it were skipped (raise max_pages if this recurs)"
        )


def walk_to_cursor(
    page: Page,
    is_new: Callable[[Item], bool],
    *,
    source: str,
    max_pages: int,
    may_continue: Callable[[], bool] = lambda: True,
) -> Walk[Item]:
    """The new items of a newest-first listing, page by page.

    Platforms cannot be trusted to answer "only what is newer than X" (Reddit's `before=`
    comes back empty once X is deleted; Bluesky's `since` is inclusive), so the walk pages
    from the top and a page holding any item that is not new ends it: everything after is
    older. `may_continue` is asked before each further page, so a spent rate limit stops the
    walk cleanly with what was heard instead of hammering the platform into 429s.
    """
    ended: Ending = "max_pages"

    def new_only(token: str | None) -> tuple[list[Item], str | None]:
        nonlocal ended
        items, next_token = page(token)
        new = [item for item in items if is_new(item)]
        if not new or len(new) < len(items) or not next_token:
            ended = "done"
            return new, None
        if not may_continue():
            ended = "spent"
            return new, None
        return new, next_token

    walked = pages(new_only, source=source, max_pages=max_pages)
    return Walk([item for batch in walked for item in batch], ended)
