"""Where a post is set, as the `make train` scripts leave it out of every model's fit: the
force area's place names, as words, word pairs and skip pairs. Where a writer set a story is
their choice, not what it says."""

from __future__ import annotations

from functools import cache

from earshot.core.paths import DEFAULT_PROFILE
from enrichment.learned import words_and_pairs
from enrichment.places import Gazetteer
from listeners import load_profile


@cache
def place_words() -> tuple[frozenset[str], frozenset[str]]:
    """The one-word names of places in the force area, and the word pairs inside longer ones:
    learned, "'police', 'spalding'" raised a rumour on "Police say the missing girl from
    Spalding has been found safe and well". Left out in training only (a word with no weight
    is ignored at scoring). A place's possessive too: "Stamford's" is the word `stamford's`."""
    words, pairs = set(), set()
    for place in Gazetteer.for_area(load_profile(DEFAULT_PROFILE).area).places:
        found = words_and_pairs(place.name)
        named = [f for f in found if f.startswith("word: ")]
        if len(named) == 1:
            words.add(named[0].removeprefix("word: "))
        pairs.update(f for f in found if f.startswith("pair: "))
    words |= {f"{word}'s" for word in words}
    pairs |= {f"{pair}'s" for pair in pairs}
    return frozenset(words), frozenset(pairs)


@cache
def place_names_words() -> frozenset[str]:
    """Every word of every place name in the force area ("market" and "rasen" too)."""
    words, pairs = place_words()
    return words | {w for pair in pairs for w in pair.removeprefix("pair: ").split(" ")}


def names_a_place(feature: str) -> bool:
    """A place's word, or a word pair or skip pair ("hope … all") holding one: where a post is
    set, which training leaves out."""
    words, pairs = place_words()
    kind, _, said = feature.partition(": ")
    if kind == "word":
        return said in words
    return kind in {"pair", "skip"} and (
        feature in pairs or bool(words.intersection(said.split(" ")))
    )
