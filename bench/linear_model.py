"""Fitting and writing the learned models' weights (enrichment/learned.py reads them):
shared by every `make train` script, so each model file is made the same way."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import sklearn
from sklearn.feature_extraction import DictVectorizer
from sklearn.linear_model import LogisticRegression

from enrichment.learned import LinearModel

SEED = 20261204
DECIMALS = 4


def fit_linear(
    found: list[dict[str, float]],
    labels: list[str],
    *,
    c: float,
    min_count: int,
    sample_weight: list[float] | None = None,
) -> tuple[DictVectorizer, LogisticRegression]:
    """A multinomial logistic regression over the features seen in at least `min_count`
    rows: a word seen once teaches nothing and only grows the file."""
    seen = Counter(name for row in found for name in row)
    kept = [{n: v for n, v in row.items() if seen[n] >= min_count} for row in found]
    vectoriser = DictVectorizer(sort=True)
    model = LogisticRegression(C=c, max_iter=5_000, random_state=SEED)
    model.fit(vectoriser.fit_transform(kept), labels, sample_weight=sample_weight)
    return vectoriser, model


def fit_weighted(
    groups: list[tuple[list[tuple[dict[str, float] | None, str]], float]],
    *,
    c: float,
    min_count: int,
) -> tuple[DictVectorizer, LogisticRegression]:
    """`fit_linear` over groups of (features, label) rows, each group at its own weight; a
    row without features (a text the judge does not score) is left out."""
    judged = [(found, label, w) for rows, w in groups for found, label in rows if found is not None]
    return fit_linear(
        [found for found, _, _ in judged],
        [label for _, label, _ in judged],
        c=c,
        min_count=min_count,
        sample_weight=[w for _, _, w in judged],
    )


def write_weights(
    path: Path,
    vectoriser: DictVectorizer,
    model: LogisticRegression,
    labels: tuple[str, ...],
    trained_on: str,
    settings: dict,
) -> None:
    """The weights as JSON beside what they were trained on and the settings they use."""
    if tuple(model.classes_) != labels:
        raise ValueError(f"labels {list(model.classes_)}, expected {list(labels)}")
    columns = model.coef_.T.round(DECIMALS).tolist()
    weights = {
        name: w
        for name, w in zip(vectoriser.get_feature_names_out(), columns, strict=True)
        if any(w)
    }
    head = {
        "trained_on": trained_on,
        "scikit_learn": sklearn.__version__,
        **settings,
        "labels": list(labels),
        "intercept": model.intercept_.round(DECIMALS).tolist(),
    }
    # One feature a line, so a retrained model reads as a diff of the features that moved.
    lines = ",\n".join(f"  {json.dumps(name)}: {json.dumps(w)}" for name, w in weights.items())
    text = json.dumps(head, indent=1)[:-2]
    path.write_text(f'{text},\n "weights": {{\n{lines}\n }}\n}}\n', encoding="utf-8")


def as_linear_model(vectoriser: DictVectorizer, model: LogisticRegression) -> LinearModel:
    """The fitted model as enrichment scores it, so cross-validation judges what ships."""
    columns = model.coef_.T.tolist()
    return LinearModel(
        labels=tuple(model.classes_),
        weights=dict(zip(vectoriser.get_feature_names_out(), map(tuple, columns), strict=True)),
        intercept=tuple(model.intercept_.tolist()),
    )
