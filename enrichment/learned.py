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


def features(text: str, *, lexicon_score: float, is_reply: bool) -> dict[str, float]:
    """Words and word pairs (lower case) plus the lexicon's compound score and verdict.

    Shared by training and scoring, so the two can never tokenise differently."""
    words = _TOKENS.findall(text.lower())
    found: dict[str, float] = {f"word: {w}": 1.0 for w in words}
    found.update({f"pair: {a} {b}": 1.0 for a, b in pairwise(words)})
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
class LearnedJudge:
    """Multinomial logistic regression: one weight per feature and label."""

    weights: dict[str, tuple[float, float, float]]
    intercept: tuple[float, float, float]

    @classmethod
    def load(cls, path: Path = MODEL_FILE) -> LearnedJudge:
        return _load(path)

    def judge(self, found: dict[str, float]) -> Judgement:
        totals = list(self.intercept)
        pushes: list[tuple[float, str]] = []
        for name, value in found.items():
            weight = self.weights.get(name)
            if weight is None or not value:
                continue
            for i in range(3):
                totals[i] += value * weight[i]
            pushes.append((value, name))
        best = max(range(3), key=totals.__getitem__)
        top = max(totals)
        exps = [math.exp(t - top) for t in totals]
        probability = [e / sum(exps) for e in exps]
        ranked = sorted(pushes, key=lambda p: -p[0] * self.weights[p[1]][best])
        strongest = tuple(
            name for value, name in ranked[:3] if value * self.weights[name][best] > 0
        )
        return Judgement(
            label=LABELS[best],
            score=round(probability[2] - probability[0], 4),
            strongest=strongest,
        )


@cache
def _load(path: Path) -> LearnedJudge:
    stored = json.loads(path.read_text(encoding="utf-8"))
    if stored.get("labels") != list(LABELS):
        raise ValueError(f"{path}: labels {stored.get('labels')!r}, expected {list(LABELS)!r}")
    return LearnedJudge(
        weights={name: tuple(w) for name, w in stored["weights"].items()},
        intercept=tuple(stored["intercept"]),
    )
