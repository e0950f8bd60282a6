"""The labelled sets are well-formed, and the enrichers clear the bars the issue set."""

import pytest

from bench.evaluation import label_sets, load_examples, macro_f1, predict, tone_correlation
from earshot.core.model import ResponseAction
from enrichment.risk import FLAGS
from enrichment.topics import LABELS

EXAMPLES = load_examples()
TONES = ["positive", "neutral", "negative"]


def test_every_labelled_mention_uses_only_the_enrichers_vocabulary():
    actions = set(ResponseAction.__args__)
    for e in EXAMPLES:
        assert e["split"] in {"dev", "heldout"}, e["id"]
        assert e["toward_force"] in TONES, e["id"]
        assert set(e["topics"]) <= set(LABELS) | {"campaign:operation-nova", "campaign:bobby-bear"}
        assert set(e["risk_flags"]) <= set(FLAGS), e["id"]
        assert e["action"] in actions, e["id"]


@pytest.fixture(scope="module")
def heldout():
    chosen = [e for e in EXAMPLES if e["split"] == "heldout"]
    return label_sets(chosen, predict(chosen))


def test_toward_force_beats_plain_vader_on_the_heldout_split(heldout):
    earshot = macro_f1(heldout["toward_force"], TONES)
    vader = macro_f1(heldout["plain VADER"], TONES)
    assert earshot >= vader + 0.05, (earshot, vader)


def test_tone_stays_as_good_as_plain_vader_on_the_vader_tweets():
    r, n = tone_correlation()
    assert n == 4200
    assert r >= 0.87
