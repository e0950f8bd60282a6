"""What a member of the public (or a hostile feed) writes cannot break or subvert Earshot:
shown text carries no markup or terminal escapes, entity tricks in feeds are refused, an
oversized response is never read past the source's cap, and no crafted text holds
enrichment or the feed reader for longer than an ordinary one does."""

import base64
import contextlib
import gzip
import io
import json
import os
import subprocess
import sys
import threading
import time
import tracemalloc
import zlib
from base64 import b64decode
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from rich.console import Console

from bench.evaluation import text_mention
from earshot.app.feed_server import FeedServer, Route
from earshot.app.report import print_counts, print_most_negative, print_response_queue
from earshot.core.fetch import TOKEN_ANSWER_BYTES, FetchError, fetch, post_json
from earshot.core.paths import DEFAULT_PROFILE
from earshot.core.safe_text import for_console, neutral, plain, safe_link
from earshot.store.indices import MENTIONS, ensure_indices
from earshot.store.mentions import index_mentions
from earshot.store.queries import mention_counts, most_negative, response_queue
from enrichment import MAX_CHARS, Enricher
from listeners import ListenerError, load_profile
from listeners.html_text import plain_text
from listeners.rss import AUTHOR_CHARS, RssListener, RssSource
from tests.conftest import rss
from tests.integration.test_store import mention

NOW = datetime(2026, 11, 21, 7, 0, tzinfo=UTC)
EARSHOT = str(Path(sys.executable).with_name("earshot"))

OSC8_LINK = "\x1b]8;;http://evil.example/\x1b\\click me\x1b]8;;\x1b\\"
CLEAR_SCREEN = "\x1b[2J\x1b[H"
C1_CSI = "\x9b31m"  # the 8-bit form of ESC [
RICH_LINK = "[link=http://evil.example/]x[/link]"
RLO = "\u202e"
HOSTILE_TITLE = (
    f"<script>alert(1)</script>Lincolnshire Police {OSC8_LINK} {CLEAR_SCREEN}"
    f"{C1_CSI}red {RICH_LINK} [bold]loud[/bold] {RLO}gpj.exe"
)
NEVER_SHOWN = ("<script", "\x1b", "\x9b", "\x9d", RLO, "javascript:")


# --- one set of functions neutralises the public's text wherever it is shown -------------


def test_plain_text_keeps_the_words_and_drops_every_trick():
    assert plain(HOSTILE_TITLE) == (
        "alert(1) Lincolnshire Police click me red [link=http://evil.example/]x[/link] "
        "[bold]loud[/bold] gpj.exe"
    )
    assert plain("a\x1b]0;window title\x07b\x1b[31;1mc\x9d8;;x\x9cd\x85e") == "abcd e"
    assert plain("unterminated \x1b]8;;http://evil.example/ rest") == "unterminated"
    assert plain(None) == "" and plain("  \n\t ") == ""


def printed(text: str, *, terminal: bool) -> str:
    out = io.StringIO()
    Console(file=out, force_terminal=terminal, width=400).print(text, soft_wrap=True)
    return out.getvalue()


def test_console_text_is_escaped_so_rich_shows_markup_as_typed():
    assert printed(f"title: {for_console(HOSTILE_TITLE)}", terminal=False) == (
        f"title: {plain(HOSTILE_TITLE)}\n"
    )
    in_a_terminal = printed(f"title: {for_console(HOSTILE_TITLE)}", terminal=True)
    assert "\x1b]" not in in_a_terminal  # no OSC 8 hyperlink, the post's or rich's
    assert "\x1b[2J" not in in_a_terminal and RLO not in in_a_terminal


def test_neutral_clips_and_safe_link_refuses_non_web_links():
    assert neutral(HOSTILE_TITLE, 30) == "alert(1) Lincolnshire Police…"
    for bad in (
        "javascript:alert(1)",
        "data:,x",
        "http://evil\x1b]8;;/",
        "http://a]b/",
        "//x.example",
    ):
        assert safe_link(bad) is None, bad


@pytest.mark.long
@pytest.mark.elasticsearch
def test_earshot_stats_prints_a_hostile_source_name_as_inert_text(es):
    ensure_indices(es)
    index_mentions(es, [mention(1, source=f"news {CLEAR_SCREEN}{RICH_LINK}{RLO}")])
    es.indices.refresh(index=MENTIONS)
    result = subprocess.run(
        [EARSHOT, "stats"],
        capture_output=True,
        text=True,
        env={**os.environ, "COLUMNS": "200"},
    )
    assert result.returncode == 0, result.stderr
    assert "Mentions indexed: 1" in result.stdout
    assert "news [link=http://evil.example/]x[/link]" in result.stdout  # shown, not obeyed
    for never in NEVER_SHOWN:
        assert never not in result.stdout, repr(never)


@pytest.mark.elasticsearch
def test_demo_lists_show_hostile_titles_and_links_as_inert_text(es):
    """`earshot demo` prints these lists from the store after collecting."""
    ensure_indices(es)
    hostile = mention(1, score=-0.8).model_copy(
        update={"title": HOSTILE_TITLE, "url": "javascript:alert(document.cookie)"}
    )
    index_mentions(es, [hostile, mention(2, score=-0.6)])
    es.indices.refresh(index=MENTIONS)
    for terminal in (False, True):
        out = io.StringIO()
        console = Console(file=out, force_terminal=terminal, width=400)
        print_counts(console, mention_counts(es))
        print_most_negative(console, most_negative(es))
        print_response_queue(console, response_queue(es))
        shown = out.getvalue()
        assert "Lincolnshire Police click me red" in shown
        assert "no link" in shown and "https://news.example/2" in shown
        assert "\x1b]" not in shown and "\x1b[2J" not in shown and "\x9b" not in shown
        for never in ("<script", RLO, "javascript:"):
            assert never not in shown, repr(never)
        if not terminal:
            assert "\x1b" not in shown
            assert RICH_LINK in shown and "[bold]loud[/bold]" in shown


# --- XML entity tricks in feeds are refused before any parser sees them --------------------

ITEM = "<item><title>{title}</title><link>https://news.example/1</link></item>"


def feed(doctype: str, title: str, encoding: str = "utf-8") -> bytes:
    text = (
        f'<?xml version="1.0" encoding="{encoding}"?>\n{doctype}\n'
        '<rss version="2.0"><channel><title>t</title><link>https://news.example/</link>'
        f"<description>d</description>{ITEM.format(title=title)}</channel></rss>"
    )
    return text.encode(encoding)


LAUGHS = "\n".join(
    [
        "<!DOCTYPE lolz [",
        '<!ENTITY lol "lol">',
        *(f'<!ENTITY lol{i} "{("&lol%s;" % (i - 1 or "")) * 10}">' for i in range(1, 10)),
        "]>",
    ]
)
QUADRATIC = f'<!DOCTYPE r [\n<!ENTITY a "{"A" * 50_000}">\n]>'
ENTITY_ATTACKS = {
    "billion-laughs": feed(LAUGHS, "&lol9;"),
    "quadratic-blowup": feed(QUADRATIC, "&a;" * 30_000),
    "quadratic-blowup-utf-16": feed(QUADRATIC, "&a;" * 30_000, encoding="utf-16"),
    "external-entity": feed(
        '<!DOCTYPE r [\n<!ENTITY xxe SYSTEM "file:///etc/passwd">\n]>', "news &xxe;"
    ),
    "external-entity-utf-32": feed(
        '<!DOCTYPE r [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>', "&xxe;", encoding="utf-32"
    ),
    "parameter-entity": feed(
        '<!DOCTYPE r [\n<!ENTITY % p SYSTEM "file:///etc/passwd">\n%p;\n]>', "news"
    ),
}


def listen(routes: dict[str, Route], path: str = "/feed", max_bytes: int = 5_000_000):
    with FeedServer(routes) as server:
        source = RssSource(kind="rss", name="hostile", url=server.url(path), max_bytes=max_bytes)
        return RssListener(source, now=NOW).listen({})


@pytest.mark.parametrize("attack", ENTITY_ATTACKS, ids=list(ENTITY_ATTACKS))
def test_feeds_declaring_entities_are_refused_naming_the_feed(attack):
    with pytest.raises(ListenerError) as refused:
        # no charset in the Content-Type: the feed's own declaration names its encoding
        listen({"/feed": Route(ENTITY_ATTACKS[attack], "application/rss+xml")})
    assert "source 'hostile'" in str(refused.value)
    assert "declares XML entities; refused" in str(refused.value)
    assert "root:" not in str(refused.value)


def test_an_external_dtd_is_never_fetched():
    """Old RSS 0.91 feeds point at a DTD; the feed is read, the DTD is not fetched."""
    with FeedServer({}) as dtd_host:
        dtd = dtd_host.url("/evil.dtd")
        body = feed(f'<!DOCTYPE rss SYSTEM "{dtd}">', "Lincolnshire Police appeal")
        heard = listen({"/feed": Route(body)})
        assert dtd_host.requests == []
    [m] = heard.mentions
    assert m.title == "Lincolnshire Police appeal"


@pytest.mark.parametrize("encoding", ["utf-8", "utf-16"])
def test_an_author_field_of_megabytes_is_cut_before_parsing_keeping_the_item(encoding):
    """feedparser's e-mail search in author fields is quadratic: 100 kB would hold the task
    for minutes. The field is cut to AUTHOR_CHARS first; the rest of the item is untouched."""
    author = "é" + "a" * 100_000
    text = (
        feed("", "Lincolnshire Police appeal")
        .decode()
        .replace("<title>Lincolnshire", f"<author>{author}</author><title>Lincolnshire")
    )
    body = text.replace('encoding="utf-8"', f'encoding="{encoding}"').encode(encoding)
    [m] = listen({"/feed": Route(body, "application/rss+xml")}).mentions
    assert m.title == "Lincolnshire Police appeal"
    assert m.author == author[:AUTHOR_CHARS]


# --- an oversized response is never read past the cap ------------------------------------

CAP = 100_000
SMALL_FEED = rss([{"title": "Lincolnshire Police appeal", "link": "https://news.example/1"}])


@contextmanager
def raw_server(respond: Callable[[BaseHTTPRequestHandler], None]) -> Iterator[str]:
    """A loopback server that answers with whatever bytes `respond` writes: for the lies
    (wrong Content-Length, endless bodies) FeedServer is too honest to tell."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            # the client stopping reading is what the cap is for
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                respond(self)

        do_POST = do_GET  # token endpoints: the request body is left unread

        def log_message(self, format: str, *args) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}/feed"
    finally:
        httpd.shutdown()
        httpd.server_close()


def head(handler: BaseHTTPRequestHandler, *headers: tuple[str, str]) -> None:
    handler.send_response(200)
    handler.send_header("Content-Type", "application/rss+xml")
    for name, value in headers:
        handler.send_header(name, value)
    handler.end_headers()


def endless(handler: BaseHTTPRequestHandler, chunk: bytes) -> None:
    """Up to 1 GB: far past any cap (a client that ignored the cap would not finish)."""
    for _ in range(1_000_000_000 // len(chunk)):
        handler.wfile.write(chunk)


def read(url: str) -> bytes:
    return fetch(url, {}, timeout=10, max_bytes=CAP).body


def test_endless_body_without_content_length_is_cut_off_at_the_cap():
    def respond(handler):
        head(handler)
        handler.wfile.write(SMALL_FEED[:-20])
        endless(handler, b"<item><title>x</title></item>" * 1000)

    with raw_server(respond) as url, pytest.raises(FetchError) as refused:
        read(url)
    assert f"over the {CAP}-byte cap; stopped reading" in str(refused.value)


def test_declared_length_over_the_cap_is_refused_unread():
    def respond(handler):
        head(handler, ("Content-Length", str(CAP * 1000)))
        endless(handler, b" " * 65_536)

    with raw_server(respond) as url, pytest.raises(FetchError) as refused:
        read(url)
    assert f"of {CAP * 1000} bytes is over the {CAP}-byte cap; not read" in str(refused.value)


def test_a_short_declared_length_is_all_that_is_read():
    """A server that says 'n bytes' then sends more: the rest is never parsed as the feed."""

    def respond(handler):
        head(handler, ("Content-Length", str(len(SMALL_FEED))))
        handler.wfile.write(SMALL_FEED + b"<item><title>SMUGGLED</title></item>" * 10_000)

    with raw_server(respond) as url:
        body = read(url)
    assert body == SMALL_FEED


def test_a_long_declared_length_with_a_short_body_fails_cleanly():
    def respond(handler):
        head(handler, ("Content-Length", str(len(SMALL_FEED) + 500)))
        handler.wfile.write(SMALL_FEED)

    with raw_server(respond) as url, pytest.raises(FetchError) as failed:
        read(url)
    assert "could not fetch" in str(failed.value)


def test_a_server_dripping_bytes_is_cut_off_at_the_whole_response_deadline():
    """A byte every 0.2 s never trips the 0.5 s per-read timeout; the whole response must
    still arrive within four times it."""

    def respond(handler):
        head(handler)
        for byte in SMALL_FEED[:100]:  # 20 s at most, if the client never stopped reading
            handler.wfile.write(bytes([byte]))
            time.sleep(0.2)

    with raw_server(respond) as url, pytest.raises(FetchError) as refused:
        fetch(url, {}, timeout=0.5, max_bytes=CAP)
    assert "still arriving after 2s; stopped reading" in str(refused.value)


@pytest.mark.parametrize("status", [500, 401, 403, 429])
def test_an_error_whose_body_drips_is_cut_off_at_the_whole_response_deadline(status: int):
    """An error answer is bounded like a success: the server sees the client hang up after
    about the deadline's worth of bytes, not after all 100 (20 s of dripping)."""
    sent: list[int] = []

    def respond(handler):
        handler.send_response(status)
        handler.send_header("Content-Type", "application/json")
        handler.end_headers()
        for byte in b'{"error": "' + b"x" * 100:
            handler.wfile.write(bytes([byte]))
            handler.wfile.flush()
            sent.append(byte)
            time.sleep(0.2)

    with raw_server(respond) as url:
        with pytest.raises(FetchError) as refused:
            fetch(url, {}, timeout=0.5, max_bytes=CAP)
        time.sleep(1)  # the server's next writes meet the closed connection
    assert f"HTTP {status}" in str(refused.value)
    assert len(sent) < 50, f"the client read {len(sent)} dripped bytes of an error body"


def test_credentials_a_server_echoes_back_in_an_error_are_blanked():
    """A token endpoint that refuses and echoes the request's headers (the probe's Reddit
    case): the error kept for the reason holds neither the Basic header nor the secret."""
    basic = base64.b64encode(b"app-id:s3cret-K2v").decode()

    def respond(handler):
        sent = handler.headers["Authorization"].split()[1]
        echoed = json.dumps(
            {"error": "unauthorized", "echo": dict(handler.headers), "as": b64decode(sent).decode()}
        ).encode()
        handler.send_response(401)
        handler.send_header("Content-Length", str(len(echoed)))
        handler.end_headers()
        handler.wfile.write(echoed)

    with raw_server(respond) as url, pytest.raises(FetchError) as refused:
        post_json(url, data={}, headers={"Authorization": f"Basic {basic}"}, timeout=5)
    kept = refused.value.body.decode() + str(refused.value)
    assert "unauthorized" in kept
    assert basic not in kept and "s3cret-K2v" not in kept


def test_a_token_endpoint_answering_without_end_is_cut_off_at_its_cap():
    def respond(handler):
        head(handler)
        handler.wfile.write(b'{"access_token": "')
        endless(handler, b"A" * 65_536)

    with raw_server(respond) as url, pytest.raises(FetchError) as refused:
        post_json(url, data={"grant_type": "client_credentials"}, timeout=10, as_form=True)
    assert f"over the {TOKEN_ANSWER_BYTES}-byte cap" in str(refused.value)


def test_gzip_that_expands_past_the_cap_is_refused_without_inflating_it():
    """64 MB of zeros in 65 kB of gzip, length not declared: stopped at the cap, and
    memory stays near it (httpx's own decoder inflates each network chunk whole first)."""
    deflater = zlib.compressobj(9, zlib.DEFLATED, zlib.MAX_WBITS | 16)
    zeros = bytes(1 << 20)
    bomb = b"".join(deflater.compress(zeros) for _ in range(64)) + deflater.flush()

    def respond(handler):
        head(handler, ("Content-Encoding", "gzip"))
        handler.wfile.write(bomb)

    with raw_server(respond) as url:
        tracemalloc.start()
        try:
            with pytest.raises(FetchError) as refused:
                read(url)
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
    assert f"over the {CAP}-byte cap; stopped reading" in str(refused.value)
    assert peak < 8 * 1024 * 1024, f"{peak:,} bytes held while reading"


def test_gzip_feeds_are_read_and_counted_after_inflating():
    packed = gzip.compress(SMALL_FEED)

    def respond(handler):
        head(handler, ("Content-Encoding", "gzip"), ("Content-Length", str(len(packed))))
        handler.wfile.write(packed)

    with raw_server(respond) as url:
        assert read(url) == SMALL_FEED


def test_an_oversized_feed_is_refused_naming_it_and_nothing_partial_is_kept():
    """Refused, not truncated: a cut-off feed would save a cursor past items never read."""
    items = [{"title": f"Police {i}", "link": f"https://n.example/{i}"} for i in range(3000)]
    with pytest.raises(ListenerError) as refused:
        listen({"/feed": Route(rss(items))}, max_bytes=CAP)
    assert "source 'hostile'" in str(refused.value)
    assert f"over the {CAP}-byte cap" in str(refused.value)


# --- a crafted text costs what an ordinary one does --------------------------------------

# Each of these took from 5 s to over three minutes (on the development machine) while a
# regex tried every way to split a run of spaces between two of its whitespace steps, or
# began a word at each "!" of a run, or VADER read 2,000 emoji as 12,000 words: one such post
# held a source's whole run. Now each costs about what an ordinary post of the same length
# does. Held as a ratio to that ordinary post, timed in the same process moments before, not
# as seconds: a loaded machine slows both alike, and the least of three tries of each is
# taken. Before, the ratios were over 100; now at most about 5.
AT_MOST_TIMES_ORDINARY = 20
TRIES = 3
HANG_SECONDS = 600  # a child still at work then is stuck, whatever the machine
RUN = " " * (MAX_CHARS - 100)
ORDINARY = (
    "Lincolnshire Police appeal for witnesses after a burglary on Monks Road in Lincoln. "
    * (MAX_CHARS // 84)
)
CRAFTED_TEXTS: dict[str, tuple[str, dict[str, bool]]] = {
    "spaces after 'he has previous'": (f"he has previous{RUN}x", {}),
    "spaces after 'wants' (a threat's opening)": (f"brick wants{RUN}x", {}),
    "spaces after 'dead police'": (f"dead police{RUN}x", {}),
    "spaces after 'theft of' (a topic's opening)": (f"theft of{RUN}x", {}),
    "spaces after a place name": (f"Lincolnshire Police in Lincoln{RUN}x", {}),
    "a run of '!' after a victim's words": (f"victim attacked reported girl {'!' * MAX_CHARS}", {}),
    "a news report of cat emoji": (
        "Police " + "\N{GRINNING CAT FACE WITH SMILING EYES}" * MAX_CHARS,
        {"news": True},
    ),
    "a reply of cat emoji": (
        "\N{GRINNING CAT FACE WITH SMILING EYES}" * MAX_CHARS,
        {"is_reply": True},
    ),
}


def enrich_crafted() -> None:
    """Run in a child process (a regex stuck in the C matcher cannot be interrupted), all
    in one so the models load once: for each crafted text, the seconds an ordinary post of
    the same length takes, then the crafted one, each the same way (as a reply, as news)."""
    enricher = Enricher.for_profile(load_profile(DEFAULT_PROFILE))
    for text, how in CRAFTED_TEXTS.values():

        def enrich(words: str, how: dict[str, bool] = how) -> None:
            enricher.enrich(text_mention(words, id="1", source="hostile", now=NOW), **how)

        enrich(ORDINARY)  # models loaded and warm: none of that is timed
        print(least_seconds(enrich, ORDINARY), least_seconds(enrich, text), flush=True)


# Feeds, Mastodon, Disqus and YouTube comments all pass their HTML through `plain_text`.
# html.parser (Python 3.11.7, Debian's 3.11.2) took quadratic time on unfinished markup: 60 kB
# of "<a " took 30 s, and each of these 100 to 1,000 times what ordinary HTML did. 1 MB of
# adjacent tags took a minute while a regex scanned a run of spaces from each of its spaces.
# libxml2, which reads it now, looks each end tag up through every element still open.
CRAFTED_HTML = {
    "adjacent tags": " <a>" * 250_000,
    "unfinished start tags": "<a " * 5_000,
    "unfinished processing instructions": "<?" * 200_000,
    "unfinished end tags": "</" * 200_000,
    "unfinished comments": "<!--" * 25_000,
    "elements left open, then end tags closing none": "<b>" * 71_000 + "</i>" * 71_000,
}
ORDINARY_HTML = "<p>Police appeal for witnesses</p>\n"


def read_crafted_html() -> None:
    """Run in a child process, as `enrich_crafted`: for each crafted HTML, ordinary HTML of
    the same length, then the crafted one."""
    for crafted in CRAFTED_HTML.values():
        ordinary = (ORDINARY_HTML * (len(crafted) // len(ORDINARY_HTML) + 1))[: len(crafted)]
        print(least_seconds(plain_text, ordinary), least_seconds(plain_text, crafted), flush=True)


def least_seconds(call: Callable[[str], object], text: str) -> float:
    """The least of TRIES timings: what the work costs, less the machine's other load."""
    taken = []
    for _ in range(TRIES):
        started = time.perf_counter()
        call(text)
        taken.append(time.perf_counter() - started)
    return min(taken)


def times_ordinary(call: str) -> list[float]:
    """How many times as long each crafted input took as the ordinary one in `call` (a
    function of this module, run in a child process), one a line; printed with both."""
    try:
        done = subprocess.run(
            [sys.executable, "-c", f"from {__name__} import *; {call}"],
            capture_output=True,
            text=True,
            cwd=Path(__file__).parents[2],
            timeout=HANG_SECONDS,
            check=True,
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"{call} still at work after {HANG_SECONDS} s: stuck")
    ratios = []
    for line in done.stdout.splitlines():
        ordinary, crafted = map(float, line.split())
        ratios.append(crafted / max(ordinary, 1e-4))
        print(f"{call}: ordinary {ordinary:.3f} s, crafted {crafted:.3f} s ({ratios[-1]:.1f}x)")
    return ratios


@pytest.fixture(scope="module")
def crafted_ratios() -> dict[str, float]:
    return dict(zip(CRAFTED_TEXTS, times_ordinary("enrich_crafted()"), strict=True))


@pytest.mark.long
@pytest.mark.parametrize("name", CRAFTED_TEXTS, ids=list(CRAFTED_TEXTS))
def test_a_crafted_text_is_enriched_as_fast_as_an_ordinary_one(name: str, crafted_ratios):
    assert crafted_ratios[name] < AT_MOST_TIMES_ORDINARY


@pytest.fixture(scope="module")
def crafted_html_ratios() -> dict[str, float]:
    return dict(zip(CRAFTED_HTML, times_ordinary("read_crafted_html()"), strict=True))


@pytest.mark.parametrize("name", CRAFTED_HTML, ids=list(CRAFTED_HTML))
def test_crafted_html_is_read_as_fast_as_ordinary_html(name: str, crafted_html_ratios):
    assert crafted_html_ratios[name] < AT_MOST_TIMES_ORDINARY
