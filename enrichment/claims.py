"""Claims about how the force works, stated as fact (claims.yaml): its money, its stations and
numbers, its rules. The desk answers them with the facts, whatever the tone: "Officers get a
bonus for every speeding ticket" is a rant's words but a fact to correct.

Only short posts: an article that reports a station closing is news, not a claim to answer.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from enrichment.rule_files import (
    LONG_TEXT,
    PhraseIndex,
    TaxonomyError,
    check_description,
    check_keys,
    compile_each,
    read_rules,
)

CLAIMS_FILE = Path(__file__).parent / "data" / "claims.yaml"


@dataclass(frozen=True)
class Claim:
    """One kind of claim, and how the desk would say it in a reason."""

    kind: str
    description: str
    pattern: re.Pattern[str]
    phrases: tuple[re.Pattern[str], ...]  # the pattern's phrases one regex each, to screen


def claims_about_force(text: str) -> tuple[str, ...]:
    """What kinds of claim a short post makes, in words for the analyst; empty for articles."""
    if len(text) > LONG_TEXT:
        return ()
    claims, index = _claims()
    made = index.matching(text)
    return tuple(c.description for i, c in enumerate(claims) if i in made)


def load_claims(path: Path = CLAIMS_FILE) -> tuple[Claim, ...]:
    raw = read_rules(path, top_keys={"claims"})
    entries = raw.get("claims")
    if not isinstance(entries, dict) or not entries:
        raise TaxonomyError(f"{path}: claims: expected a mapping of kind to entry")
    built = []
    for kind, spec in entries.items():
        where = f"{path}: claims.{kind}"
        check_keys(spec, where, required={"description", "patterns"}, optional=set())
        check_description(spec["description"], where)
        pattern, phrases = compile_each(spec["patterns"], {}, f"{where}.patterns")
        built.append(Claim(kind, spec["description"], pattern, phrases))
    return tuple(built)


@cache
def _claims() -> tuple[tuple[Claim, ...], PhraseIndex]:
    claims = load_claims()
    return claims, PhraseIndex.of([c.phrases for c in claims])
