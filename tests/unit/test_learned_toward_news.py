"""The news half of toward_force: a news search result is judged by the model trained on
news prose, toward the force as the clause naming it says, and the committed weights are what
`make train` fits. How well it reads news is `make eval`'s: NewsMTSC's `devtest_rw` (public,
labelled by its authors) and the news items of a writer nothing was trained on."""

from datetime import UTC, datetime

import pytest

from bench import train_toward_news
from bench.evaluation import target_span, text_mention
from earshot.core.paths import DEFAULT_PROFILE
from enrichment import Enricher
from enrichment.learned import NEWS_MODEL_FILE, LearnedJudge
from enrichment.sentiment import news_opening
from listeners import load_profile
from tests.model_files import assert_fits_committed, spoiled_copy

ENRICHER = Enricher.for_profile(load_profile(DEFAULT_PROFILE))
JUDGE = ENRICHER.toward_force
REPORT = (
    "Lincolnshire Police criticised over 999 delays\n"
    "Inspectors said the force was too slow to reach people in danger, but praised the county "
    "council's support for victims."
)


def test_make_train_fits_exactly_the_committed_file(tmp_path):
    assert_fits_committed(train_toward_news.train, NEWS_MODEL_FILE, tmp_path)


def test_a_model_file_for_other_labels_is_refused_by_name(tmp_path):
    wrong = spoiled_copy(NEWS_MODEL_FILE, tmp_path, lambda m: m.update(labels=["a", "b", "c"]))
    with pytest.raises(ValueError, match=r"wrong\.json: labels"):
        LearnedJudge.load(wrong)


@pytest.mark.parametrize("news", [True, False])
def test_a_news_report_is_read_as_news_and_a_post_as_a_post(news):
    mention = text_mention(REPORT, id="n", source="news", now=datetime.now(UTC))
    plain = ENRICHER.relevance.plain(f"\n{REPORT}")
    expected = JUDGE.score_news(plain) if news else JUDGE.score(plain)
    assert ENRICHER.enrich(mention, news=news).toward_force == expected
    assert JUDGE.score_news(plain) != JUDGE.score(plain)  # else this test could not fail


def test_the_model_reads_what_is_said_beside_the_target_and_in_its_clause():
    found = JUDGE.news_features(REPORT)
    assert {"after the target: criticised", "before the target: said"} <= found.keys()
    assert "clause word: slow" in found  # "the force was too slow to reach people in danger"
    assert "clause word: victims" not in found  # another clause, about the council
    assert found["clause: negative"] == 1.0


def test_another_target_can_be_named_as_a_news_data_set_names_it():
    text = "Critics slammed Smith over the delays"
    row = {"id": "x_Smith_16_21", "text": text, "target": "Smith"}
    found = JUDGE.news_features(row["text"], target_span(row))
    assert "before the target: slammed" in found
    assert "after the target: over" in found


def test_a_news_item_that_never_names_the_police_is_neutral_by_rule():
    judged = JUDGE.score_news("Lincoln Christmas market 2026: dates, stalls and parking")
    assert (judged.label, judged.score) == ("neutral", 0.0)


def test_a_whole_article_is_judged_by_its_headline_and_opening():
    """A news site's feed may carry the whole article: its later paragraphs (quotes, detail,
    a resident's praise) do not outweigh the report's own opening, which the model was
    taught on: the headline and three sentences."""
    opening = (
        f"{REPORT} The force said it was reviewing its rotas. The report was published on Tuesday."
    )
    praise = " ".join(["Residents praised the brilliant, wonderful officers who helped."] * 8)
    assert JUDGE.score_news(f"{opening} {praise}") == JUDGE.score_news(opening)
    assert JUDGE.score_news(opening).label == "negative"
    assert JUDGE.score_news(f"{REPORT} {praise}").label == "positive"  # else it could not fail


def test_a_sentence_ends_neither_after_a_title_nor_at_a_closing_quote():
    """A quote runs on to the words saying who said it, as the risk rules read it too
    (enrichment/rule_files.Sentences): "'Kill the cops!' they chanted" is retold."""
    text = 'Head\nSupt. Jane Smith said one. Insp. Rob Lee said "two." Three. Four. Five.'
    assert news_opening(text) == text.removesuffix(" Five.")


def test_no_is_a_title_only_before_a_number():
    """ "No. 10 Downing Street" is one sentence; "No. Nobody came." is two."""
    text = "Head\nNo. 10 said one. No. Nobody came. Three. Four. Five."
    assert news_opening(text) == "Head\nNo. 10 said one. No. Nobody came."
