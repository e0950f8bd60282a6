"""Plain text out of the HTML that feeds carry, so analysts and enrichers see words, not markup.

libxml2 (through lxml) reads the markup, not the standard library's html.parser: on Python
3.11.7 and Debian's 3.11.2 (mended only in some later security releases) html.parser takes
quadratic time on unfinished markup ("<a " or "</" repeated), so one crafted comment held a
collect task for minutes. libxml2 reads markup in one pass, but looks an end tag up through
every element still open: thousands left open, then thousands of end tags that close none of
them, would be quadratic again, so no document is read more than _MAX_DEPTH elements deep.
"""

from __future__ import annotations

import re

from lxml import etree

_SKIPPED = {"script", "style", "noscript", "template", "head"}
_BREAKS = {"p", "br", "div", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote"}
_WHITESPACE = re.compile(r"\s+")
# libxml2 drops an end tag that closes nothing, but the words either side of a stray </p> or
# </div> are still two lines ("Lincoln</div>Police"): a <br> before each such end tag keeps
# them apart (after a real one, the line it adds is empty and dropped).
_BLOCK_ENDS = re.compile(rf"</(?:{'|'.join(sorted(_BREAKS))})\b", re.IGNORECASE)
# libxml2 is handed UTF-8, which has no form for half a surrogate pair (JSON may carry one).
_LONE_SURROGATES = re.compile("[\ud800-\udfff]")
# The limit libxml2 itself puts on XML; no post or article nests near it. Past it, the rest
# is read as a new document from the next piece on: the pieces end before a "<", so the new
# document starts at a tag.
_MAX_DEPTH = 256
_PIECES = re.compile(r".{1,512}[^<]*", re.DOTALL)


class _TextCollector:
    """lxml's parser target: called for each tag and run of text as libxml2 reads, so no tree
    is built. Comments and processing instructions have no method here: they are dropped."""

    def __init__(self) -> None:
        self.lines: list[list[str]] = [[]]
        self.skipping = 0
        self.depth = 0

    def start(self, tag: str, attrib: dict) -> None:
        self.depth += 1
        if tag in _SKIPPED:
            self.skipping += 1
        elif tag in _BREAKS:
            self.lines.append([])

    def end(self, tag: str) -> None:
        self.depth -= 1  # libxml2 closes every element it opened, in order
        if tag in _SKIPPED:
            self.skipping -= 1
        elif tag in _BREAKS:
            self.lines.append([])

    def data(self, data: str) -> None:
        if not self.skipping:
            self.lines[-1].append(data)

    def close(self) -> None:
        """Each document's end: libxml2 has closed all it opened (lxml requires the method)."""

    def text(self) -> str:
        lines = (_WHITESPACE.sub(" ", "".join(line)).strip() for line in self.lines)
        return "\n".join(line for line in lines if line)


def plain_text(html: str) -> str:
    """The words of `html`, a line per block (paragraph, list item, heading …), entities
    decoded; "" for nothing at all."""
    collector = _TextCollector()
    parser = etree.HTMLParser(target=collector)
    markup = _BLOCK_ENDS.sub(r"<br>\g<0>", _LONE_SURROGATES.sub("\ufffd", html))
    parser.feed("")  # an empty document is still one: closing a parser fed nothing fails
    for piece in _PIECES.findall(markup):
        parser.feed(piece)
        if collector.depth > _MAX_DEPTH:
            parser.close()
            parser.feed("")
    parser.close()
    return collector.text()
