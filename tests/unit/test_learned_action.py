"""The learned second opinion on the action: it routes complaints no rule was written for,
says why in words, leaves the safety rules alone, and is exactly what `make train` fits."""

from datetime import UTC, datetime
from pathlib import Path

import pytest

from bench import train_action
from bench.evaluation import text_mention
from earshot.core.paths import DEFAULT_PROFILE
from enrichment import Enricher
from enrichment.action_model import MODEL_FILE, SecondOpinion, action_features, because
from enrichment.learned import Weighing
from enrichment.response import by_rules
from listeners import load_profile
from tests.model_files import assert_fits_committed, spoiled_copy

NOW = datetime(2026, 12, 4, tzinfo=UTC)


@pytest.fixture(scope="module")
def enricher() -> Enricher:
    return Enricher.for_profile(load_profile(DEFAULT_PROFILE))


def answer(enricher: Enricher, text: str):
    """A reply under the force's own post, as the desk hears it."""
    return enricher.enrich(text_mention(text, id="t", source="test", now=NOW), is_reply=True)


@pytest.mark.parametrize(
    "text",
    [
        "Three weeks since I gave my statement and still no word from anyone",
        "A month since my car was broken into and the officer in charge has gone quiet",
    ],
)
def test_a_complaint_that_no_service_rule_covers_is_put_right_with_the_models_reasons(
    enricher, text
):
    mention = answer(enricher, text)
    assert by_rules(mention).action == "monitor", "a rule now covers this: pick another phrasing"
    response = mention.response
    assert response.action == "put-it-right"
    assert response.priority == 60
    learned, rules, toward = response.reasons
    assert learned.startswith("learned (") and "% sure): " in learned
    assert "'my'" in learned, "the reason names the words that tipped the model"
    assert rules.startswith("the rules alone said monitor: ")
    assert toward.startswith("toward the force negative (learned, ")


def test_the_models_reason_names_what_it_weighed_in_the_desks_words():
    """Not its feature names ("toward force score"), and never "100% sure"."""
    weighed = Weighing(
        "put-it-right",
        {"put-it-right": 0.996, "monitor": 0.004},
        ("toward force score", "pair: still waiting", "toward force negative", "tone score"),
    )
    assert because(weighed) == (
        "learned (99% sure): its tone toward the force, 'still waiting', "
        "read as negative toward the force, its tone"
    )


@pytest.mark.parametrize(
    "text",
    [
        "A month since my car was broken into and not one update from the officer in charge",
        "Gave my statement a fortnight ago and have heard nothing since",
    ],
)
def test_nothing_heard_since_reporting_is_a_complaint_about_response_times(enricher, text):
    """ "not one update", "heard nothing since" are response-times phrases (topics.yaml), so
    the rules make them complaints themselves: the first was the model's second opinion
    before, the second was left at monitor."""
    mention = answer(enricher, text)
    assert "response-times" in mention.topics
    assert by_rules(mention).action == mention.response.action == "put-it-right"


def test_a_promise_to_ring_back_not_kept_is_a_complaint_to_put_right(enricher):
    """Read as negative toward the force, it is a complaint by the rules themselves (it was
    the model's second opinion that made it one before the toward model learned from the
    writers' complaints)."""
    text = "Two weeks since I gave my statement and nobody has rung me back like they promised"
    mention = answer(enricher, text)
    assert mention.toward_force.label == "negative"
    assert mention.response.action == "put-it-right"


def test_the_same_story_told_as_thanks_is_not_a_complaint(enricher):
    response = answer(
        enricher, "Gave my statement two weeks ago, the officer rang me back today as promised"
    ).response
    assert response.action == "thank"
    assert not any(reason.startswith("learned") for reason in response.reasons)


def test_a_reported_crime_is_never_overruled_however_the_words_read(enricher):
    mention = answer(enricher, "Someone is trying car doors on our street right now, nobody came")
    assert "crime-reported" in mention.risk_flags
    assert mention.response.action == "contact-handling"
    assert not any(reason.startswith("learned") for reason in mention.response.reasons)


def test_thanks_that_name_a_child_are_thanked_and_the_child_still_flagged(enricher):
    """The privacy rules' moderate-preserve is the model's to overrule: the guide thanks
    praise that happens to name a child, and the flag still has the name hidden."""
    mention = answer(
        enricher,
        "So grateful to the officers who found our Alfie (7) when he got lost at the carnival "
        "in Boston, you were brilliant",
    )
    assert "identifies-person" in mention.risk_flags
    assert by_rules(mention).action == "moderate-preserve"
    assert mention.response.action == "thank"
    assert "topic praise-thanks" in mention.response.reasons[0]
    assert mention.response.reasons[1].startswith("the rules alone said moderate-preserve: ")


def test_a_threat_wrapped_in_thanks_stays_with_the_rules(enricher):
    mention = answer(
        enricher,
        "So grateful to the officers who searched all night, but the sergeant who nicked my "
        "brother deserves a bullet",
    )
    assert "threat-to-staff" in mention.risk_flags
    assert mention.response.action == "moderate-preserve"
    assert mention.response.reasons[0].startswith("threatens officers or staff")


@pytest.mark.long
def test_make_train_fits_exactly_the_committed_file(tmp_path):
    """Byte for byte, with the way of joining the rules that cross-validation chose."""
    assert_fits_committed(train_action.main, MODEL_FILE, tmp_path)


def test_a_model_file_for_other_actions_is_refused_by_name(tmp_path):
    wrong = spoiled_copy(MODEL_FILE, tmp_path, lambda m: m.update(labels=m["labels"][:-1]))
    with pytest.raises(ValueError, match=r"wrong\.json: labels"):
        SecondOpinion.load(wrong)


def test_an_article_longer_than_any_text_the_model_learned_from_is_judged_by_the_rules(enricher):
    """The model learned from posts; 3,000 words of a blog would add up to a shout."""
    blog = (Path(__file__).parent / "texts" / "blog_social_media_advice.txt").read_text()
    mention = answer(enricher, f"Still waiting for a call back about my statement.\n{blog}")
    ruled, response = by_rules(mention), mention.response
    assert (response.action, response.priority) == (ruled.action, ruled.priority)
    assert response.reasons[0] == ruled.reasons[0], "the rules' reason first, not the model's"


def test_the_forces_own_names_are_not_words_the_model_weighs(enricher):
    """Which spelling of the force's name a writer uses is their habit, not what the post
    asks of the desk."""
    mention = answer(enricher, "@LincsPolice you never turned up, Lincs Police are useless")
    words = {n for n in action_features(mention, "monitor") if n.startswith(("word: ", "pair: "))}
    assert "word: useless" in words
    assert not [w for w in words if "lincs" in w], words
