"""Prints the real public texts about the police that were offered for hand-labelling into
tests/data/police_mentions.jsonl (issue 14 item 4), so the selection can be re-run.

A simple keyword filter picks texts that mention the police; retweets of the same text and
exact repeats are dropped, because one text labelled twice teaches nothing new. The labels
were then written by hand from tests/data/LABELLING.md: this script never labels.

Inputs are files taken unchanged from public repositories (licences in tests/data/README.md):

    git -C <davidson> show cb50f7e9eb855a99abc51423bf40df0e26d6fe30:data/labeled_data.csv
    git -C <crisislex> show d67cddd51131dbb28842209014f67cffe359ff42:data/CrisisLexT26/\
<event>/<event>-tweets_labeled.csv
    git -C <crisislex> show d67cddd51131dbb28842209014f67cffe359ff42:data/CrisisLexT6/\
<event>/<event>-ontopic_offtopic.csv
    git -C <crowdeval> show 45ad7d03e200159163a5b73f7334f92f3463f3c1:webapp/seeds/\
kochkina_et_al_PHEME/<event>-all-rnr-threads.rumours.json
    git -C <goemotions> show b75f9d3a8b76bc1060687925b04ca98a1b8ea66b:data/original/<split>.tsv
    git -C <toxic_spans> show beaf170538df8275c3447b2e26070f2f82e55272:SemEval2021/data/\
tsd_<split>.csv

Usage: python -m bench.select_real_text davidson.csv crisis-1.csv … pheme-1.json … go-1.tsv …
tsd_1.csv … (the T26 files, then the T6 files, then the PHEME files, each in the order of its
event names, then the GoEmotions dev, test and train files, then tsd_trial, tsd_train, tsd_test)
Each candidate is printed as one JSON line: source (set:row id), where it came from, text.

    python -m bench.select_real_text --unused tsd_trial.csv tsd_train.csv tsd_test.csv \
go_dev.tsv go_test.tsv go_train.tsv

prints the candidates of those files that police_mentions.jsonl does not already hold (by
source or by text): the comments labelled for the flag models' training in
tests/data/writer_training/real_comments.jsonl, so no held-out row's text is trained on.
"""

from __future__ import annotations

import csv
import json
import re
import sys
from collections.abc import Iterator
from pathlib import Path

from bench.evaluation import load_examples

POLICE = re.compile(r"\b(cops?|police\w*|policem[ae]n|officers?)\b", re.IGNORECASE)
RETWEET = re.compile(r"^(RT\s+@\w+:?\s*)+|https?://\S+|\s+", re.IGNORECASE)


def davidson(path: Path) -> Iterator[tuple[str, str, str]]:
    """Davidson et al. 2017: `class` 0 hate speech, 1 offensive, 2 neither."""
    with path.open(encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            yield f"davidson:{row['']}", f"class {row['class']}", row["tweet"]


def crisislex(path: Path) -> Iterator[tuple[str, str, str]]:
    """CrisisLexT26 (`…-tweets_labeled.csv`) or CrisisLexT6 (`…-ontopic_offtopic.csv`)
    tweets; the event is the file's name. T6 quotes its ids ('262…')."""
    t6 = path.name.endswith("-ontopic_offtopic.csv")
    event = path.name.removesuffix("-ontopic_offtopic.csv").removesuffix("-tweets_labeled.csv")
    with path.open(encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f, skipinitialspace=True):
            if t6:
                yield f"crisislext6:{row['tweet id'].strip(chr(39))}", event, row["tweet"]
            else:
                yield f"crisislext26:{row['Tweet ID']}", event, row["Tweet Text"]


def pheme(path: Path) -> Iterator[tuple[str, str, str]]:
    """PHEME rumour source tweets (full tweet objects); the event is the file's name."""
    event = path.name.removesuffix("-all-rnr-threads.rumours.json")
    for tweet in json.loads(path.read_text(encoding="utf-8")):
        yield f"pheme:{tweet['id_str']}", event, tweet["text"]


def goemotions(path: Path) -> Iterator[tuple[str, str, str]]:
    """GoEmotions Reddit comments: text, emotion ids, comment id; no header."""
    with path.open(encoding="utf-8", newline="") as f:
        for text, _, comment in csv.reader(f, delimiter="\t"):
            yield f"goemotions:{comment}", path.stem, text


def toxic_spans(path: Path) -> Iterator[tuple[str, str, str]]:
    """SemEval-2021 Toxic Spans (Civil Comments): no ids, so the split and row number."""
    split = path.stem.removeprefix("tsd_")
    with path.open(encoding="utf-8", newline="") as f:
        for row, record in enumerate(csv.DictReader(f)):
            yield f"toxicspans:{split}:{row}", path.stem, record["text"]


def reader(path: Path) -> Iterator[tuple[str, str, str]]:
    if path.name.startswith("tsd_"):
        return toxic_spans(path)
    by_suffix = {".json": pheme, ".tsv": goemotions, ".csv": crisislex}
    return by_suffix[path.suffix](path)


def candidates(rows: Iterator[tuple[str, str, str]]) -> Iterator[dict]:
    seen: set[str] = set()
    for source, origin, text in rows:
        if not POLICE.search(text):
            continue
        key = RETWEET.sub(" ", text).strip().lower()
        if key in seen:
            continue
        seen.add(key)
        yield {"source": source, "origin": origin, "text": text}


def unused(found: Iterator[dict]) -> Iterator[dict]:
    """The candidates not already in police_mentions.jsonl by set and row, as they are or
    retargeted, or by text. For the comment sets (Toxic Spans, GoEmotions): a tweet set's
    near-repeats (the same headline with another link) would need more than this."""
    labelled = load_examples()
    rows = {e["source"].removesuffix(":retargeted") for e in labelled}
    texts = {e["text"].strip().casefold() for e in labelled}
    for candidate in found:
        if candidate["source"] not in rows and candidate["text"].strip().casefold() not in texts:
            yield candidate


def main(first: str, *others: str) -> None:
    if first == "--unused":
        streams = [unused(candidates(reader(Path(p)))) for p in others]
    else:
        streams = [
            candidates(rows) for rows in [davidson(Path(first)), *map(reader, map(Path, others))]
        ]
    for found in streams:
        for candidate in found:
            print(json.dumps(candidate, ensure_ascii=False))


if __name__ == "__main__":
    main(*sys.argv[1:])
