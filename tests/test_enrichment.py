from earshot.profile import Campaign, Force
from enrichment.relevance import ForceMatcher
from enrichment.sentiment import MAX_CHARS, tone

FORCE = Force(
    name="Lincolnshire Police",
    aliases=["Lincs Police"],
    handles=["@LincsPolice"],
    hashtags=["#LincsPolice"],
    campaigns=[Campaign(name="Operation NOVA", terms=["Operation NOVA", "#OpNOVA"])],
    exclude=["Lincolnshire Police Federation"],
)
MATCHER = ForceMatcher.from_profile(FORCE)


def test_force_named_in_any_spelling_the_profile_gives():
    assert MATCHER.terms_in("Thanks to LINCOLNSHIRE  police for the quick response") == (
        "Lincolnshire Police",
    )
    assert MATCHER.terms_in("Waited three hours on 101, well done Lincs Police") == (
        "Lincs Police",
    )


def test_handle_and_hashtag_count_with_or_without_their_sigil():
    assert MATCHER.terms_in("@LincsPolice you never turned up") == ("@LincsPolice",)
    assert MATCHER.terms_in("lincspolice posted an appeal") == ("@LincsPolice",)
    assert MATCHER.terms_in("Great work #OpNOVA") == ("#OpNOVA",)


def test_campaign_terms_are_mentions_of_the_force():
    assert MATCHER.terms_in("Students back Operation Nova in Lincoln") == ("Operation NOVA",)


def test_excluded_phrase_is_not_a_mention():
    assert MATCHER.terms_in("The Lincolnshire Police Federation says pay is too low") == ()
    assert MATCHER.terms_in(
        "Lincolnshire Police Federation and Lincolnshire Police both commented"
    ) == ("Lincolnshire Police",)


def test_words_must_stand_alone():
    assert MATCHER.terms_in("Lincs Policeman of the year") == ()
    assert MATCHER.terms_in("Boston Police Department investigates") == ()
    assert MATCHER.terms_in("") == ()


def test_tone_labels_follow_vader_thresholds():
    assert tone("Thank you officers, brilliant work finding our son").label == "positive"
    assert tone("Absolutely disgraceful and useless, I am furious").label == "negative"
    neutral = tone("The meeting is on Tuesday at the town hall")
    assert neutral.label == "neutral"
    assert -0.05 < neutral.score < 0.05


def test_tone_reads_only_the_opening_of_a_huge_post():
    opening = "Thank you officers, you were wonderful. " * 60
    huge = opening + "😡 terrible awful hate " * 200_000
    assert tone(huge) == tone(huge[:MAX_CHARS])
    assert tone(huge).label == "positive"
