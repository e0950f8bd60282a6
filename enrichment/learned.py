"""The learned half of `toward_force`: a linear model over a text's words and the policing
lexicon's own score, trained by `make train` (bench/train_toward_force.py).

The lexicon is precise on the phrasings it was written for; the model adds the words and
pairs of words that labelled complaints and praise share ("still waiting", "thank you").
Its weights are a JSON file, so loading it runs no code, and scoring a text is a sparse
dot product over a few dozen features.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from functools import cache
from itertools import pairwise
from pathlib import Path

MODEL_FILE = Path(__file__).parent / "data" / "toward_force_model.json"
LABELS = ("negative", "neutral", "positive")

_TOKENS = re.compile(r"[a-z0-9']+|[!?]")
# What the lexicon says, as features beside the words: the model learns how far to trust it.
LEXICON_SCORE = "lexicon: score"
LEXICON_NEGATIVE = "lexicon: negative"
LEXICON_POSITIVE = "lexicon: positive"
REPLY = "answers the force"


def words_and_pairs(text: str) -> dict[str, float]:
    """Words and word pairs (lower case), the text features every learned model shares."""
    words = _TOKENS.findall(text.lower())
    found: dict[str, float] = {f"word: {w}": 1.0 for w in words}
    found.update({f"pair: {a} {b}": 1.0 for a, b in pairwise(words)})
    return found


def features(text: str, *, lexicon_score: float, is_reply: bool) -> dict[str, float]:
    """Words and word pairs (lower case) plus the lexicon's compound score and verdict.

    Shared by training and scoring, so the two can never tokenise differently."""
    found = words_and_pairs(text)
    found[LEXICON_SCORE] = lexicon_score
    found[LEXICON_NEGATIVE] = float(lexicon_score <= -0.05)
    found[LEXICON_POSITIVE] = float(lexicon_score >= 0.05)
    if is_reply:
        found[REPLY] = 1.0
    return found


@dataclass(frozen=True)
class Judgement:
    label: str
    # P(positive) - P(negative): in [-1, 1] like VADER's compound.
    score: float
    # The features that pushed hardest toward the label, strongest first.
    strongest: tuple[str, ...]


@dataclass(frozen=True)
class Weighing:
    label: str
    probability: dict[str, float]
    # The features that pushed hardest toward the label, strongest first.
    strongest: tuple[str, ...]


@dataclass(frozen=True)
class LinearModel:
    """Multinomial logistic regression: one weight per feature and label, read from JSON."""

    labels: tuple[str, ...]
    weights: dict[str, tuple[float, ...]]
    intercept: tuple[float, ...]

    @classmethod
    def load(cls, path: Path, labels: tuple[str, ...]) -> LinearModel:
        return _load(path, labels)

    def weigh(self, found: dict[str, float]) -> Weighing:
        totals = list(self.intercept)
        pushes: list[tuple[float, str]] = []
        for name, value in found.items():
            weight = self.weights.get(name)
            if weight is None or not value:
                continue
            for i, w in enumerate(weight):
                totals[i] += value * w
            pushes.append((value, name))
        best = max(range(len(totals)), key=totals.__getitem__)
        top = max(totals)
        exps = [math.exp(t - top) for t in totals]
        probability = {label: e / sum(exps) for label, e in zip(self.labels, exps, strict=True)}
        ranked = sorted(pushes, key=lambda p: -p[0] * self.weights[p[1]][best])
        strongest = tuple(
            name for value, name in ranked[:3] if value * self.weights[name][best] > 0
        )
        return Weighing(label=self.labels[best], probability=probability, strongest=strongest)


@dataclass(frozen=True)
class LearnedJudge:
    """The toward-force model: its label, and P(positive) - P(negative) as its score."""

    model: LinearModel

    @classmethod
    def load(cls, path: Path = MODEL_FILE) -> LearnedJudge:
        return cls(LinearModel.load(path, LABELS))

    def judge(self, found: dict[str, float]) -> Judgement:
        weighed = self.model.weigh(found)
        return Judgement(
            label=weighed.label,
            score=round(weighed.probability["positive"] - weighed.probability["negative"], 4),
            strongest=weighed.strongest,
        )


@cache
def _load(path: Path, labels: tuple[str, ...]) -> LinearModel:
    stored = json.loads(path.read_text(encoding="utf-8"))
    if stored.get("labels") != list(labels):
        raise ValueError(f"{path}: labels {stored.get('labels')!r}, expected {list(labels)!r}")
    return LinearModel(
        labels=labels,
        weights={name: tuple(w) for name, w in stored["weights"].items()},
        intercept=tuple(stored["intercept"]),
    )
