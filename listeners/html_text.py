"""Plain text out of the HTML that feeds carry, so analysts and enrichers see words, not markup."""

from __future__ import annotations

import re
from html.parser import HTMLParser

_SKIPPED = {"script", "style", "noscript", "template", "head"}
_BREAKS = {"p", "br", "div", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote"}
_WHITESPACE = re.compile(r"\s+")
# From the first space of a run only: tried from each space of a long run of them (which
# adjacent tags leave: "<b> </b><b> </b>…"), " *\n" would rescan the run each time.
_LINE_BREAKS = re.compile(r"(?<! ) *\n[\n ]*")


class _TextCollector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skipping = 0

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag in _SKIPPED:
            self.skipping += 1
        elif tag in _BREAKS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIPPED and self.skipping:
            self.skipping -= 1
        elif tag in _BREAKS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            self.parts.append(_WHITESPACE.sub(" ", data))


def plain_text(html: str) -> str:
    collector = _TextCollector()
    collector.feed(html)
    collector.close()
    return _LINE_BREAKS.sub("\n", "".join(collector.parts)).strip()
