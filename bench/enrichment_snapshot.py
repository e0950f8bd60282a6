"""Every field enrichment gives, for every labelled and bench text, saved or compared.

A speed-up to enrichment must not change one output: save a snapshot before the change,
compare after it. Each text is enriched as a post and as a reply to the force (replies take
other paths in relevance and toward_force), once more with a title and a link, and that
once more as a news report (its tone toward the force read by the news model).

    python -m bench.enrichment_snapshot save /tmp/before.json
    python -m bench.enrichment_snapshot compare /tmp/before.json
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, datetime
from pathlib import Path

from bench.enrichment import texts
from bench.evaluation import PUBLIC_TOWARD_TARGET, load_examples, text_mention
from earshot.core.paths import DEFAULT_PROFILE
from enrichment import Enricher
from listeners import load_profile

# Fixed, so two runs' snapshots differ only where enrichment does.
NOW = datetime(2026, 1, 1, tzinfo=UTC)


def all_texts() -> list[str]:
    """The bench texts (VADER tweets, police-labelled mentions) and the public news set."""
    return texts() + [e["text"] for e in load_examples(PUBLIC_TOWARD_TARGET)]


def snapshot() -> dict[str, dict]:
    enricher = Enricher.for_profile(load_profile(DEFAULT_PROFILE))
    out = {}
    for i, text in enumerate(all_texts()):
        for is_reply in (False, True):
            mention = text_mention(text, id=str(i), source="bench", now=NOW)
            out[f"{i}/reply={is_reply}"] = enricher.enrich(mention, is_reply=is_reply).model_dump(
                mode="json"
            )
        titled = text_mention(text, id=str(i), source="bench", now=NOW).model_copy(
            update={"title": text[:80], "url": f"https://www.example.org/{i}?utm_source=x"}
        )
        out[f"{i}/titled"] = enricher.enrich(titled).model_dump(mode="json")
        out[f"{i}/news"] = enricher.enrich(titled, news=True).model_dump(mode="json")
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("action", choices=("save", "compare"))
    parser.add_argument("path", type=Path)
    args = parser.parse_args()
    now = snapshot()
    if args.action == "save":
        args.path.write_text(json.dumps(now, sort_keys=True), encoding="utf-8")
        print(f"saved {len(now)} enriched mentions to {args.path}")
        return
    before = json.loads(args.path.read_text(encoding="utf-8"))
    changed = sorted(k for k in before.keys() | now.keys() if before.get(k) != now.get(k))
    for key in changed[:20]:
        old, new = before.get(key) or {}, now.get(key) or {}
        fields = sorted(f for f in old.keys() | new.keys() if old.get(f) != new.get(f))
        print(f"{key}: {', '.join(f'{f}: {old.get(f)!r} -> {new.get(f)!r}' for f in fields)}")
    print(f"{len(now)} enriched mentions, {len(changed)} differ from {args.path}")
    sys.exit(1 if changed else 0)


if __name__ == "__main__":
    main()
