"""Which language a mention is in, so non-English talk is tagged for the desk, never dropped."""

from __future__ import annotations

from functools import cache

from lingua import Language, LanguageDetector, LanguageDetectorBuilder

# English plus the languages most spoken in UK communities (ONS census 2021 main
# languages), so short texts are not mistaken for languages nobody here writes in.
LANGUAGES = (
    Language.ENGLISH,
    Language.POLISH,
    Language.ROMANIAN,
    Language.PUNJABI,
    Language.URDU,
    Language.PORTUGUESE,
    Language.SPANISH,
    Language.ARABIC,
    Language.BENGALI,
    Language.GUJARATI,
    Language.ITALIAN,
    Language.LITHUANIAN,
    Language.FRENCH,
    Language.CHINESE,
    Language.TAMIL,
    Language.TURKISH,
    Language.BULGARIAN,
    Language.RUSSIAN,
    Language.WELSH,
    Language.PERSIAN,
    Language.SOMALI,
    Language.GERMAN,
)
UNDETERMINED = "und"
# Below this share of letters lingua guesses; "lol" or "101!!" is not Welsh.
MIN_LETTERS = 12
MIN_CONFIDENCE = 0.5


@cache
def _detector() -> LanguageDetector:
    return LanguageDetectorBuilder.from_languages(*LANGUAGES).build()


def language(text: str) -> str:
    """ISO 639-1 code, or "und" when the text is too short or unclear to tell."""
    if sum(ch.isalpha() for ch in text) < MIN_LETTERS:
        return UNDETERMINED
    best = _detector().compute_language_confidence_values(text[:1_000])[0]
    if best.value < MIN_CONFIDENCE:
        return UNDETERMINED
    return best.language.iso_code_639_1.name.lower()
