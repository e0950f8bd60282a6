"""The kept digests as governance sees them: how long one is kept, and what an erasure
does to one that quoted an erased post. Governance composes `RETENTION` and
`redact_quotes` with the other kinds' rules; only this package knows a digest's shape.

A digest's words are clipped and cleaned when rendered, so they cannot be matched back to
a post reliably; its link can, and a post with no web link is matched by the day the digest
covered, erring towards removing. A digest that quoted one has its text and HTML replaced
by a note, keeping its figures and charts, which are counts.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

from elasticsearch import Elasticsearch, helpers

from earshot.core.safe_text import safe_link
from earshot.digest.archive import DIGESTS
from earshot.store.keeping import Erasing, Redaction, RetentionRule, older_than

RETENTION = RetentionRule("digests", DIGESTS, lambda r: r.digests_days, older_than("period.end"))


def redact_quotes(es: Elasticsearch, erasing: Erasing) -> Redaction:
    quoting = _quoting(es, erasing) if es.indices.exists(index=DIGESTS) else set()
    note = (
        f"Earshot removed the text of this digest on {datetime.now(UTC):%Y-%m-%d}: it quoted "
        "a post erased at its author's request. Its figures and charts are kept."
    )
    redacted = {"text": note, "html": f"<!doctype html><html><body><p>{note}</p></body></html>"}
    return Redaction(
        "digest", DIGESTS, dict.fromkeys(sorted(quoting), redacted), {"digests": len(quoting)}
    )


def _quoting(es: Elasticsearch, erasing: Erasing) -> set[str]:
    es.indices.refresh(index=DIGESTS)
    # A digest's text puts each listed post's link on a line of its own: match it whole, so
    # erasing .../post/1 leaves a digest that listed .../post/12 alone.
    links = sorted(link for link in map(safe_link, erasing.links) if link)
    linked = re.compile("|".join(rf"(?<!\S){re.escape(link)}(?!\S)" for link in links) or "(?!)")
    unlinked = [m.published for m in erasing.mentions if not safe_link(m.link)]
    quoting = set()
    for hit in helpers.scan(es, index=DIGESTS, _source_includes=["period", "text"]):
        doc = hit["_source"]
        start = datetime.fromisoformat(doc["period"]["start"])
        end = datetime.fromisoformat(doc["period"]["end"])
        if linked.search(doc.get("text") or "") or any(start <= p < end for p in unlinked):
            quoting.add(hit["_id"])
    return quoting
