"""`make train`: fits the learned half of `toward_force` on the dev split, plus the training
split of a public set of news sentences labelled for sentiment toward a person they name
(NewsMTSC, tests/data/README.md) and the training writers' complaints and praise
(`writer_rows`), and writes its weights to enrichment/data/toward_force_model.json.

Of our own labelled set only dev rows are used (never held-out). Only the texts the judge scores are
trained on: English, and about the force or answering it; the rest are neutral by rule. The
news sentences count a twentieth of a dev row each: enough to teach the model that most
talk about someone is neutral, too little to drown how people talk about the police.
Measured 2026-12-05 (538 kept dev rows, 5-fold macro F1 on dev; and on the news training
split, 5 folds of it held out in turn): weights 0.05, 0.1, 0.2, 0.5 and 1 gave 0.627, 0.622,
0.619, 0.613, 0.603 on dev and 0.577, 0.588, 0.588, 0.586, 0.586 on the news; character
3-5-grams beside the words lost 0.03-0.06 on dev. The words either side of each reference to
the target (3 a side, by side) gained in both cross-validations (0.649 and 0.606 at 0.05;
0.642 and 0.615 at 0.1, the weight picked by the rule written down first: the best on
the news among those within 0.01 of the best on dev) and on the public test set (+0.09
over VADER against +0.07), but not on held-out (0.64 either way), and the desk's own examples
broke ("you never turned up last night" no longer counted against the force; "nobody has rung
me back like they promised" read as praise): not shipped. Learned twice per row, with and
without those words (2026-12-06), it gained more (dev 0.660, news 0.613, against at most
0.649 and 0.606 for the words beside alone at the same weight, 0.05) and the first of those
examples still broke: not shipped either. Before fitting, it prints that
cross-validation against the lexicon alone (0.509), which is how the model earned its
place. The same data and seed give the same file, byte for byte.
"""

from __future__ import annotations

import statistics
from functools import cache
from pathlib import Path

from sklearn.feature_extraction import DictVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score
from sklearn.model_selection import StratifiedKFold

from bench.evaluation import (
    ACTION_POSTS,
    NEWS_TRAINING,
    STREAM_POSTS,
    WRITER_TRAINING,
    action_files,
    load_examples,
)
from bench.linear_model import SEED, fit_weighted, write_weights
from earshot.core.paths import DEFAULT_PROFILE
from enrichment import Enricher, language
from enrichment.language import UNDETERMINED
from enrichment.learned import LABELS, LEXICON_SCORE, MODEL_FILE, features
from enrichment.sentiment import TowardForce
from listeners import load_profile

# Regularisation: 0.3 and 1 gave 0.638 and 0.627 cross-validated macro F1 on dev, 0.569 and
# 0.577 on the news (2026-12-05): a wash.
C = 1.0
FOLDS = 5
NEWS_WEIGHT = 0.05
# A word or pair seen once teaches nothing and only grows the file (3 lost 0.02 on dev).
MIN_COUNT = 2
# The action and stream writers' posts carry an action, not a tone toward the force, but two
# actions say it: a service complaint to put right is negative toward the force, praise to
# thank positive. Each such post counts half a dev row: 0.25, 0.5 and 1 gave 0.678, 0.684 and
# 0.663 macro F1 in cross-validation on dev (0.632 without them) and 0.577, 0.576 and 0.574
# on the news (0.576), 2026-12-06.
TOWARD_BY_ACTION = {"put-it-right": "negative", "thank": "positive"}
WRITERS_WEIGHT = 0.5

Rows = list[tuple[dict[str, float] | None, str]]


def dev_rows() -> Rows:
    """(features, label) per dev row; features None where the rule says neutral unjudged."""
    enricher = _enricher()
    rows = []
    for e in load_examples():
        # A row the desk would not hear is labelled neutral by convention, not by reading.
        if e["split"] != "dev" or not e.get("keep", True):
            continue
        found = _read(enricher, e["text"], e["is_reply"]) if e["language"] == "en" else None
        rows.append((found, e["toward_force"]))
    return rows


def writer_rows() -> Rows:
    """(features, label) for the writers' complaints and praise the judge would score: in
    English (or too short to tell) and about the force or answering it, as in production."""
    enricher = _enricher()
    rows = []
    for path in action_files(WRITER_TRAINING):
        for post in load_examples(path):
            toward = TOWARD_BY_ACTION.get(post["action"])
            if not toward or language(post["text"]) not in {"en", UNDETERMINED}:
                continue
            found = _read(enricher, post["text"], post["is_reply"])
            if found is not None:
                rows.append((found, toward))
    return rows


@cache
def _enricher() -> Enricher:
    """Built once for the dev rows and the writers' posts: it loads the gazetteer and the
    language models."""
    return Enricher.for_profile(load_profile(DEFAULT_PROFILE))


def _read(enricher: Enricher, text: str, is_reply: bool) -> dict[str, float] | None:
    """What the model reads of a text; None where the judge does not score it (it neither
    refers to the police nor answers the force), so the rule says neutral."""
    plain = enricher.relevance.plain(f"\n{text}")
    judge = enricher.toward_force
    if not (is_reply or judge.refers_to(plain)):
        return None
    return features(plain, lexicon_score=judge.lexicon_score(plain), is_reply=is_reply)


def news_rows(judge: TowardForce) -> Rows:
    """Each sentence names its target, so it is scored as a text about the force would be."""
    rows = []
    for r in load_examples(NEWS_TRAINING):
        found = features(r["text"], lexicon_score=judge.lexicon_score(r["text"]), is_reply=True)
        rows.append((found, r["toward"]))
    return rows


def fit(rows: Rows, news: Rows, writers: Rows) -> tuple[DictVectorizer, LogisticRegression]:
    groups = [(rows, 1.0), (news, NEWS_WEIGHT), (writers, WRITERS_WEIGHT)]
    return fit_weighted(groups, c=C, min_count=MIN_COUNT)


def cross_validate(rows: Rows, news: Rows, writers: Rows) -> tuple[float, float]:
    """Macro F1 on dev of (model, lexicon alone) over FOLDS folds: the ship-or-not decision.
    The news and the writers' posts are in every fold's training."""
    labels = [label for _, label in rows]
    model_f1, lexicon_f1 = [], []
    for train, test in StratifiedKFold(FOLDS, shuffle=True, random_state=SEED).split(rows, labels):
        vectoriser, model = fit([rows[i] for i in train], news, writers)
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


def write(
    vectoriser: DictVectorizer,
    model: LogisticRegression,
    rows: int,
    news: int,
    writers: int,
    path: Path,
) -> None:
    trained_on = (
        f"{rows} dev rows of tests/data/police_mentions.jsonl, {news} sentences of "
        f"{NEWS_TRAINING.name} at weight {NEWS_WEIGHT}, and {writers} writers' complaints "
        "and praise "
        f"(tests/data/writer_training/{ACTION_POSTS} and {STREAM_POSTS}) at weight {WRITERS_WEIGHT}"
    )
    write_weights(path, vectoriser, model, LABELS, trained_on, {"C": C})


def main(path: Path = MODEL_FILE) -> None:
    rows, news, writers = dev_rows(), news_rows(TowardForce.for_force([])), writer_rows()
    by_model, by_lexicon = cross_validate(rows, news, writers)
    print(f"{FOLDS}-fold cross-validation on {len(rows)} dev rows, macro F1:")
    print(f"  lexicon alone {by_lexicon:.3f}, lexicon + learned model {by_model:.3f}")
    print(f"wrote {path} ({train(path, rows, news, writers)} features)")


def train(
    path: Path, rows: Rows | None = None, news: Rows | None = None, writers: Rows | None = None
) -> int:
    """Fit on all of dev (and the news and the writers) and write the weights; the number of
    features."""
    rows = dev_rows() if rows is None else rows
    news = news_rows(TowardForce.for_force([])) if news is None else news
    writers = writer_rows() if writers is None else writers
    vectoriser, model = fit(rows, news, writers)
    judged = sum(found is not None for found, _ in rows)
    write(vectoriser, model, judged, len(news), len(writers), path)
    return len(vectoriser.vocabulary_)


if __name__ == "__main__":
    main()
