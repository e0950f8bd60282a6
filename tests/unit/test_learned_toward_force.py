"""The learned half of toward_force: the committed weights are what `make train` fits, and
the judge still says why in words."""

from datetime import UTC, datetime

import pytest

from bench import train_toward_force
from bench.evaluation import text_mention
from earshot.core.paths import DEFAULT_PROFILE
from enrichment import Enricher
from enrichment.learned import MODEL_FILE, LearnedJudge
from enrichment.sentiment import TowardForce
from listeners import load_profile
from tests.model_files import assert_fits_committed, spoiled_copy

SCORER = TowardForce.for_force(["Lincolnshire Police", "Lincs Police", "@LincsPolice"])


@pytest.fixture(scope="module")
def trained():
    rows = train_toward_force.dev_rows()
    news, writers = train_toward_force.news_rows(SCORER), train_toward_force.writer_rows()
    return rows, *train_toward_force.fit(rows, news, writers)


def test_the_committed_model_labels_dev_rows_as_scikit_learn_did_at_training(trained):
    rows, vectoriser, model = trained
    judged = [found for found, _ in rows if found is not None][:20]
    at_training = model.predict(vectoriser.transform(judged))
    loaded = LearnedJudge.load()
    assert [loaded.judge(found).label for found in judged] == list(at_training), (
        "enrichment/data/toward_force_model.json is stale: run `make train`"
    )


def test_make_train_fits_exactly_the_committed_file(tmp_path):
    """Byte for byte: the file committed from an earlier `make train` is what a fit here
    writes, so training is reproducible and the file is not stale."""
    assert_fits_committed(train_toward_force.train, MODEL_FILE, tmp_path)


def test_a_model_file_for_other_labels_is_refused_by_name(tmp_path):
    wrong = spoiled_copy(MODEL_FILE, tmp_path, lambda m: m.update(labels=["bad", "meh", "good"]))
    with pytest.raises(ValueError, match=r"wrong\.json: labels"):
        LearnedJudge.load(wrong)


def test_the_reason_names_the_models_strongest_features_and_the_lexicons_words():
    text = "Absolutely useless, you took three hours and nobody came"
    assert SCORER.score(text, is_reply=True).label == "negative"
    reason = SCORER.read(text, is_reply=True).reason
    said, lexicon = reason.split("; policing lexicon: ")
    assert said.startswith("toward the force negative (learned, ")
    assert "useless -2.6" in lexicon and "nobody came -3.0" in lexicon
    # The lexicon's score, or a word of the text, among the model's reasons.
    assert "the policing lexicon's score" in said or "'useless'" in said


def test_a_text_neither_for_nor_against_the_force_has_no_reason_to_give():
    assert SCORER.read("Lovely sunset over Skegness beach tonight").reason is None
    assert SCORER.read("Lincolnshire Police have closed the A15 at Sleaford").reason is None


def test_the_desk_is_told_why_a_post_reads_against_or_for_the_force():
    """The comms desk puts right or thanks on the judged tone toward the force: the response's
    reasons, which the desk shows under "Why", say what the judge read (issue 14: explainable)."""
    enricher = Enricher.for_profile(load_profile(DEFAULT_PROFILE))
    now = datetime.now(UTC)
    text = "@LincsPolice absolutely useless, three hours and nobody came"
    complaint = enricher.enrich(text_mention(text, id="c", source="x", now=now))
    assert complaint.toward_force.label == "negative"
    plain = enricher.relevance.plain(f"\n{text}")
    assert complaint.response.reasons[-1] == SCORER.read(plain).reason
    text = "Lincolnshire Police have closed the A15 at Sleaford"
    neutral = enricher.enrich(text_mention(text, id="n", source="x", now=now))
    assert neutral.toward_force.label == "neutral"
    assert not any(r.startswith("toward the force") for r in neutral.response.reasons)


def test_a_news_reports_reason_is_the_news_judges():
    report = "Watchdog slams Lincolnshire Police over stalking case\nThe IOPC said officers failed."
    reason = SCORER.read(report, news=True).reason
    assert reason.startswith("toward the force negative (learned, ")
    assert reason != SCORER.read(report).reason  # the posts' judge reads it otherwise
