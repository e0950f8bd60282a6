"""`make train`: fits the learned half of `toward_force` on the dev split and writes its
weights to enrichment/data/toward_force_model.json.

Only dev rows are used (never held-out). Only the texts the judge scores are trained on:
English, and about the force or answering it; the rest are neutral by rule. Before fitting,
it prints a cross-validation on dev of the model against the lexicon alone, which is how
the model earned its place. The same data and seed give the same file, byte for byte.
"""

from __future__ import annotations

import json
import statistics
from pathlib import Path

import sklearn
from sklearn.feature_extraction import DictVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score
from sklearn.model_selection import StratifiedKFold

from bench.evaluation import load_examples
from earshot.core.paths import DEFAULT_PROFILE
from enrichment import Enricher
from enrichment.learned import LABELS, LEXICON_SCORE, MODEL_FILE, features
from listeners import load_profile

SEED = 20261204
# Regularisation: 0.3 to 10 gave the same cross-validated macro F1 on dev (0.69-0.71).
C = 1.0
FOLDS = 5
DECIMALS = 4


def dev_rows() -> list[tuple[dict[str, float] | None, str]]:
    """(features, label) per dev row; features None where the rule says neutral unjudged."""
    enricher = Enricher.for_profile(load_profile(DEFAULT_PROFILE))
    judge = enricher.toward_force
    rows = []
    for e in load_examples():
        if e["split"] != "dev":
            continue
        plain = enricher.relevance.plain(f"\n{e['text']}")
        judged = e["language"] == "en" and (e["is_reply"] or judge.refers_to(plain))
        found = features(plain, lexicon_score=judge.lexicon_score(plain), is_reply=e["is_reply"])
        rows.append((found if judged else None, e["toward_force"]))
    return rows


def fit(
    rows: list[tuple[dict[str, float] | None, str]],
) -> tuple[DictVectorizer, LogisticRegression]:
    judged = [(found, label) for found, label in rows if found is not None]
    vectoriser = DictVectorizer(sort=True)
    matrix = vectoriser.fit_transform([found for found, _ in judged])
    model = LogisticRegression(C=C, max_iter=5_000, random_state=SEED)
    return vectoriser, model.fit(matrix, [label for _, label in judged])


def cross_validate(rows: list[tuple[dict[str, float] | None, str]]) -> tuple[float, float]:
    """Macro F1 on dev of (model, lexicon alone) over FOLDS folds: the ship-or-not decision."""
    labels = [label for _, label in rows]
    model_f1, lexicon_f1 = [], []
    for train, test in StratifiedKFold(FOLDS, shuffle=True, random_state=SEED).split(rows, labels):
        vectoriser, model = fit([rows[i] for i in train])
        by_model, by_lexicon = [], []
        for i in test:
            found = rows[i][0]
            if found is None:
                by_model.append("neutral")
                by_lexicon.append("neutral")
                continue
            by_model.append(model.predict(vectoriser.transform([found]))[0])
            by_lexicon.append(_lexicon_label(found[LEXICON_SCORE]))
        expected = [labels[i] for i in test]
        model_f1.append(f1_score(expected, by_model, average="macro"))
        lexicon_f1.append(f1_score(expected, by_lexicon, average="macro"))
    return statistics.fmean(model_f1), statistics.fmean(lexicon_f1)


def _lexicon_label(score: float) -> str:
    return "positive" if score >= 0.05 else "negative" if score <= -0.05 else "neutral"


def write(vectoriser: DictVectorizer, model: LogisticRegression, rows: int, path: Path) -> None:
    if tuple(model.classes_) != LABELS:
        raise ValueError(f"labels {list(model.classes_)}, expected {list(LABELS)}")
    columns = model.coef_.T.round(DECIMALS).tolist()
    weights = {
        name: w
        for name, w in zip(vectoriser.get_feature_names_out(), columns, strict=True)
        if any(w)
    }
    about = {
        "trained_on": f"{rows} dev rows of tests/data/police_mentions.jsonl",
        "scikit_learn": sklearn.__version__,
        "C": C,
        "labels": list(LABELS),
        "intercept": model.intercept_.round(DECIMALS).tolist(),
    }
    # One feature a line, so a retrained model reads as a diff of the features that moved.
    lines = ",\n".join(f"  {json.dumps(name)}: {json.dumps(w)}" for name, w in weights.items())
    head = json.dumps(about, indent=1)[:-2]
    path.write_text(f'{head},\n "weights": {{\n{lines}\n }}\n}}\n', encoding="utf-8")


def main(path: Path = MODEL_FILE) -> None:
    rows = dev_rows()
    by_model, by_lexicon = cross_validate(rows)
    print(f"{FOLDS}-fold cross-validation on {len(rows)} dev rows, macro F1:")
    print(f"  lexicon alone {by_lexicon:.3f}, lexicon + learned model {by_model:.3f}")
    vectoriser, model = fit(rows)
    write(vectoriser, model, sum(found is not None for found, _ in rows), path)
    print(f"wrote {path} ({len(vectoriser.vocabulary_)} features)")


if __name__ == "__main__":
    main()
