"""The learned half of toward_force: the committed weights are what `make train` fits, and
the judge still says why in words."""

import pytest

from bench import train_toward_force
from enrichment.learned import MODEL_FILE, LearnedJudge
from enrichment.sentiment import TowardForce
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


def test_the_reasons_name_the_lexicons_words_and_the_models_strongest_features():
    text = "Absolutely useless, you took three hours and nobody came"
    assert SCORER.score(text, is_reply=True).label == "negative"
    lexicon, model = SCORER.reasons(text, is_reply=True)
    assert "useless" in lexicon
    assert model.startswith("negative mostly because of ")
    # The lexicon's verdict or score, or the word itself, among the model's reasons.
    assert "lexicon: " in model or "word: useless" in model


def test_a_text_not_about_the_force_says_so_instead_of_guessing():
    assert SCORER.reasons("Lovely sunset over Skegness beach tonight") == (
        "neither names the police nor answers the force",
    )
