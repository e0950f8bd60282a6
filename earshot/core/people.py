"""The public's names and handles, taken out of text wherever Earshot must not keep or show
them: in the digest always, and in the store when the profile's `privacy.hide_handles` says so.

The force's own handles stay: they name the force, not a person.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

AUTHOR_WITHHELD = "[author]"
HANDLE_WITHHELD = "@[handle]"
HANDLE_ERASED = "@[erased]"

# @name, @jane-doe (YouTube), @jane-doe.bsky.social, @name@my-instance.example. Hyphens sit
# inside a label only: a dash or a dot ending the sentence is not the handle's.
_LABEL = r"\w(?:[\w-]*\w)?"
_HANDLE = re.compile(rf"(?<![\w@.])@{_LABEL}(?:\.{_LABEL})*(?:@{_LABEL}(?:\.{_LABEL})*)?")


def without_people(text: str, *, author: str | None, force_handles: Iterable[str]) -> str:
    """The text with its author's name (as a whole word) and the public's @handles taken out.
    An author given as a handle is left to the handle rule, so the force's own stay."""
    if author and len(author.strip()) > 1 and not author.strip().startswith("@"):
        name = re.escape(author.strip())
        text = re.sub(rf"(?<!\w){name}(?!\w)", AUTHOR_WITHHELD, text, flags=re.IGNORECASE)
    own = {h.lower().split("@")[1] for h in force_handles if h.startswith("@")}
    return _HANDLE.sub(
        lambda m: m.group(0) if m.group(0)[1:].split("@")[0].lower() in own else HANDLE_WITHHELD,
        text,
    )


def without_handles(text: str, erased: Iterable[str]) -> str:
    """The text with the erased people's @handles (bare, lower-cased) replaced, whole and in
    any case: `@jane_doer` or `@jane_doe@other.example` is someone else and stays."""
    gone = frozenset(erased)
    return _HANDLE.sub(
        lambda m: HANDLE_ERASED if m.group(0)[1:].lower() in gone else m.group(0), text
    )


def handle_words(handles: Iterable[str]) -> list[str]:
    """The words Elasticsearch's text analyser makes of the handles (bare, lower-cased),
    to find the texts naming them: it keeps `@jane_doe's complaint`'s `jane_doe's` one
    word, straight or curly apostrophe, where a search for `jane_doe` misses it."""
    return [handle + ending for handle in sorted(handles) for ending in ("", "'s", "\u2019s")]
