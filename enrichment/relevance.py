"""Does a text talk about the force? The profile's names, handles, hashtags and campaigns."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from earshot.core.profile import Force


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
