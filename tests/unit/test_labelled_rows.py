"""Rows of police_mentions.jsonl keep the shape LABELLING.md and tests/data/README.md promise.

Several people append rows; `make eval` and `make train` trust the split and the keep labels,
so a row with a hand-picked split or a not-kept row carrying judgements would skew both.
"""

import hashlib

from bench.evaluation import load_examples

FIELDS = [
    "id",
    "split",
    "source",
    "text",
    "is_reply",
    "toward_force",
    "topics",
    "risk_flags",
    "places",
    "in_area",
    "action",
    "language",
]
RELEVANCE = {"named", "reply", "local-policing"}
FORCE_NAMES = ("lincolnshire police", "lincs police", "@lincspolice", "heddlu swydd lincoln")
EXAMPLES = load_examples()


def seeded_split(row_id: str) -> str:
    """The fixed 60/40 rule every row from pm-1001 on was split by, before any scoring."""
    digest = hashlib.sha256(("earshot-split-2026:" + row_id).encode()).hexdigest()
    return "heldout" if int(digest, 16) % 5 < 2 else "dev"


def test_each_row_has_the_fields_in_order_with_keep_and_relevance_after_them():
    for row in EXAMPLES:
        assert list(row) in (FIELDS, [*FIELDS, "keep", "relevance"]), row["id"]


def test_ids_are_unique():
    ids = [row["id"] for row in EXAMPLES]
    assert len(ids) == len(set(ids))


def test_rows_from_pm_1001_on_are_split_by_the_seeded_rule():
    later = [row for row in EXAMPLES if int(row["id"].removeprefix("pm-")) >= 1001]
    for row in later:
        assert row["split"] == seeded_split(row["id"]), row["id"]


def test_a_kept_row_says_why_and_a_dropped_row_carries_no_judgement():
    for row in EXAMPLES:
        if "keep" not in row:
            continue
        if row["keep"]:
            assert row["relevance"] in RELEVANCE, row["id"]
        else:
            judged = (row["relevance"], row["toward_force"], row["topics"], row["risk_flags"])
            assert judged == (None, "neutral", [], []), row["id"]
            assert (row["places"], row["in_area"], row["action"]) == ([], False, "no-action")


def test_each_reason_to_keep_holds_in_the_row_itself():
    for row in EXAMPLES:
        if row.get("relevance") == "named":
            assert any(name in row["text"].lower() for name in FORCE_NAMES), row["id"]
        if row.get("relevance") == "local-policing":
            assert row["in_area"], row["id"]
        if row.get("relevance") == "reply":
            assert row["is_reply"], row["id"]
