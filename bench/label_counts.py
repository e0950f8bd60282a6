"""The counts tables of tests/data/README.md, from police_mentions.jsonl itself.

    python -m bench.label_counts   # prints the tables; paste them between the README's markers

A test holds the README to this output, so the counts a reader trusts are the data's.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable

from bench.evaluation import SPLITS, load_examples
from earshot.core.model import ResponseAction
from enrichment.risk import FLAGS
from enrichment.topics import LABELS

CAMPAIGNS = ["campaign:operation-nova", "campaign:bobby-bear"]

NONE = "(none)"


def source_set(row: dict) -> str:
    """`seed:000_….txt` and `davidson:123:retargeted` count under their set's name."""
    return row["source"].split(":", 1)[0]


# (table heading, the row's values for it, the order of values or None for sorted)
TABLES: list[tuple[str, Callable[[dict], Iterable[str]], list[str] | None]] = [
    ("source", lambda r: [source_set(r)], None),
    ("keep", lambda r: [str(r["keep"]).lower()] if "keep" in r else ["(not labelled)"], None),
    ("relevance", lambda r: [r["relevance"] or "(not kept)"] if "keep" in r else [], None),
    ("toward_force", lambda r: [r["toward_force"]], ["positive", "neutral", "negative"]),
    ("action", lambda r: [r["action"]], list(ResponseAction.__args__)),
    ("topic", lambda r: r["topics"] or [NONE], [*LABELS, *CAMPAIGNS]),
    ("risk_flag", lambda r: r["risk_flags"] or [NONE], list(FLAGS)),
    ("in_area", lambda r: [str(r["in_area"]).lower()], ["true", "false"]),
    ("is_reply", lambda r: [str(r["is_reply"]).lower()], ["true", "false"]),
    ("language", lambda r: [r["language"]], None),
    ("place", lambda r: r["places"], None),
]


def tables(rows: list[dict]) -> str:
    blocks = [_table("rows", lambda r: ["all"], ["all"], rows)]
    blocks += [
        _table(heading, values, order, rows)
        for heading, values, order in TABLES
        if any(values(r) for r in rows)
    ]
    return "\n\n".join(blocks) + "\n"


def _table(
    heading: str, values: Callable[[dict], Iterable[str]], order: list[str] | None, rows: list
) -> str:
    counts = {
        split: Counter(v for r in rows if r["split"] == split for v in values(r))
        for split in SPLITS
    }
    seen = set().union(*counts.values())
    labels = list(order or sorted(seen - {NONE}))
    labels += [NONE] if NONE in seen else []
    lines = [f"| {heading} | dev | heldout | total |", "|---|---:|---:|---:|"]
    for label in labels:
        dev, heldout = (counts[s][label] for s in SPLITS)
        lines.append(f"| {label} | {dev} | {heldout} | {dev + heldout} |")
    return "\n".join(lines)


if __name__ == "__main__":
    print(tables(load_examples()), end="")
