"""`make train`: fits one small logistic regression per risk flag on the words, word pairs
and rule-vocab families of the kept dev rows and the training writers' posts, and writes the
weights of those that earn their place to enrichment/data/risk_flags_model.json.

The rules (enrichment/data/risk.yaml) were written from dev, so they catch nearly every dev
row and miss most phrasings they were not written for. A model is judged on rows it did
not see (5-fold cross-validation, repeated): each flag's threshold is the lowest probability
at which the model alone keeps precision at PRECISION or better, rule-or-model stays at
PRECISION (or the rules' own precision, if lower), and rule-or-model on the rows where flags
are as rare as in the stream (dev and the stream writers' posts) stays at STREAM_PRECISION;
the flag ships only if the model then finds at least MIN_RECALL of the flagged rows it never
saw and rule-or-model beats the rules alone in F1 by MIN_GAIN (a model that only adds false
alarms to rules that already find every dev row does not ship).

Beside dev, each file in tests/data/writer_training/ teaches the flags it labels: posts by
writers who never saw the rules, so the models learn phrasings the rules were not written
from. The writers in tests/data/writer_probes/ and the held-out split are never read here.
The same data and seed give the same file, byte for byte.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from pathlib import Path
from statistics import mean

import numpy as np
import sklearn
from scipy.sparse import csr_matrix
from sklearn.feature_extraction import DictVectorizer
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import RepeatedStratifiedKFold
from threadpoolctl import threadpool_limits

from bench.evaluation import (
    WRITER_TRAINING,
    at_stream_rates,
    flag_files,
    labelled_flags,
    load_examples,
)
from bench.place_words import names_a_place, place_names_words
from enrichment.learned import LETTERS, letters
from enrichment.risk import FLAGS, risk_flags
from enrichment.risk_model import MODEL_FILE, features

SEED = 20261205
# Chosen by this cross-validation (2026-12-06) from 0.5, 1, 2 and 4: the six flags' mean
# rules-or-model F1 (personal-data aside) 0.8639, 0.8640, 0.8643, 0.8664.
C = 4.0
FOLDS = 5
# With 22-32 flagged dev rows, one split's figures move by a row or two: each row's unseen
# probability is averaged over REPEATS differently shuffled splits.
REPEATS = 5
DECIMALS = 4
MIN_COUNT = 2
# Above the goal of 0.8: a dev fold's precision rests on a dozen raised rows, and at 0.8 the
# crime, identity and prejudice models raised flags on the court reports and unnamed victims
# that tests/unit/test_risk.py lists as near misses.
PRECISION = 0.9
# The issue's goal, on the dev rows and the stream writers' posts: there flags are as rare as
# in the stream the desk hears, while another writer's file is a third flagged, so a model's
# false alarms cost more precision there. With the dev rows not kept still counted (as they
# were until 2026-12-05), rules-or-model was 0.79 precise on dev for crime, 0.78 for threats
# and 0.6 for abuse at thresholds 0.9 precise on all rows.
STREAM_PRECISION = 0.8
# A fifth of the flagged texts it never saw: the rules find 0.07-0.35 of the phrasings they
# were not written for (held-out), so a model finding this many at PRECISION adds to them.
MIN_RECALL = 0.2
# Beside rules that already find nearly all of a flag, a model that only ties them in F1 adds
# false alarms of the kinds the rules were written to avoid: personal-data's NB-LR model tied
# (0.955 against 0.954) and read "My number is in my bio, DM me if you saw it" as personal data.
MIN_GAIN = 0.01
# "who", "is", "at" alone: with 25 flagged rows the model learned them as evidence (0.56 for
# "The man who was attacked is in a stable condition"); without them, personal-data's
# cross-validated recall rose from 0.35 to 0.58. Unweighted features are ignored at scoring,
# so the list is needed in training only.
FUNCTION_WORDS = frozenset(f"word: {w}" for w in ENGLISH_STOP_WORDS)
THRESHOLDS = tuple(round(0.05 * i, 2) for i in range(1, 20))


def _learnable(feature: str) -> bool:
    """Not a function word, and not where the post is set."""
    return feature not in FUNCTION_WORDS and not names_a_place(feature)


@dataclass(frozen=True)
class Row:
    # The text's learnable features (`_learnable`), sifted once, not once a fold.
    found: dict[str, float]
    flags: frozenset[str]
    by_rules: frozenset[str]
    # The flags this row is labelled for: a writer's file labels only the flags it was
    # written for, so its posts are no evidence about the others.
    labelled: frozenset[str]
    # A dev row or a stream writer's post: flags as rare as the desk meets them.
    in_stream: bool


@dataclass(frozen=True)
class Verdict:
    """One flag's cross-validated figures on its training rows, and whether its model ships."""

    flag: str
    threshold: float | None
    model: tuple[float, float]
    rules: tuple[float, float]
    either: tuple[float, float]
    # Rules or model on the rows at the stream's rates.
    in_stream: tuple[float, float]
    # The model reads the letters inside words (`letters`), which it does only where they
    # raise its F1 by MIN_GAIN: elsewhere they only grow the file and shift its verdicts.
    letters: bool = False

    @property
    def ships(self) -> bool:
        return (
            self.threshold is not None
            and self.model[1] >= MIN_RECALL
            and self.either[0] >= min(PRECISION, self.rules[0])
            and self.in_stream[0] >= STREAM_PRECISION
            and _f1(self.either) >= _f1(self.rules) + MIN_GAIN
        )


def training_rows() -> list[Row]:
    """The kept rows of the dev split (every flag labelled) and each training writer's file
    (the flags it labels)."""
    # A row the desk would not hear carries neutral labels by convention, not by reading
    # (tests/data/LABELLING.md): its slurs and threats were never judged.
    dev = [e for e in load_examples() if e["split"] == "dev" and e.get("keep", True)]
    rows = [_row(e, frozenset(FLAGS), in_stream=True) for e in dev]
    for path in flag_files(WRITER_TRAINING):
        written = load_examples(path)
        labelled, in_stream = labelled_flags(path, written), at_stream_rates(path)
        rows += [_row(e, labelled, in_stream=in_stream) for e in written]
    return rows


def _row(example: dict, labelled: frozenset[str], *, in_stream: bool) -> Row:
    text = example["text"]
    by_rules = frozenset(risk_flags(text))
    found = {
        name: value
        for name, value in features(text).items()
        if _learnable(name) and not name.startswith(LETTERS)
    }
    # Letters only from the words that are no place's: " spa" of Spalding is where a post is.
    found |= letters(text, skip=place_names_words())
    return Row(found, frozenset(example["risk_flags"]), by_rules, labelled, in_stream)


@dataclass(frozen=True)
class Table:
    """Every training row's features as one matrix, its columns in name order, vectorised
    once: each flag, and each fold, takes its rows and columns from it instead of
    vectorising them again. The matrix DictVectorizer would build from them, so the same
    model, in a fraction of the time."""

    rows: list[Row]
    found: csr_matrix
    names: np.ndarray

    @classmethod
    def of(cls, rows: list[Row]) -> Table:
        vectoriser = DictVectorizer(sort=True)
        found = vectoriser.fit_transform([row.found for row in rows])
        return cls(rows, found, vectoriser.get_feature_names_out())

    def without_letters(self) -> Table:
        words = np.flatnonzero(~np.char.startswith(self.names.astype(str), LETTERS))
        return Table(self.rows, self.found[:, words], self.names[words])


def labelled_for(table: Table, flag: str) -> tuple[list[Row], np.ndarray, csr_matrix, np.ndarray]:
    """The rows labelled for the flag, which of them carry it, their features as one matrix
    and its columns' names (those in any of the rows), in name order."""
    picked = [i for i, row in enumerate(table.rows) if flag in row.labelled]
    found = table.found[picked]
    present = np.flatnonzero(found.getnnz(axis=0))
    rows = [table.rows[i] for i in picked]
    flagged = np.array([flag in row.flags for row in rows])
    return rows, flagged, found[:, present], table.names[present]


def fit(found: csr_matrix, flagged: np.ndarray) -> tuple[np.ndarray, LogisticRegression]:
    """A logistic regression over features scaled by how much likelier each is in flagged
    rows than in the rest (the naive-Bayes log-count ratio: NB-LR, after Wang and Manning,
    ACL 2012). A word seen in a handful of threats starts out as evidence instead of
    waiting for the regression to find it. The ratios are folded into the weights, so a
    text is scored on its plain features, as before. Returns the columns it reads (those
    in MIN_COUNT rows or more) and the model over them."""
    columns = np.flatnonzero(found.getnnz(axis=0) >= MIN_COUNT)
    found = found[:, columns]
    ratio = np.log(_share(found[flagged]) / _share(found[~flagged]))
    model = LogisticRegression(C=C, class_weight="balanced", max_iter=5_000, random_state=SEED)
    model.fit(found.multiply(ratio).tocsr(), flagged)
    model.coef_ = model.coef_ * ratio
    return columns, model


def _share(found: csr_matrix) -> np.ndarray:
    """Each feature's share of all feature counts in these rows, one added to every count
    (Laplace), so a feature never seen among them is rare, not impossible."""
    counts = np.asarray(found.sum(axis=0)).ravel() + 1.0
    return counts / counts.sum()


def cross_validate(table: Table, flag: str) -> Verdict:
    """Out-of-fold probabilities on the rows labelled for the flag (each row's mean over the
    repeats); the threshold and figures they give."""
    rows, flagged, found, _ = labelled_for(table, flag)
    expected = flagged.tolist()
    probability = [0.0] * len(rows)
    folds = RepeatedStratifiedKFold(n_splits=FOLDS, n_repeats=REPEATS, random_state=SEED)
    for train, test in folds.split(rows, expected):
        columns, model = fit(found[train], flagged[train])
        scored = model.predict_proba(found[test][:, columns])[:, 1]
        for i, p in zip(test, scored, strict=True):
            probability[i] += float(p) / REPEATS
    by_rules = [flag in row.by_rules for row in rows]
    floor = min(PRECISION, _scores(expected, by_rules)[0])
    stream = [row.in_stream for row in rows]

    def in_stream(predicted: list[bool]) -> tuple[float, float]:
        return _scores(
            [e for e, s in zip(expected, stream, strict=True) if s],
            [p for p, s in zip(predicted, stream, strict=True) if s],
        )

    def precise(t: float) -> bool:
        """The model alone at PRECISION; beside the rules, no less precise than they are, and
        at STREAM_PRECISION where flags are as rare as in the stream."""
        alone = [p >= t for p in probability]
        either = [a or b for a, b in zip(alone, by_rules, strict=True)]
        return (
            _scores(expected, alone)[0] >= PRECISION
            and _scores(expected, either)[0] >= floor
            and in_stream(either)[0] >= STREAM_PRECISION
        )

    threshold = next((t for t in THRESHOLDS if precise(t)), None)
    by_model = [threshold is not None and p >= threshold for p in probability]
    either = [a or b for a, b in zip(by_model, by_rules, strict=True)]
    return Verdict(
        flag=flag,
        threshold=threshold,
        model=_scores(expected, by_model),
        rules=_scores(expected, by_rules),
        either=_scores(expected, either),
        in_stream=in_stream(either),
    )


def _f1(scores: tuple[float, float]) -> float:
    precision, recall = scores
    return 2 * precision * recall / (precision + recall) if precision + recall else 0.0


def _scores(expected: list[bool], predicted: list[bool]) -> tuple[float, float]:
    """(precision, recall); precision 0 when nothing is predicted."""
    tp = sum(e and p for e, p in zip(expected, predicted, strict=True))
    return tp / max(sum(predicted), 1), tp / max(sum(expected), 1)


def chosen(table: Table, plain: Table, flag: str) -> Verdict:
    """The flag's verdict on its words alone, or with the letters inside them where those
    raise its F1 by MIN_GAIN (abuse typed masked, a name's spelling)."""
    without, with_letters = cross_validate(plain, flag), cross_validate(table, flag)
    if with_letters.ships and _f1(with_letters.either) >= _f1(without.either) + MIN_GAIN:
        return replace(with_letters, letters=True)
    return without


def write(table: Table, plain: Table, verdicts: list[Verdict], path: Path) -> None:
    """One feature a line, so a retrained model reads as a diff of the features that moved.
    `plain`: the table without letters, for the models that do not read them."""
    models = []
    for verdict in verdicts:
        if not verdict.ships:
            continue
        read = table if verdict.letters else plain
        _, flagged, found, names = labelled_for(read, verdict.flag)
        columns, model = fit(found, flagged)
        weights = {
            name: w
            for name, w in zip(
                names[columns].tolist(),
                model.coef_[0].round(DECIMALS).tolist(),
                strict=True,
            )
            if w
        }
        lines = ",\n".join(f"    {json.dumps(n)}: {json.dumps(w)}" for n, w in weights.items())
        models.append(
            f"  {json.dumps(verdict.flag)}: {{\n"
            f'   "threshold": {verdict.threshold},\n'
            f'   "intercept": {round(float(model.intercept_[0]), DECIMALS)},\n'
            f'   "weights": {{\n{lines}\n   }}\n  }}'
        )
    about = {
        "trained_on": "the kept dev rows of tests/data/police_mentions.jsonl and, for the flags "
        "each labels, the files in tests/data/writer_training/",
        "rows_per_flag": {f: sum(f in row.labelled for row in table.rows) for f in FLAGS},
        "scikit_learn": sklearn.__version__,
        "C": C,
        "not_shipped": [v.flag for v in verdicts if not v.ships],
        "reads_letters": [v.flag for v in verdicts if v.ships and v.letters],
    }
    head = json.dumps(about, indent=1)[:-2]
    body = ",\n".join(models)
    path.write_text(f'{head},\n "flags": {{\n{body}\n }}\n}}\n', encoding="utf-8")


# One BLAS thread: a second made the fits slower, not faster (OpenBLAS's threads spin while
# they wait for work). On 2 cores (2026-12-07) the refit took 47 s against
# 99 s with two threads (179 s of CPU), and wrote the same file byte for byte.
@threadpool_limits.wrap(limits=1, user_api="blas")
def train(path: Path = MODEL_FILE) -> list[Verdict]:
    table = Table.of(training_rows())
    plain = table.without_letters()
    verdicts = [chosen(table, plain, flag) for flag in FLAGS]
    write(table, plain, verdicts, path)
    return verdicts


def main(path: Path = MODEL_FILE) -> None:
    verdicts = train(path)
    print(
        f"{FOLDS}-fold cross-validation on dev and the training writers, {REPEATS} times, "
        "precision/recall:"
    )
    for v in verdicts:
        print(
            f"  {v.flag:22} rules {v.rules[0]:.2f}/{v.rules[1]:.2f}  model alone "
            f"{v.model[0]:.2f}/{v.model[1]:.2f} at {v.threshold}  rules or model "
            f"{v.either[0]:.2f}/{v.either[1]:.2f} (at stream rates {v.in_stream[0]:.2f}/"
            f"{v.in_stream[1]:.2f})  {'ships' if v.ships else 'not shipped'}"
            f"{', reads letters' if v.letters else ''}"
        )
    shipped = [_f1(v.either) for v in verdicts if v.ships]
    # The figure a change to the rules or the training rows is kept or dropped on
    # (docs/enrichment-history.md): its rule says how far it may fall.
    print(f"mean F1, rules or model, of the {len(shipped)} shipped flags: {mean(shipped):.6f}")
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
