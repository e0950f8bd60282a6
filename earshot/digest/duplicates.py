"""One line per story: a list in the digest folds reposts and near-copies into the first.

Two mentions tell the same story when the store put them in one story cluster
(`earshot.cluster`, where mentions carry it) or when their texts open with the same words
once links, handles, "RT" and case are set aside. Either is enough: the store's MinHash
catches reworded copies, the opening words catch reposts too short for MinHash to judge.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from typing import TypeVar

T = TypeVar("T")

OPENING_WORDS = 20

_NOISE = re.compile(r"https?://\S+|(?<!\w)[@#][\w.@-]+|\brt\b")
_WORDS = re.compile(r"[a-z0-9]+")


def story_key(text: str) -> str:
    """The opening words of a text with the noise of reposting removed; empty when none."""
    words = _WORDS.findall(_NOISE.sub(" ", text.lower()))
    return " ".join(words[:OPENING_WORDS])


def fold(
    things: Sequence[T], stories: Callable[[T], Iterable[str]], limit: int
) -> list[tuple[T, int]]:
    """The first `limit` distinct stories in the given order, each with how many later
    things were folded into it for sharing any of its story keys."""
    first_of: dict[str, int] = {}
    folded: list[list] = []
    for thing in things:
        keys = [k for k in stories(thing) if k]
        index = next((first_of[k] for k in keys if k in first_of), None)
        if index is None:
            if len(folded) >= limit:
                continue
            index = len(folded)
            folded.append([thing, 0])
        else:
            folded[index][1] += 1
        for key in keys:
            first_of.setdefault(key, index)
    return [(thing, similar) for thing, similar in folded]
