"""Does a text talk about the force? The profile's names, handles, hashtags and campaigns."""

from __future__ import annotations

import re
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
        if self.exclusions:
            text = self.exclusions.sub(" ", text)
        found = {self.canonical[_key(m.group(0))] for m in self.terms.finditer(text)}
        return tuple(sorted(found))


def phrase_pattern(phrases: list[str]) -> re.Pattern[str]:
    """Literal phrases as whole words, any spacing, any case; longest first, so
    "Lincolnshire Police Federation" wins over "Lincolnshire Police"."""
    ordered = sorted(set(phrases), key=len, reverse=True)
    body = "|".join(r"\s+".join(map(re.escape, p.split())) for p in ordered)
    return re.compile(rf"(?<![\w@#])(?:{body})(?!\w)", re.IGNORECASE)


def _key(phrase: str) -> str:
    return " ".join(phrase.lower().split())
