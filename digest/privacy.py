"""What of the public's words a digest may carry, and in what shape.

A digest is forwarded, printed and kept, so it holds less than Kibana does: no author
names or handles of members of the public (monitoring mentions of the force must not
drift into watching people), no words at all from risk-flagged mentions, only short
clips of anything else, and nothing that can act as markup or fake the email's layout.
"""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import urlsplit

from earshot.profile import Profile

TITLE_CHARS = 160
SNIPPET_CHARS = 240
AUTHOR_WITHHELD = "[author]"
HANDLE_WITHHELD = "@[handle]"

_HANDLE = re.compile(r"(?<![\w@])@[\w.]+(?:@[\w.-]+)?")
_MARKUP = re.compile(r"<[^<>]{0,500}>")
_SPACE = re.compile(r"\s+")
_LONG_RUN = re.compile(r"\S{30}(?=\S)")
BREAK = "\u200b"  # zero-width space: where a mail client may wrap a long unbroken run


def authors_allowed(profile: Profile) -> bool:
    """Whether the digest may name authors. The profile has no setting for it yet, so the
    answer is no; when one is added (say `digest.show_authors`), read it here."""
    del profile
    return False


def neutral(text: str | None, limit: int) -> str:
    """Plain, one-line, at most `limit` characters: control and direction-changing characters
    and anything tag-like removed, whitespace collapsed, clipped on a word boundary, and a
    place to wrap every 30 characters of an unbroken run, so that no "word" (a pasted URL,
    a wall of AAAA) can widen the email past the reader's screen."""
    if not text:
        return ""
    text = text[: limit * 4]  # a 1 MB post is judged by its start, here too
    text = "".join(
        " " if ch in "\t\r\n\f\v" else ch
        for ch in text
        if unicodedata.category(ch) not in {"Cc", "Cf", "Cs", "Co"} or ch in "\t\r\n\f\v"
    )
    text = _SPACE.sub(" ", _MARKUP.sub(" ", text)).strip()
    if len(text) > limit:
        cut = text[: limit - 1]
        if text[limit - 1] != " " and " " in cut[limit // 2 :]:
            cut = cut.rsplit(" ", 1)[0]  # end on a whole word when one ends late enough
        text = cut.rstrip() + "…"
    return _LONG_RUN.sub(lambda run: run.group(0) + BREAK, text)


def without_people(text: str, *, author: str | None, force_handles: list[str]) -> str:
    """The text with its author's name and the public's @handles taken out; the force's
    own handles stay, since they name the force, not a person."""
    if author and len(author.strip()) > 1:
        text = re.sub(re.escape(author.strip()), AUTHOR_WITHHELD, text, flags=re.IGNORECASE)
    own = {h.lower().split("@")[1] for h in force_handles if h.startswith("@")}
    return _HANDLE.sub(
        lambda m: m.group(0) if m.group(0)[1:].split("@")[0].lower() in own else HANDLE_WITHHELD,
        text,
    )


def safe_link(url: str | None) -> str | None:
    """Only web links: a feed can carry `javascript:` or `data:` URLs, which must not
    become something a reader can click."""
    if not url:
        return None
    url = url.strip()
    parts = urlsplit(url)
    if parts.scheme.lower() not in {"http", "https"} or not parts.netloc:
        return None
    if any(ch.isspace() or unicodedata.category(ch) in {"Cc", "Cf"} for ch in url):
        return None
    return url
