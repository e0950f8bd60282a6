"""Which language a mention is in, so non-English talk is tagged for the desk, never dropped."""

from __future__ import annotations

import re
from functools import cache
from itertools import islice

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
# The quick detector (trigrams only, four times faster) settles a text as English when this
# sure; the full one judges the rest. Of the 1,568 bench, labelled and news texts that reach a
# detector, the quick one settles 1,096: the full one agrees on 1,055, calls 40 short
# English tweets undetermined ("Oh Yay! Butler won!") and one, a post calling the force
# liars, Welsh: its tone toward the force then goes unjudged.
QUICK_ENGLISH_FROM = 0.9
# English's commonest words. A text in ASCII letters made up largely of them is English to
# any detector, so the detector (the slowest part of enrichment) is asked only about the rest.
# Words that are also words in a community language ("a", "i", "no", "me") are left out.
ENGLISH_FUNCTION_WORDS = frozenset(
    """
    the an and or but of to in on at for with from by is are was were be been it this that
    you he she we they my your our their him her us them not do does did have has had will
    would can could should there here what who when where why how if so as just all its
    it's i'm im don't dont can't up out get got one like about some more now too very really
    than then
    """.split()  # noqa: SIM905 (a paragraph reads better than a column of quoted words)
)
MIN_FUNCTION_WORDS = 2
MIN_FUNCTION_SHARE = 0.2
_WORDS = re.compile(r"[a-z']+")
_LETTERS = re.compile(r"[^\W\d_]")
_NOT_ASCII_LETTER = re.compile(r"[^\W\d_a-zA-Z]")


@cache
def _detector(*, quick: bool = False) -> LanguageDetector:
    builder = LanguageDetectorBuilder.from_languages(*LANGUAGES)
    return (builder.with_low_accuracy_mode() if quick else builder).build()


def language(text: str) -> str:
    """ISO 639-1 code, or "und" when the text is too short or unclear to tell."""
    if len(list(islice(_LETTERS.finditer(text), MIN_LETTERS))) < MIN_LETTERS:
        return UNDETERMINED
    opening = text[:1_000]
    if _plainly_english(text) or _likely(opening, quick=True) == "en":
        return "en"
    return _likely(opening)


def _likely(text: str, *, quick: bool = False) -> str:
    """The detector's most likely language, or "und" when it is unsure."""
    best = _detector(quick=quick).compute_language_confidence_values(text)[0]
    if best.value < (QUICK_ENGLISH_FROM if quick else MIN_CONFIDENCE):
        return UNDETERMINED
    return best.language.iso_code_639_1.name.lower()


def _plainly_english(text: str) -> bool:
    if _NOT_ASCII_LETTER.search(text):
        return False
    words = _WORDS.findall(text[:1_000].lower())
    common = sum(word in ENGLISH_FUNCTION_WORDS for word in words)
    return common >= MIN_FUNCTION_WORDS and common >= MIN_FUNCTION_SHARE * len(words)
