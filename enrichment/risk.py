"""Risk flags: the things a force's house rules act on (threats, abuse, prejudice, exposure).

The rules live in risk.yaml so the comms desk and legal advisers can read and change them
without reading Python. A flag is a prompt for an analyst, never a verdict, but each one
pulls a post up the queue, so a rule must be specific enough that a news report or a
force appeal does not trip it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from enrichment.rule_files import (
    Screen,
    TaxonomyError,
    check_description,
    check_keys,
    compile_phrases,
    fixed_entries,
    read_rules,
)

RULES_FILE = Path(__file__).parent / "data" / "risk.yaml"

FLAGS = (
    "threat-to-staff",
    "abuse-discrimination",
    "could-prejudice-case",
    "identifies-person",
    "personal-data",
    "possible-misinformation",
    "crime-reported",
)
# Characters either side of a match in which `requires` / `unless` are looked for: about a
# sentence, so "I'll stab you" counts as a threat to staff only when said to the police.
DEFAULT_WITHIN = 100


@dataclass(frozen=True)
class Rule:
    """A pattern, and optionally what must (or must not) appear near the match."""

    flag: str
    pattern: re.Pattern[str]
    requires: re.Pattern[str] | None = None
    unless: re.Pattern[str] | None = None
    within: int = DEFAULT_WITHIN

    def fires(self, text: str) -> bool:
        for match in self.pattern.finditer(text):
            start = max(0, match.start() - self.within)
            end = match.end() + self.within
            if self.requires and not self.requires.search(text, start, end):
                continue
            if self.unless and self.unless.search(text, start, end):
                continue
            return True
        return False


def risk_flags(text: str) -> tuple[str, ...]:
    """Sorted flag ids; a flag already raised is not tested again."""
    raised: set[str] = set()
    rules, screen = _rules()
    worth = screen.may_match(text)
    for i, rule in enumerate(rules):
        if i in worth and rule.flag not in raised and rule.fires(text):
            raised.add(rule.flag)
    return tuple(sorted(raised))


def load_rules(path: Path = RULES_FILE) -> tuple[Rule, ...]:
    """Every flag exactly once, each with a description and at least one rule that compiles."""
    raw = read_rules(path, top_keys={"vocab", "flags"})
    vocab = raw.get("vocab") or {}
    flags = fixed_entries(raw, path, "flags", FLAGS)
    rules = []
    for flag, spec in flags.items():
        where = f"{path}: flags.{flag}"
        check_keys(spec, where, required={"description", "rules"}, optional=set())
        check_description(spec["description"], where)
        if not isinstance(spec["rules"], list) or not spec["rules"]:
            raise TaxonomyError(f"{where}.rules: expected at least one rule")
        for i, rule in enumerate(spec["rules"]):
            rules.append(_rule(flag, rule, vocab, f"{where}.rules[{i}]"))
    return tuple(rules)


def _rule(flag: str, spec: object, vocab: dict[str, str], where: str) -> Rule:
    check_keys(spec, where, required={"pattern"}, optional={"requires", "unless", "within"})
    within = spec.get("within", DEFAULT_WITHIN)
    if not isinstance(within, int) or isinstance(within, bool) or within < 0:
        raise TaxonomyError(f"{where}.within: expected a whole number of characters")
    return Rule(
        flag=flag,
        pattern=compile_phrases(spec["pattern"], vocab, f"{where}.pattern"),
        requires=_optional(spec, "requires", vocab, where),
        unless=_optional(spec, "unless", vocab, where),
        within=within,
    )


def _optional(spec: dict, key: str, vocab: dict[str, str], where: str) -> re.Pattern[str] | None:
    return compile_phrases(spec[key], vocab, f"{where}.{key}") if key in spec else None


@cache
def _rules() -> tuple[tuple[Rule, ...], Screen]:
    """Read and compiled on first use, once per process."""
    rules = load_rules()
    return rules, Screen.of([rule.pattern for rule in rules])
