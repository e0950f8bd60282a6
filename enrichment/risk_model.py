"""Risk flags from the rules OR a small learned model per flag.

The rules (risk.py) are precise but blind to phrasings they were not written for: "just been
done over, they took the telly" reports a crime in words no rule lists. A model trained on
the dev split's words (bench/train_flags.py) raises such a flag too, and says which words
made it, so the desk can see why and judge it.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from earshot.core.safe_text import plain
from enrichment.learned import (
    LearnedFlags,
    in_words,
    letters,
    load_flags,
    words_and_pairs,
)
from enrichment.risk import FLAGS, RULES_FILE, cancelled, risk_evidence
from enrichment.rule_files import LONG_TEXT, PhraseIndex, compile_each, read_rules

MODEL_FILE = Path(__file__).parent / "data" / "risk_flags_model.json"
# Vocab that means something only inside a rule's case-sensitive address: alone, the postcode
# areas match "s" in "she's" and the street suffixes match "way" and "walk".
ADDRESS_PARTS = {"street", "postcode_area"}
# Enough of a rule's match to find it in the text: a long wish is cut in the middle.
QUOTED = 80


def judge_risk(text: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Sorted flag ids, and why each was raised in words: the rule's own words from the text,
    or the features that made the model sure."""
    by_rules = risk_evidence(text)
    ruled = tuple(_rule_reason(flag, words) for flag, words in sorted(by_rules.items()))
    # The models learned from posts: the words of a whole article together look like
    # anything ("?", "person", "lane" made a blog a crime report), so the rules judge it alone.
    if len(text) > LONG_TEXT:
        return tuple(sorted(by_rules)), ruled
    models = load_models()
    asked = {flag for flag in models.flags if flag not in by_rules and not cancelled(flag, text)}
    if not asked:
        return tuple(sorted(by_rules)), ruled
    raised = models.raised(features(text), asked)
    flags = tuple(sorted({*by_rules, *raised}))
    return flags, ruled + tuple(
        _reason(flag, raised[flag].probability, raised[flag].strongest, text)
        for flag in sorted(raised)
    )


def features(text: str) -> dict[str, float]:
    """Words, word pairs and the letters inside words, plus each family of words in the
    rules' vocab that the text uses ("says: harm", "says: recent"): the model can learn "a
    threat said to the police" from examples that share the families but not the words.
    Shared by training and scoring."""
    found = words_and_pairs(text, skips=True) | letters(text)
    names, index = _vocab()
    found.update({f"says: {names[i]}": 1.0 for i in index.matching(text)})
    return found


@cache
def _vocab() -> tuple[tuple[str, ...], PhraseIndex]:
    """The vocab families' names, and an index telling which of them a text uses: the same
    answer as searching each, in half the time."""
    vocab = read_rules(RULES_FILE, top_keys={"vocab", "flags"}).get("vocab") or {}
    names = tuple(name for name in vocab if name not in ADDRESS_PARTS)
    phrases = [compile_each(f"{{{n}}}", vocab, f"{RULES_FILE}: vocab.{n}")[1] for n in names]
    return names, PhraseIndex.of(phrases)


@cache  # asked for every text: the check of its flags is made once
def load_models(path: Path = MODEL_FILE) -> LearnedFlags:
    models = load_flags(path)
    unknown = set(models.flags) - set(FLAGS)
    if unknown:
        raise ValueError(f"{path}: no such risk flag {sorted(unknown)}")
    return models


def _rule_reason(flag: str, words: str) -> str:
    """ "threat-to-staff (rule): 'hope the copper who … gets hit by a lorry'": the words a rule
    matched, made plain text, whole words cut from the middle of a long match. Personal
    data is named, not copied: the reasons are one more place it would be erased from."""
    if flag == "personal-data":
        return f"{flag} (rule): a personal number, email or address in the text"
    said = plain(words)  # a post's words, shown on the desk and in the terminal as text
    if len(said) > QUOTED:
        head, tail = said[: QUOTED // 2], said[-QUOTED // 2 :]
        said = f"{head.rsplit(' ', 1)[0]} … {tail.split(' ', 1)[-1]}"
    return f"{flag} (rule): '{said}'"


def _reason(flag: str, probability: float, strongest: tuple[str, ...], text: str) -> str:
    """ "crime-reported (learned, 0.91): 'just been', 'took', words for recent"."""
    words = ", ".join(dict.fromkeys(in_words(name, text, _KINDS) for name in strongest))
    return f"{flag} (learned, {probability:.2f}): {words}"


_KINDS = {"says": "words for {}"}  # a family of the rules' vocabulary: "says: harm"
