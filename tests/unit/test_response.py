"""The recommended response follows the UK order: the first rule that applies decides."""

from datetime import UTC, datetime

from earshot.core.model import Mention, Sentiment
from enrichment.response import recommend

NOW = datetime(2026, 11, 21, tzinfo=UTC)


def mention(*, flags=(), topics=(), toward="neutral", in_area=False, text="") -> Mention:
    score = {"positive": 0.6, "neutral": 0.0, "negative": -0.6}[toward]
    return Mention(
        id="m",
        source="s",
        source_kind="rss",
        url=None,
        title="",
        text=text,
        author=None,
        published=NOW,
        fetched=NOW,
        risk_flags=tuple(flags),
        topics=tuple(topics),
        toward_force=Sentiment(score=score, label=toward),
        in_area=in_area,
    )


def test_a_crime_reported_on_social_media_goes_to_contact_handling_first():
    response = recommend(
        mention(flags=["crime-reported", "abuse-discrimination"], toward="negative")
    )
    assert response.action == "contact-handling"
    assert response.priority >= 90
    assert "999/101" in response.reasons[0]
    assert any("abusive" in r for r in response.reasons)


def test_threat_to_officers_is_preserved_and_moderated():
    assert recommend(mention(flags=["threat-to-staff"])).action == "moderate-preserve"


def test_prejudicial_post_is_referred_not_engaged():
    response = recommend(mention(flags=["could-prejudice-case"], toward="negative"))
    assert response.action == "refer-to-investigator"
    assert "don't engage" in response.reasons[0]


def test_misinformation_during_an_incident_is_escalated_otherwise_corrected():
    assert recommend(mention(flags=["possible-misinformation"], topics=["incident"])).action == (
        "escalate"
    )
    assert recommend(mention(flags=["possible-misinformation"])).action == "correct-facts"


def test_service_complaint_is_put_right_and_a_rant_is_only_monitored():
    assert recommend(mention(topics=["response-times"], toward="negative")).action == (
        "put-it-right"
    )
    assert recommend(mention(toward="negative")).action == "monitor"


def test_advice_to_call_the_police_is_no_complaint():
    """ "If he comes back, call Lincs Police" is about contacting the force, not against it."""
    assert recommend(mention(topics=["contact-999-101"])).action == "no-action"
    assert recommend(mention(topics=["contact-999-101"], toward="negative")).action == (
        "put-it-right"
    )


def test_a_complaint_giving_the_writers_own_number_is_put_right_and_the_number_hidden():
    response = recommend(
        mention(flags=["personal-data"], topics=["response-times"], toward="negative")
    )
    assert response.action == "put-it-right"
    assert any("personal data" in r for r in response.reasons)
    assert recommend(mention(flags=["personal-data"])).action == "moderate-preserve"


def test_a_claim_about_how_the_force_works_is_answered_with_the_facts_not_monitored():
    claim = "Officers get a bonus for every speeding ticket, that's why they sit on the A16"
    response = recommend(mention(toward="negative", text=claim))
    assert response.action == "correct-facts"
    assert "how the force works" in response.reasons[0]
    online = "You can't report anything online, it's phone only, useless"
    assert recommend(
        mention(topics=["contact-999-101"], toward="negative", text=online)
    ).action == ("correct-facts")


def test_praise_is_thanked_and_plain_news_needs_nothing():
    assert recommend(mention(toward="positive")).action == "thank"
    assert recommend(mention()).action == "no-action"
    assert recommend(mention()).priority == 0


def test_local_items_rank_above_the_same_item_elsewhere():
    here = recommend(mention(topics=["response-times"], toward="negative", in_area=True))
    away = recommend(mention(topics=["response-times"], toward="negative"))
    assert here.priority > away.priority
