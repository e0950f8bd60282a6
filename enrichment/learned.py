"""Learned models beside the rules: linear models over a text's words and word pairs,
trained by `make train` (bench/train_toward_force.py, bench/train_flags.py).

The `toward_force` judge also reads the policing lexicon's own score; the risk-flag models
(enrichment/risk_model.py) read the words alone. Rules and lexicons are precise on the
phrasings they were written for; a model adds the words and pairs of words that labelled
texts share ("still waiting", "just been"). Weights are JSON files, so loading one runs no
code, and scoring a text is a sparse dot product over a few dozen features.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from functools import cache, lru_cache
from itertools import chain, pairwise
from pathlib import Path

from earshot.core.safe_text import plain

MODEL_FILE = Path(__file__).parent / "data" / "toward_force_model.json"
# Trained on news sentences alone (bench/train_toward_news.py): read for news search results.
NEWS_MODEL_FILE = Path(__file__).parent / "data" / "toward_force_news_model.json"
LABELS = ("negative", "neutral", "positive")

# Words, "!" and "?", and each emoji: in posts a 🐷 or a 🔪 says as much as a word.
_TOKENS = re.compile(r"[a-z0-9']+|[!?]|[\u2600-\u27bf\U0001f300-\U0001faff]")
# What the lexicon says, as features beside the words: the model learns how far to trust it.
LEXICON_SCORE = "lexicon: score"
LEXICON_NEGATIVE = "lexicon: negative"
LEXICON_POSITIVE = "lexicon: positive"
REPLY = "answers the force"


def words_and_pairs(text: str, *, skips: bool = False) -> dict[str, float]:
    """Words and word pairs (lower case). Shared by every model's training and scoring, so
    the two can never tokenise differently. `skips`: each word with the word two on too, for
    the flag models, so "hope they all die" and "hope u all die" share "hope … all" (kept by
    cross-validation on 2026-12-06: the six flags' mean F1 0.8664 → 0.8699)."""
    words = _words(text)
    found: dict[str, float] = {f"word: {w}": 1.0 for w in words}
    found.update({f"pair: {a} {b}": 1.0 for a, b in pairwise(words)})
    if skips:
        found.update({f"skip: {a} {c}": 1.0 for a, c in zip(words, words[2:], strict=False)})
    return found


# A word's letters as the flag models read them: masks ("pr*ck", "tw@t") stay inside the word.
_LETTERED = re.compile(r"[a-z0-9'*@]+")
LETTERS = "letters: "


def letters(text: str, *, skip: Collection[str] = ()) -> dict[str, float]:
    """Every run of four characters inside each word, its edges marked: "f*cking" and
    "f*cked" share "f*ck", "stabbed" and "stabbing" share "stab", so a spelling or ending
    no training post used still counts. `skip`: words left out (training leaves out place
    names). Read by the flag models they help (bench/train_flags.py chooses per flag)."""
    kept = (w for w in lettered(text) if w not in skip)
    return dict.fromkeys(chain.from_iterable(map(_runs, kept)), 1.0)


@lru_cache(maxsize=65_536)
def _runs(word: str) -> tuple[str, ...]:
    """One word's letter features, kept: "the" and "police" are in most texts."""
    marked = f" {word} "
    return tuple(f"{LETTERS}{marked[i : i + 4]}" for i in range(len(marked) - 3))


def lettered(text: str) -> list[str]:
    """The words `letters` reads, lower case: to name the word a run of letters came from."""
    return _LETTERED.findall(text.lower())


def in_words(feature: str, text: str, kinds: Mapping[str, str]) -> str:
    """How the desk is told of a feature a model weighed: "'still waiting'" for a word or
    pair, "'hope … all'" for a word and the word two on, the text's own word for letters
    inside it ("'stabbing'"), "a reply to the force" for `REPLY`. Each model names its other
    kinds in `kinds`, a template given what follows the kind ("says: harm" → "words for
    harm"); a kind it does not name is said as it is named ("topic response-times")."""
    kind, _, said = feature.partition(": ")
    if kind in {"word", "pair"}:
        return f"'{said}'"
    if kind == "skip":
        return f"'{said.replace(' ', ' … ')}'"
    if feature.startswith(LETTERS):
        return f"'{plain(next(w for w in lettered(text) if said in f' {w} '))}'"
    if feature == REPLY:
        return "a reply to the force"
    return kinds[kind].format(said) if kind in kinds else feature


def features(text: str, *, lexicon_score: float, is_reply: bool) -> dict[str, float]:
    """Words and word pairs plus the lexicon's compound score and verdict."""
    found = words_and_pairs(text)
    found[LEXICON_SCORE] = lexicon_score
    found[LEXICON_NEGATIVE] = float(lexicon_score <= -0.05)
    found[LEXICON_POSITIVE] = float(lexicon_score >= 0.05)
    if is_reply:
        found[REPLY] = 1.0
    return found


# News prose names its target in one clause and judges it there ("Police were praised, but
# the council was slammed"; a headline is a clause of its own), so the news model also reads
# the words either side of each reference to the target and the lexicon's score of the
# clauses that hold one.
TARGET_WINDOW = 3
_CLAUSE_BREAKS = re.compile(
    r"[\n,;:.!?()\"\u201c\u201d]|\b(?:but|while|though|although|whereas)\b", re.I
)


Span = tuple[int, int]


def target_features(
    text: str, spans: Sequence[Span], lexicon_score: Callable[[str], float]
) -> dict[str, float]:
    """What news prose says next to its target, named at `spans` of the text (none: nothing).
    A clause is what lies between punctuation, line breaks and "but", "while", "though",
    "although" or "whereas"."""
    found: dict[str, float] = {}
    if not spans:
        return found
    for start, end in spans:
        found.update(dict.fromkeys(_before(text[:start]), 1.0))
        found.update(dict.fromkeys(_after(text[end:]), 1.0))
    breaks = [0, *(i for m in _CLAUSE_BREAKS.finditer(text) for i in m.span()), len(text)]
    clauses = [text[a:b] for a, b in pairwise(breaks) if any(s < b and a < e for s, e in spans)]
    score = lexicon_score(" ".join(clauses))
    found["clause: score"] = score
    found["clause: negative"] = float(score <= -0.05)
    found["clause: positive"] = float(score >= 0.05)
    found.update(dict.fromkeys((f"clause word: {w}" for c in clauses for w in _words(c)), 1.0))
    return found


def _words(text: str) -> list[str]:
    return _TOKENS.findall(text.lower())


def _before(text: str) -> list[str]:
    return [f"before the target: {w}" for w in _words(text)[-TARGET_WINDOW:]]


def _after(text: str) -> list[str]:
    return [f"after the target: {w}" for w in _words(text)[:TARGET_WINDOW]]


@dataclass(frozen=True)
class Judgement:
    label: str
    # P(positive) - P(negative): in [-1, 1] like VADER's compound.
    score: float
    # The model's probability of its label.
    sure: float


@dataclass(frozen=True)
class Weighing:
    label: str
    probability: dict[str, float]
    # The features that pushed hardest toward the label, strongest first, where a caller
    # names them (`LinearModel.strongest_for`: ranking them costs more than the sum).
    strongest: tuple[str, ...] = ()


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
        rows: list[tuple[float, ...]] = []
        for name, value in found.items():
            weight = self.weights.get(name)
            if weight is None or not value:
                continue
            rows.append(weight if value == 1.0 else tuple(value * w for w in weight))
        # Column sums in C, feature by feature in the same order as a loop would add them.
        columns = zip(*rows, strict=True) if rows else ((),) * len(self.intercept)
        totals = [sum(column, start) for start, column in zip(self.intercept, columns, strict=True)]
        best = max(range(len(totals)), key=totals.__getitem__)
        top = max(totals)
        exps = [math.exp(t - top) for t in totals]
        probability = {label: e / sum(exps) for label, e in zip(self.labels, exps, strict=True)}
        return Weighing(label=self.labels[best], probability=probability)

    def strongest_for(self, found: dict[str, float], label: str) -> tuple[str, ...]:
        """The features that pushed hardest toward `label`: the reasons a judge names."""
        i = self.labels.index(label)
        pushes = [(value, name) for name, value in found.items() if value and name in self.weights]
        return strongest(pushes, lambda name: self.weights[name][i])


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
            sure=weighed.probability[weighed.label],
        )


def strongest(
    pushes: list[tuple[float, str]], weight: Callable[[str], float], most: int = 3
) -> tuple[str, ...]:
    """The (value, feature) pushes that moved a score hardest toward a verdict, strongest
    first: what a judge names as its reasons."""
    ranked = sorted(pushes, key=lambda p: -p[0] * weight(p[1]))
    return tuple(name for value, name in ranked[:most] if value * weight(name) > 0)


@dataclass(frozen=True)
class LearnedFlags:
    """Binary logistic regressions, one per risk flag, each with the probability above which
    its flag is raised (chosen by cross-validation on dev, bench/train_flags.py). A feature's
    weights for every flag sit in one tuple, so a text's features are looked up once, not once
    per flag."""

    flags: tuple[str, ...]
    weights: dict[str, tuple[float, ...]]  # 0.0 where a flag's model has no such feature
    intercepts: tuple[float, ...]
    thresholds: tuple[float, ...]

    def raised(self, found: dict[str, float], asked: Collection[str]) -> dict[str, Raised]:
        """The flags among `asked` whose model passes its threshold on these features, each
        present (1.0, as `words_and_pairs` gives them)."""
        rows = [weight for name in found if (weight := self.weights.get(name))]
        columns = zip(*rows, strict=True) if rows else ((),) * len(self.flags)
        raised = {}
        for i, (flag, column) in enumerate(zip(self.flags, columns, strict=True)):
            if flag not in asked:
                continue
            probability = 1 / (1 + math.exp(-(self.intercepts[i] + sum(column))))
            if probability >= self.thresholds[i]:
                pushes = [(1.0, name) for name in found if name in self.weights]
                pushed = strongest(pushes, lambda name, i=i: self.weights[name][i])
                raised[flag] = Raised(probability, pushed)
        return raised


@dataclass(frozen=True)
class Raised:
    probability: float
    strongest: tuple[str, ...]  # the features that pushed hardest toward the flag


@cache
def load_flags(path: Path) -> LearnedFlags:
    """Every flag whose model earned its place in training."""
    stored = json.loads(path.read_text(encoding="utf-8"))
    try:
        models = stored["flags"]
        flags = tuple(models)
        weights: dict[str, list[float]] = {}
        for i, flag in enumerate(flags):
            for name, weight in dict(models[flag]["weights"]).items():
                weights.setdefault(name, [0.0] * len(flags))[i] = float(weight)
        return LearnedFlags(
            flags=flags,
            weights={name: tuple(w) for name, w in weights.items()},
            intercepts=tuple(float(models[f]["intercept"]) for f in flags),
            thresholds=tuple(float(models[f]["threshold"]) for f in flags),
        )
    except (KeyError, TypeError, AttributeError, ValueError) as error:
        raise ValueError(f"{path}: expected flags with weights, intercept, threshold") from error


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
