"""Sentiment aimed at the force, not at the crime or the weather."""

from enrichment.sentiment import TowardForce, tone

SCORER = TowardForce.for_force(["Lincolnshire Police", "Lincs Police", "@LincsPolice"])


def toward(text: str, *, is_reply: bool = False) -> str:
    return SCORER.score(text, is_reply=is_reply).label


def test_crime_news_with_a_police_appeal_is_not_criticism_of_the_force():
    text = "Man stabbed in Lincoln — Lincolnshire Police appeal for witnesses"
    assert tone(text).label == "negative"
    assert toward(text) == "neutral"


def test_police_at_a_horrible_crash_is_neutral_toward_the_force():
    assert toward("Horrible crash on the A46, police at the scene, road closed") == "neutral"


def test_waiting_on_101_and_nobody_coming_is_a_complaint():
    text = "Waited three hours on 101 and nobody came"
    assert tone(text).label == "neutral"
    assert toward(text) == "negative"


def test_officers_who_never_turned_up_are_criticised():
    assert toward("Reported it to the police twice and officers never turned up") == "negative"


def test_thanking_officers_is_praise():
    assert toward("Thank you officers for finding my dad last night") == "positive"


def test_sarcastic_praise_about_a_slow_response_is_negative():
    assert toward("Great job as usual, Lincs Police, 6 hours to turn up") == "negative"


def test_you_in_a_reply_to_the_force_means_the_force():
    text = "Absolutely useless, you took three hours and nobody came"
    assert toward(text, is_reply=True) == "negative"
    assert toward("The bins were useless this week") == "neutral"


def test_text_not_about_the_force_is_neutral_toward_it():
    assert toward("Lovely sunset over Skegness beach tonight") == "neutral"


def test_crime_words_do_not_drown_praise_of_the_officers():
    text = "Terrible attack in Lincoln last night, officers were quick to help the injured victims"
    assert tone(text).label == "negative"
    assert toward(text) == "positive"


def test_plain_vaders_score_is_reused_only_where_the_adjustments_change_nothing():
    texts = [
        "Lincolnshire Police were brilliant today, thank you",  # no adjusted word: reused
        "Lincolnshire Police arrested a man after the stabbing",  # descriptive words
        "Lincolnshire Police are useless and clueless",  # words with a policing valence
        "Lincolnshire Police never turned up, waited three hours",  # an adjusted phrase
        "Lincolnshire Police 😡 no show again",  # an emoji VADER spells out
        "Thanks to the police, no one was hurt",
    ]
    for text in texts:
        assert SCORER.score(text, plain_tone=tone(text)) == SCORER.score(text), text
