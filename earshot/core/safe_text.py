"""The public's words made safe to show: one set of functions for every place Earshot shows
text someone else wrote (digest, alerts, webhooks, the terminal).

A post is data, never instructions to whatever displays it. So shown text is plain and one
line: no terminal escape sequences (ESC [ … colours and screen clearing, ESC ] … OSC 8
hyperlinks and window titles, their 8-bit C1 forms), no control or direction-changing
characters (a right-to-left override can make "gpj.exe" read "exe.jpg"), and nothing
tag-like (`<script>`, `<img onerror=…>`).

Which function where:
- `plain(text)`: the base everything else builds on; the text stays whole.
- `neutral(text, limit)`: `plain`, clipped to `limit` on a word boundary, with a wrap point
  in long unbroken runs. For emails and anything a reader scans.
- `for_console(text)`: `plain`, then Rich console markup escaped, so `[link=…]x[/link]` or
  `[bold]` in a post prints as those characters. For every `console.print` of public text.
- `safe_link(url)`: only http(s) links, or None. A `javascript:` or `data:` URL must never
  become something a reader can click.
- Webhooks (Slack mrkdwn, Teams/Discord markdown): start from `neutral`, then defuse that
  format's own link and mention syntax (`<url|text>`, `[text](url)`, `<!channel>`,
  `@everyone`) in the webhook module; those rules belong to the format, not here.
"""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import urlsplit

from rich.markup import escape

# ECMA-48: CSI (ESC [ or 0x9b) parameters, intermediates, final byte; OSC/DCS/APC/PM/SOS
# strings (ESC ] P _ ^ X, or 0x9d 0x90 0x9f 0x9e 0x98) up to BEL or ST (ESC \ or 0x9c), or
# to the end when a post leaves one open; any other two-character ESC sequence.
_TERMINAL_SEQUENCE = re.compile(
    r"(?:\x1b\[|\x9b)[0-?]*[ -/]*[@-~]?"
    r"|(?:\x1b[\]P_^X]|[\x9d\x90\x9f\x9e\x98])[^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?"
    r"|\x1b[ -~]?"
)
_HIDDEN = {"Cc", "Cf", "Cs", "Co"}  # controls (C0, C1), format (bidi, zero-width), surrogates
_LINE_CHARS = "\t\n\v\f\r\x1c\x1d\x1e\x85\u2028\u2029"
_MARKUP = re.compile(r"<[^<>]{0,500}>")
_SPACE = re.compile(r"\s+")
_LONG_RUN = re.compile(r"\S{30}(?=\S)")
BREAK = "\u200b"  # zero-width space: where a mail client may wrap a long unbroken run
JUDGED_CHARS_PER_LIMIT = 4  # a 1 MB post is judged by its start
# How much of a public post an email (digest, alert) carries: a title, a short clip.
TITLE_CHARS = 160
SNIPPET_CHARS = 240


def plain(text: str | None) -> str:
    """One line of plain text: terminal sequences, controls, direction marks and tags gone."""
    if not text:
        return ""
    text = _TERMINAL_SEQUENCE.sub("", text)
    text = "".join(
        " " if ch in _LINE_CHARS else ch
        for ch in text
        if ch in _LINE_CHARS or unicodedata.category(ch) not in _HIDDEN
    )
    return _SPACE.sub(" ", _MARKUP.sub(" ", text)).strip()


def neutral(text: str | None, limit: int) -> str:
    """Plain, one-line, at most `limit` characters, clipped on a word boundary, with a place
    to wrap every 30 characters of an unbroken run, so that no "word" (a pasted URL, a wall
    of AAAA) can widen an email past the reader's screen."""
    text = plain((text or "")[: limit * JUDGED_CHARS_PER_LIMIT])
    if len(text) > limit:
        cut = text[: limit - 1]
        if text[limit - 1] != " " and " " in cut[limit // 2 :]:
            cut = cut.rsplit(" ", 1)[0]  # end on a whole word when one ends late enough
        text = cut.rstrip() + "…"
    return _LONG_RUN.sub(lambda run: run.group(0) + BREAK, text)


def for_console(text: str | None) -> str:
    """Plain text to put inside a Rich `console.print` string: its markup is escaped."""
    return escape(plain(text))


def safe_link(url: str | None) -> str | None:
    """Only web links: a feed can carry `javascript:` or `data:` URLs, which must not
    become something a reader can click."""
    if not url:
        return None
    url = url.strip()
    if any(ch.isspace() or unicodedata.category(ch) in {"Cc", "Cf"} for ch in url):
        return None
    try:
        parts = urlsplit(url)
    except ValueError:  # "http://a]b": a bracket where only an IPv6 address may have one
        return None
    if parts.scheme.lower() not in {"http", "https"} or not parts.netloc:
        return None
    return url
