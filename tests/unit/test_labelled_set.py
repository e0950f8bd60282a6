"""The labelled mentions keep the promises tests/data/README.md and LABELLING.md make about
them, so a figure `make eval` prints is measured on the set they describe."""

import hashlib

from bench.evaluation import load_examples

EXAMPLES = load_examples()
FIRST_SET = 263  # pm-0001 … pm-0263 were split by stratification, before the seeded rule
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
    "keep",
    "relevance",
]
NOT_KEPT = {
    "toward_force": "neutral",
    "topics": [],
    "risk_flags": [],
    "places": [],
    "in_area": False,
    "action": "no-action",
    "relevance": None,
}


def seeded_split(id: str) -> str:
    digest = hashlib.sha256(f"earshot-split-2026:{id}".encode()).hexdigest()
    return "heldout" if int(digest, 16) % 5 < 2 else "dev"


def test_rows_added_after_the_first_set_keep_the_seeded_split():
    later = [e for e in EXAMPLES if int(e["id"].removeprefix("pm-")) > FIRST_SET]
    assert later, "no rows beyond the first set"
    assert [e["id"] for e in later if e["split"] != seeded_split(e["id"])] == []


def test_ids_are_unique():
    ids = [e["id"] for e in EXAMPLES]
    assert len(ids) == len(set(ids))


def test_a_row_with_a_keep_label_has_the_documented_fields_in_order():
    labelled = [e for e in EXAMPLES if "keep" in e]
    assert labelled, "no row carries a keep label"
    assert [e["id"] for e in labelled if list(e) != FIELDS] == []


def test_a_mention_the_desk_does_not_keep_carries_only_the_neutral_labels():
    dropped = [e for e in EXAMPLES if e.get("keep") is False]
    assert dropped, "no row is labelled not kept"
    wrong = [e["id"] for e in dropped if any(e[k] != v for k, v in NOT_KEPT.items())]
    assert wrong == []


def test_a_kept_mention_says_why_it_was_kept():
    kept = [e for e in EXAMPLES if e.get("keep") is True]
    assert kept, "no row is labelled kept"
    reasons = {"named", "reply", "local-policing"}
    assert [e["id"] for e in kept if e["relevance"] not in reasons] == []
