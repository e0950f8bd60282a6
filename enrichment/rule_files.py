"""The phrase syntax and checks shared by the rule files (topics.yaml, risk.yaml), so a
malformed file fails at load naming the file, the entry and the problem.
"""

from __future__ import annotations

import re
import re._constants as re_constants
import re._parser as re_parser
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import ahocorasick
import yaml

from earshot.core.errors import EarshotError
from enrichment.language import ENGLISH_FUNCTION_WORDS


class TaxonomyError(EarshotError, ValueError):
    """A rules file is malformed; the message names the file, the entry and the problem."""


def fixed_entries(raw: dict, path: Path, section: str, ids: tuple[str, ...]) -> dict:
    """The section's entries, exactly one for each fixed id."""
    entries = raw.get(section)
    if not isinstance(entries, dict):
        raise TaxonomyError(f"{path}: {section}: expected a mapping of id to entry")
    unknown = sorted(set(entries) - set(ids))
    if unknown:
        raise TaxonomyError(f"{path}: {section}: unknown ids {unknown} (fixed list: {ids})")
    missing = [i for i in ids if i not in entries]
    if missing:
        raise TaxonomyError(f"{path}: {section}: no entry for {missing}")
    return entries


def read_rules(path: Path, top_keys: set[str]) -> dict:
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as e:
        raise TaxonomyError(f"{path}: cannot read: {e.strerror}") from e
    except yaml.YAMLError as e:
        raise TaxonomyError(f"{path}: not valid YAML: {e}") from e
    if not isinstance(raw, dict) or not set(raw) <= top_keys:
        raise TaxonomyError(f"{path}: expected a mapping with keys {sorted(top_keys)}")
    vocab = raw.get("vocab") or {}
    if not isinstance(vocab, dict) or not all(isinstance(v, str) for v in vocab.values()):
        raise TaxonomyError(f"{path}: vocab: expected a mapping of name to pattern")
    return raw


def check_keys(spec: object, where: str, required: set[str], optional: set[str]) -> None:
    if not isinstance(spec, dict):
        raise TaxonomyError(f"{where}: expected a mapping")
    # Unknown keys first: a missing key is most often a mistyped one.
    extra = sorted(set(spec) - required - optional)
    missing = sorted(required - set(spec))
    if extra:
        raise TaxonomyError(f"{where}: unknown keys {extra} (mistyped?)")
    if missing:
        raise TaxonomyError(f"{where}: missing {missing} (required)")


def check_description(description: object, where: str) -> None:
    if not isinstance(description, str) or not description.strip():
        raise TaxonomyError(f"{where}.description: expected a non-empty description")


def compile_phrases(patterns: object, vocab: dict[str, str], where: str) -> re.Pattern[str]:
    """One case-insensitive regex for a list of phrases, each matching whole words only.

    Phrase syntax: a regex where a space matches any run of whitespace (a space before ? or *
    makes it optional), an apostrophe matches a straight or a curly one, and {name} inserts
    the vocab entry. Each phrase is compiled alone first, so a bad one is named by its text.
    """
    return whole_words(phrase_sources(patterns, vocab, where))


def compile_each(
    patterns: object, vocab: dict[str, str], where: str
) -> tuple[re.Pattern[str], tuple[re.Pattern[str], ...]]:
    """As `compile_phrases`, and each phrase as regexes of its own, for a `PhraseIndex`: one
    per alternative of a phrase written "a|b|c", so each is screened by its own words and a
    search is the size of one alternative, not of the whole phrase."""
    sources = phrase_sources(patterns, vocab, where)
    alternatives = [a for source in sources for a in _alternatives(source)]
    return whole_words(sources), tuple(whole_words([a]) for a in alternatives)


def _alternatives(source: str) -> list[str]:
    """The source split at each "|" outside brackets and classes: a text matches the phrase
    where it matches one of them, the same whole-word checks either side."""
    parts, depth, start, i, in_class = [], 0, 0, 0, False
    while i < len(source):
        c = source[i]
        if c == "\\":
            i += 2
            continue
        if in_class:
            in_class = c != "]"
        elif c == "[":
            in_class = True
            # A ']' straight after '[' or '[^' is a literal, not the end of the class.
            i += len(re.match(r"\[\^?\]?", source[i:]).group(0))
            continue
        elif c in "()":
            depth += 1 if c == "(" else -1
        elif c == "|" and depth == 0:
            parts.append(source[start:i])
            start = i + 1
        i += 1
    return [*parts, source[start:]]


def phrase_sources(patterns: object, vocab: dict[str, str], where: str) -> list[str]:
    """Each phrase's regex source, checked, as `compile_phrases` joins them."""
    if isinstance(patterns, str):
        patterns = [patterns]
    if not isinstance(patterns, list) or not patterns:
        raise TaxonomyError(f"{where}: expected at least one pattern")
    sources = []
    for pattern in patterns:
        if isinstance(pattern, dict):
            # YAML read "(?: x" as a key: the commonest slip when adding a rule.
            raise TaxonomyError(
                f"{where}: pattern {pattern!r} was read as a mapping: a plain YAML value "
                "cannot contain ': '; quote the pattern or write (?:\\s+...) instead"
            )
        if not isinstance(pattern, str) or not pattern.strip():
            raise TaxonomyError(f"{where}: expected a non-empty pattern string, got {pattern!r}")
        source = _loosen(_insert_vocab(pattern, vocab, where))
        try:
            re.compile(source)
        except re.error as e:
            raise TaxonomyError(f"{where}: pattern {pattern!r} does not compile: {e}") from e
        sources.append(source)
    return sources


def whole_words(sources: list[str]) -> re.Pattern[str]:
    """Any of the phrase sources, as whole words, in any case."""
    body = "|".join(f"(?:{s})" for s in sources)
    # A hashtag is a word too: "#ACAB", "#burglary". Handles stay whole through \w.
    return re.compile(rf"(?<!\w)(?:{body})(?!\w)", re.IGNORECASE)


_CURLY = "\u2019"  # the apostrophe phones and word processors type
_VOCAB_REF = re.compile(r"\{([a-z_]+)\}")


def _insert_vocab(pattern: str, vocab: dict[str, str], where: str) -> str:
    def entry(ref: re.Match[str]) -> str:
        name = ref.group(1)
        if name not in vocab:
            raise TaxonomyError(f"{where}: pattern {pattern!r} names unknown vocab {{{name}}}")
        return f"(?:{vocab[name]})"

    return _VOCAB_REF.sub(entry, pattern)


def _loosen(pattern: str) -> str:
    """Let rules be written the way people type: spaced words and either apostrophe."""
    out: list[str] = []
    i, in_class = 0, False
    while i < len(pattern):
        c = pattern[i]
        if c == "\\":
            out.append(pattern[i : i + 2])
            i += 2
            continue
        if in_class:
            in_class = c != "]"
            out.append({"'": "'" + _CURLY, " ": r"\s"}.get(c, c))
        elif c == "[":
            in_class = True
            # A ']' straight after '[' or '[^' is a literal, not the end of the class.
            lead = re.match(r"\[\^?\]?", pattern[i:]).group(0)
            out.append(lead)
            i += len(lead)
            continue
        elif c == " ":
            while pattern[i + 1 : i + 2] == " ":
                i += 1
            quantifier = pattern[i + 1 : i + 2]
            if quantifier in ("?", "*"):
                out.append(r"\s*")
                i += 1
            else:
                out.append(r"\s+")
                i += quantifier == "+"
        elif c == "'":
            out.append(f"['{_CURLY}]")
        else:
            out.append(c)
        i += 1
    return "".join(out)


# Characters outside ASCII that Python's case-insensitive matching equates with a letter.
_FOLD_TO_ASCII = str.maketrans({"\u0130": "i", "\u0131": "i", "\u017f": "s", "\u212a": "k"})
_MIN_NEEDLE = 2  # a one-letter "needle" is in nearly every text: no use as a filter
_MAX_SPELLINGS = 16  # "n[i1!*]gg": a few spellings of one needle, not a combinatorial burst


@dataclass(frozen=True)
class Screen:
    """Which of a list of patterns could match a text, from one Aho-Corasick pass over it
    for their needles: a taxonomy is then one scan plus the few regexes worth running."""

    automaton: ahocorasick.Automaton
    always: frozenset[int]  # patterns with no needle: always run

    @classmethod
    def of(cls, patterns: Sequence[re.Pattern[str]]) -> Screen:
        owners: dict[str, set[int]] = {}
        always = set()
        for i, pattern in enumerate(patterns):
            found = needles(pattern)
            if found is None:
                always.add(i)
            for needle in found or ():
                owners.setdefault(needle, set()).add(i)
        automaton = ahocorasick.Automaton()
        for needle, indices in owners.items():
            automaton.add_word(needle, frozenset(indices))
        automaton.make_automaton()
        return cls(automaton, frozenset(always))

    def may_match(self, text: str) -> set[int]:
        """Indices of the patterns worth searching; the others cannot match."""
        candidates = set(self.always)
        if self.automaton.kind == ahocorasick.AHOCORASICK:
            for _, indices in self.automaton.iter(folded(text)):
                candidates |= indices
        return candidates


@dataclass(frozen=True)
class PhraseIndex:
    """Which of several regexes match a text, each regex given as its phrases (whole-word
    patterns, as `whole_words` joins them). A regex matches where one of its phrases does,
    so one screening pass picks the phrases whose words are in the text and a small search
    for each stands in for the whole alternation: same answer, a fraction of the work."""

    phrases: tuple[re.Pattern[str], ...]
    owners: tuple[int, ...]  # the regex each phrase belongs to
    screen: Screen  # over `phrases`

    @classmethod
    def of(cls, phrase_lists: Sequence[Sequence[re.Pattern[str]]]) -> PhraseIndex:
        owned = [(i, p) for i, phrases in enumerate(phrase_lists) for p in phrases]
        phrases = tuple(p for _, p in owned)
        return cls(phrases, tuple(i for i, _ in owned), Screen.of(phrases))

    def worth_searching(self, text: str) -> set[int]:
        """Indices of the regexes with a phrase whose words are in the text."""
        return {self.owners[i] for i in self.screen.may_match(text)}

    def matching(self, text: str) -> set[int]:
        """Indices of the regexes that match the text; once one of a regex's phrases has
        matched, its others are not searched."""
        hit: set[int] = set()
        for i in sorted(self.screen.may_match(text)):
            owner = self.owners[i]
            if owner not in hit and self.phrases[i].search(text):
                hit.add(owner)
        return hit


@lru_cache(maxsize=4)
def folded(text: str) -> str:
    """The text as `needles` are looked for in it: lower case, odd case-folds made ASCII.
    Kept for the last few texts: relevance, topics and risk each screen the same one."""
    return text.translate(_FOLD_TO_ASCII).lower()


def needles(pattern: re.Pattern[str]) -> frozenset[str] | None:
    """Literal pieces one of which is in every match (lower case), or None when the
    pattern has no such piece. Searching a regex costs far more than `in`, and most texts
    contain none of a rule's words: checking the needles first skips it, never changes it."""
    return _required(re_parser.parse(pattern.pattern, pattern.flags).data)


def _required(items: list) -> frozenset[str] | None:
    """The most selective needle set among a sequence's literal runs and its parts."""
    options: list[frozenset[str]] = []
    run = {""}
    for op, av in [*items, (None, None)]:
        spellings = _spellings(op, av)
        if spellings is not None and len(run) * len(spellings) <= _MAX_SPELLINGS:
            run = {r + s for r in run for s in spellings}
            continue
        if all(map(_useful, run)):
            options.append(frozenset(run))
        run = {""}
        if op is re_constants.SUBPATTERN:
            options.append(_required(av[-1].data))
        elif op in (re_constants.MAX_REPEAT, re_constants.MIN_REPEAT) and av[0] >= 1:
            options.append(_required(av[2].data))
        elif op is re_constants.BRANCH:
            branches = [_required(branch.data) for branch in av[1]]
            if all(branches):
                options.append(frozenset().union(*branches))
    return max(filter(None, options), key=_selectivity, default=None)


_SENTENCE_MARKS = frozenset(".,;:!?'\"()-")


def _useful(needle: str) -> bool:
    """Two characters or more, or one that is neither a letter nor in every sentence: most
    posts have no "@", no emoji and no "0", so a phone number or email rule can skip them."""
    if len(needle) == 1:
        return not needle.isalpha() and needle not in _SENTENCE_MARKS
    return len(needle) >= _MIN_NEEDLE


def _spellings(op: object, av: object) -> set[str] | None:
    """Every string one item matches, when they are few and fixed: "k", "[ao]",
    "(?:ook|ake)", "s?". So "t(?:ook|ake)" gives the needles "took" and "take", not "ake"."""
    if op is re_constants.LITERAL:
        return {chr(av).lower()} if _as_written(av) else None
    if op is re_constants.IN:
        codes = _class_codes(av)
        return {chr(c).lower() for c in codes} if codes is not None else None
    if op is re_constants.SUBPATTERN:
        return _fixed(av[-1].data)
    if op is re_constants.BRANCH:
        branches = [_fixed(branch.data) for branch in av[1]]
        return set().union(*branches) if None not in branches else None
    if op in (re_constants.MAX_REPEAT, re_constants.MIN_REPEAT) and av[:2] == (0, 1):
        inner = _fixed(av[2].data)
        return inner | {""} if inner is not None else None
    if op in (re_constants.MAX_REPEAT, re_constants.MIN_REPEAT) and av[0] == av[1] <= 3:
        return _fixed(list(av[2].data) * av[0])  # "[o0]{2}": the class twice
    return None


def _class_codes(items: list) -> list[int] | None:
    """The characters of a small class such as "[ao]" or "[1-9]", each as written."""
    codes: list[int] = []
    for op, av in items:
        if op is re_constants.LITERAL:
            codes.append(av)
        elif op is re_constants.RANGE and av[1] - av[0] < _MAX_SPELLINGS:
            codes.extend(range(av[0], av[1] + 1))
        else:
            return None
    return codes if all(map(_as_written, codes)) else None


def _as_written(code: int) -> bool:
    """ASCII, or a letter with no case (Arabic, Urdu, Bengali, Gurmukhi): a needle that
    `folded` text holds exactly when the regex matches. Other letters have case folds that
    lower() does not mirror (the Greek final sigma), so they are no needle."""
    letter = chr(code)
    return code < 128 or letter.lower() == letter.upper() == letter


def _fixed(items: list) -> set[str] | None:
    spelt = {""}
    for op, av in items:
        spellings = _spellings(op, av)
        if spellings is None or len(spelt) * len(spellings) > _MAX_SPELLINGS:
            return None
        spelt = {a + b for a in spelt for b in spellings}
    return spelt


# Words in nearly every mention Earshot keeps (relevance asks for the police): as a needle
# they skip no more texts than "the" does.
POLICE_TALK = frozenset({"police", "officer", "officers"})
_POOR_NEEDLES = ENGLISH_FUNCTION_WORDS | POLICE_TALK


def _selectivity(option: frozenset[str]) -> float:
    """Longer and fewer needles skip more texts; a word in every sentence skips none, and
    one character ("@", a digit) is a last resort: many posts have it."""
    return min(len(n) - 10 * (n in _POOR_NEEDLES or len(n) == 1) for n in option) - (
        len(option) / 100
    )


# Longer than a post: an article or a blog, judged by its sentences, not by a word somewhere
# in 3,000 (risk.py: a flag's sentence must be about the police or an incident; topics.py: a
# topic must be in the opening or come back).
LONG_TEXT = 1_000
# Where a sentence ends: ".", "!" or "?" then a space, or a line break (a headline). Not after
# a title ("Supt. Jane Smith") or "No." before a number ("No. 10"), though "No. Nobody came."
# is two; not at a closing quote, which the words saying who said it follow ("'Kill the
# cops!' they chanted"); not at "…": posts trail off mid-thought ("I know who did it… he
# lives at").
_TITLES = ("Mr", "Mrs", "Ms", "Dr", "St", "Det", "Sgt", "Insp", "Supt", "Con", "Ch")
_SENTENCE_END = re.compile(
    "".join(rf"(?<!\b{title}\.)" for title in _TITLES) + r"(?<=[.!?])(?!(?<=\bNo\.)\s+\d)\s+|\n+"
)


@dataclass(frozen=True)
class Sentences:
    """Where each sentence of a text starts and ends, to judge a match on its own sentence."""

    starts: tuple[int, ...]
    ends: tuple[int, ...]

    @classmethod
    def of(cls, text: str) -> Sentences:
        breaks = list(_SENTENCE_END.finditer(text))
        return cls(
            starts=(0, *(m.end() for m in breaks)),
            ends=(*(m.start() for m in breaks), len(text)),
        )

    def opening_end(self, count: int) -> int:
        """Where the first `count` sentences end: the whole text when it has fewer."""
        return self.ends[min(count, len(self.ends)) - 1]

    def around(self, position: int) -> tuple[int, int]:
        """Where the sentence holding `position` starts and ends."""
        i = bisect_right(self.starts, position) - 1
        return self.starts[i], self.ends[i]

    def count_holding(self, pattern: re.Pattern[str], text: str) -> int:
        """How many sentences hold a match: an article returns to what it is about."""
        return len({bisect_right(self.starts, m.start()) for m in pattern.finditer(text)})
