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
    read = SCORER.read(text, is_reply=True)
    assert read.tone.label == "negative"
    assert read.verdict.startswith("toward the force negative (learned, ")
    named, lexicon = read.because.split(", with the lexicon's words ")
    assert lexicon == "nobody came -3.0, useless -2.6"
    # The lexicon's score, or a word of the text, among the model's reasons.
    assert "the policing lexicon's score" in named or "'useless'" in named
    assert ";" not in read.reason, "the queue joins reasons with '; '"


def test_the_lexicons_words_are_named_as_vader_meets_them():
    """A phrase's own words are not scored again, and a phrase said twice is named once."""
    read = SCORER.read("The police were not interested at all. NOT INTERESTED.", is_reply=True)
    assert read.because.endswith("with the lexicon's words not interested -2.0")


def test_a_text_neither_for_nor_against_the_force_has_no_reason_to_give():
    assert SCORER.read("Lovely sunset over Skegness beach tonight").reason is None
    assert SCORER.read("Lincolnshire Police have closed the A15 at Sleaford").reason is None


@pytest.fixture(scope="module")
def enricher() -> Enricher:
    return Enricher.for_profile(load_profile(DEFAULT_PROFILE))


def reasons(enricher: Enricher, text: str, *, news: bool = False) -> tuple[str, ...]:
    mention = text_mention(text, id="t", source="x", now=datetime.now(UTC))
    return enricher.enrich(mention, news=news).response.reasons


def test_the_desk_is_told_why_a_post_reads_against_or_for_the_force(enricher):
    """The comms desk puts right or thanks on the judged tone toward the force: the response's
    reasons, which the desk shows under "Why", say what the judge read (issue 14: explainable)."""
    complaint = reasons(enricher, "@LincsPolice absolutely useless, three hours and nobody came")
    assert complaint[-1].startswith("toward the force negative (learned, ")
    assert "nobody came -3.0" in complaint[-1]
    thanks = reasons(enricher, "Huge thanks to Lincs Police for finding my dad last night")
    assert thanks[-1].startswith("toward the force positive (learned, ")
    neutral = reasons(enricher, "Lincolnshire Police have closed the A15 at Sleaford")
    assert not any(r.startswith("toward the force") for r in neutral)


def test_a_withheld_posts_reason_gives_the_verdict_without_its_words(enricher):
    """The desk withholds a flagged post until someone chooses to read it (and the audit
    records who did): the tone's reason must not quote it meanwhile."""
    said = reasons(enricher, "@LincsPolice useless pigs, I'll stab the next copper I see")
    assert any(r.startswith("threat-to-staff") for r in said)
    assert said[-1].startswith("toward the force negative (learned, ")
    assert said[-1].endswith("% sure)"), said[-1]


def test_a_news_reports_reason_is_the_news_judges(enricher):
    """Read as news, the report is negative toward the force and says why; read as a post by
    the posts' judge it is neutral, so no reason: the reason comes from the judge that read it."""
    report = "Watchdog slams Lincolnshire Police over stalking case\nThe IOPC said officers failed."
    assert reasons(enricher, report, news=True)[-1].startswith("toward the force negative")
    assert not any(r.startswith("toward the force") for r in reasons(enricher, report))
