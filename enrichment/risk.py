"""Risk flags: the things a force's house rules act on (threats, abuse, prejudice, exposure).

The rules live in risk.yaml so the comms desk and legal advisers can read and change them
without reading Python. A flag is a prompt for an analyst, never a verdict, but each one
pulls a post up the queue, so a rule must be specific enough that a news report or a
force appeal does not trip it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path

from enrichment.rule_files import (
    LONG_TEXT,
    PhraseIndex,
    Sentences,
    TaxonomyError,
    check_description,
    check_keys,
    compile_each,
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
# Characters either side of a match in which `requires` / `unless` are looked for, never past
# the match's sentence: "I'll stab you" counts as a threat to staff only when said to the police.
DEFAULT_WITHIN = 100


@dataclass(frozen=True)
class Rule:
    """A pattern, and optionally what must (or must not) appear near the match. `phrases`:
    the pattern's phrases one regex each, to tell cheaply whether it matches at all."""

    flag: str
    pattern: re.Pattern[str]
    phrases: tuple[re.Pattern[str], ...]
    requires: re.Pattern[str] | None = None
    unless: re.Pattern[str] | None = None
    within: int = DEFAULT_WITHIN

    def evidence(
        self, text: str, sentences: Sentences, about: re.Pattern[str] | None = None
    ) -> str | None:
        """The words that raise the flag, or None: the match, running on to what `requires`
        found beside it ("PC Smith, what a pr*ck", not just "pr*ck"), so the desk sees why
        it counted. `about`: for a long text, what the match's own sentence must mention."""
        for match in self.pattern.finditer(text):
            sentence_start, sentence_end = sentences.around(match.start())
            start = max(sentence_start, match.start() - self.within)
            end = min(sentence_end, match.end() + self.within)
            required = self.requires.search(text, start, end) if self.requires else match
            if not required:
                continue
            if self.unless and self.unless.search(text, start, end):
                continue
            if about and not about.search(text, sentence_start, sentence_end):
                continue
            return text[min(match.start(), required.start()) : max(match.end(), required.end())]
        return None


def risk_flags(text: str) -> tuple[str, ...]:
    """Sorted flag ids the rules raise."""
    return tuple(sorted(risk_evidence(text)))


def risk_evidence(text: str) -> dict[str, str]:
    """Each flag the rules raise, with the words that raised it, so the desk can check the
    flag against the text. A flag already raised is not tested again. A flag's own `unless`
    anywhere in the text cancels it, as it cancels the flag's model ("Police have named the
    man who died … as John Smith, 52": whoever is named later, the police named them)."""
    rules, index, about_police = _rules()
    # Only a rule whose pattern matches somewhere can fire: most texts have none.
    matching = sorted(index.matching(text))
    if not matching:
        return {}
    sentences = Sentences.of(text)
    about = about_police if len(text) > LONG_TEXT else None
    raised: dict[str, str] = {}
    for i in matching:
        rule = rules[i]
        if rule.flag not in raised and (words := rule.evidence(text, sentences, about)):
            raised[rule.flag] = words
    return {flag: words for flag, words in raised.items() if not cancelled(flag, text)}


def load_rules(path: Path = RULES_FILE) -> tuple[Rule, ...]:
    """Every flag exactly once, each with a description and at least one rule that compiles."""
    raw = read_rules(path, top_keys={"vocab", "flags"})
    vocab = raw.get("vocab") or {}
    flags = fixed_entries(raw, path, "flags", FLAGS)
    rules = []
    for flag, spec in flags.items():
        where = f"{path}: flags.{flag}"
        check_keys(spec, where, required={"description", "rules"}, optional={"unless"})
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
    pattern, phrases = compile_each(spec["pattern"], vocab, f"{where}.pattern")
    return Rule(
        flag=flag,
        pattern=pattern,
        phrases=phrases,
        requires=compile_phrases(spec["requires"], vocab, f"{where}.requires")
        if "requires" in spec
        else None,
        unless=compile_phrases(spec["unless"], vocab, f"{where}.unless")
        if "unless" in spec
        else None,
        within=within,
    )


def cancelled(flag: str, text: str) -> bool:
    """The flag's own `unless` is somewhere in the text: whoever raised the flag, rules or
    model, the labelling guide says it is not that flag."""
    return flag in cancelled_flags(text)


@lru_cache(maxsize=4)
def cancelled_flags(text: str) -> frozenset[str]:
    """Every flag `cancelled` in the text, from one scan for the exceptions' words: most
    texts hold none of them, and the rules and the models both ask for each flag."""
    flags, index = _indexed_exceptions()
    return frozenset(flags[i] for i in index.matching(text))


@cache
def _indexed_exceptions() -> tuple[tuple[str, ...], PhraseIndex]:
    never = flag_exceptions()
    return tuple(never), PhraseIndex.of([[pattern] for pattern in never.values()])


@cache
def flag_exceptions(path: Path = RULES_FILE) -> dict[str, re.Pattern[str]]:
    """Each flag's own `unless`: what the labelling guide says the flag never is, whoever
    raises it. It cancels the flag's learned model too, which reads the whole text."""
    raw = read_rules(path, top_keys={"vocab", "flags"})
    vocab = raw.get("vocab") or {}
    return {
        flag: compile_phrases(spec["unless"], vocab, f"{path}: flags.{flag}.unless")
        for flag, spec in (raw.get("flags") or {}).items()
        if isinstance(spec, dict) and "unless" in spec
    }


def load_about_police(path: Path = RULES_FILE) -> re.Pattern[str]:
    """The police or an incident, in the rules file's own words (its `police` and `incident`
    vocab), so one edit there widens both the rules and what a long text is judged near."""
    vocab = read_rules(path, top_keys={"vocab", "flags"}).get("vocab") or {}
    return compile_phrases("{police}|{incident}", vocab, f"{path}: vocab")


@cache
def _rules() -> tuple[tuple[Rule, ...], PhraseIndex, re.Pattern[str]]:
    """Read and compiled on first use, once per process."""
    rules = load_rules()
    return rules, PhraseIndex.of([rule.phrases for rule in rules]), load_about_police()
