"""Does a text talk about the force? The profile's names, handles, hashtags and campaigns,
and local talk about policing that names no force (data/relevance.yaml).

A kept mention says why (`Relevance`); a dropped one says why not (`NotRelevant`), so each
run can count what it left out and a profile's gaps show up in the figures.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from earshot.core.model import NotRelevant, Relevance
from earshot.core.profile import Force
from enrichment.rule_files import (
    PhraseIndex,
    Screen,
    TaxonomyError,
    compile_each,
    compile_phrases,
    read_rules,
)

RULES_FILE = Path(__file__).parent / "data" / "relevance.yaml"


@dataclass(frozen=True)
class ForceMatcher:
    """Compiled once per profile; `terms_in` is then a pair of regex scans."""

    terms: re.Pattern[str]
    exclusions: re.Pattern[str] | None
    canonical: dict[str, str]

    @classmethod
    def from_profile(cls, force: Force) -> ForceMatcher:
        terms = force.terms()
        # A handle or hashtag also counts when written without its @ or #;
        # where two share a bare form, the first in the profile (the handle) names it.
        bare = {t[1:]: t for t in reversed(terms) if t[0] in "@#"}
        canonical = {_key(t): t for t in terms} | {_key(b): t for b, t in bare.items()}
        return cls(
            terms=phrase_pattern([*terms, *bare]),
            exclusions=phrase_pattern(force.exclude) if force.exclude else None,
            canonical=canonical,
        )

    def terms_in(self, text: str) -> tuple[str, ...]:
        """The profile's spelling of each term found, after blanking excluded phrases."""
        text = matchable(text)
        if self.exclusions:
            text = self.exclusions.sub(" ", text)
        found = {self.canonical[_key(m.group(0))] for m in self.terms.finditer(text)}
        return tuple(sorted(found))


# Characters that show nothing, which a post can hide a name behind ("Lincoln\u00adshire
# Pol\u200bice"): soft hyphen, zero-width spaces and joiners, bidi marks and overrides,
# invisible fillers, variation selectors, byte-order mark.
_INVISIBLE = re.compile(
    "[\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180b-\u180f\u200b-\u200f"
    "\u202a-\u202e\u2060-\u206f\u3164\ufe00-\ufe0f\ufeff\uffa0]"
)


def matchable(text: str) -> str:
    """The text as names are matched in: invisible characters gone, compatibility forms
    folded (NFKC: fullwidth letters, ligatures, styled letters) to plain ones."""
    return unicodedata.normalize("NFKC", _INVISIBLE.sub("", text))


def phrase_pattern(phrases: list[str]) -> re.Pattern[str]:
    """Literal phrases as whole words, any spacing, any case; longest first, so
    "Lincolnshire Police Federation" wins over "Lincolnshire Police"."""
    ordered = sorted(set(phrases), key=len, reverse=True)
    body = "|".join(r"\s+".join(map(re.escape, p.split())) for p in ordered)
    return re.compile(rf"(?<![\w@#])(?:{body})(?!\w)", re.IGNORECASE)


def _key(phrase: str) -> str:
    return " ".join(phrase.lower().split())


@dataclass(frozen=True)
class Verdict:
    """Kept (`relevance`) or dropped (`not_relevant`): exactly one is set."""

    relevance: Relevance | None = None
    not_relevant: NotRelevant | None = None


@dataclass(frozen=True)
class RelevanceJudge:
    """Compiled once per profile: the police words, their other senses, the other forces."""

    police_words: re.Pattern[str]
    # The same words and phrasings one regex each: a text is searched only for those whose
    # words it holds, and no further once one matches.
    police_index: PhraseIndex
    other_senses: re.Pattern[str]
    other_forces: re.Pattern[str] | None
    # Most texts hold none of the other senses' words: one scan spares them the regex.
    screen: Screen

    @classmethod
    def for_force(cls, force: Force) -> RelevanceJudge:
        police_words, police_index, other_senses = load_vocabulary()
        return cls(
            police_words=police_words,
            police_index=police_index,
            other_senses=other_senses,
            other_forces=phrase_pattern(force.other_forces) if force.other_forces else None,
            screen=Screen.of([other_senses]),
        )

    def plain(self, text: str) -> str:
        """The text with police words in another sense blanked: "fashion police", "Room 101"."""
        return self.other_senses.sub(" ", text) if self.screen.may_match(text) else text

    def about_policing(self, plain: str) -> bool:
        """A police word or a policing phrasing ("my van was stolen", "jailed") in the text as
        `plain` left it: with the force named, this settles an ambiguous place (Boston)."""
        return bool(self.police_index.matching(plain))

    def judge(
        self,
        text: str,
        plain: str,
        *,
        force_terms: tuple[str, ...],
        is_reply: bool,
        in_area: bool,
        policing: bool,
    ) -> Verdict:
        """Named or answering the force first: a joint appeal with Humberside Police that
        names this force is this force's news. `plain` is the text as `plain` left it;
        `policing` is `about_policing(plain)`, which the caller has already searched for (the
        dearest step of a judgement, not to be run twice), or anything when the force is
        named or answered."""
        if force_terms:
            return Verdict(relevance="named")
        if is_reply:
            return Verdict(relevance="reply")
        if self.other_forces and self.other_forces.search(plain):
            return Verdict(not_relevant="other-force")
        if not policing:
            in_another_sense = plain != text and self.police_words.search(text)
            return Verdict(not_relevant="other-sense" if in_another_sense else "not-about-policing")
        if not in_area:
            return Verdict(not_relevant="not-in-area")
        return Verdict(relevance="local-policing")


@cache
def load_vocabulary(
    path: Path = RULES_FILE,
) -> tuple[re.Pattern[str], PhraseIndex, re.Pattern[str]]:
    """What makes a text about policing (its police words or a policing phrasing: a crime
    reported, a court result, a 101 call), as one regex and as an index of its parts, and
    the other senses of those words; read once per process."""
    raw = read_rules(path, top_keys={"police_words", "policing_phrases", "other_senses"})
    words = raw.get("police_words")
    if not isinstance(words, list) or not words or not all(isinstance(w, str) for w in words):
        raise TaxonomyError(f"{path}: police_words: expected a list of words and phrases")
    other_senses = compile_phrases(raw.get("other_senses"), {}, f"{path}: other_senses")
    phrasings, phrasing_parts = compile_each(
        raw.get("policing_phrases"), {}, f"{path}: policing_phrases"
    )
    about_policing = re.compile(f"{phrase_pattern(words).pattern}|{phrasings.pattern}", re.I)
    parts = (*(phrase_pattern([word]) for word in words), *phrasing_parts)
    return about_policing, PhraseIndex.of([parts]), other_senses
