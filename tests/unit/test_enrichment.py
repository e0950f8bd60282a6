from datetime import UTC, datetime

from bench.evaluation import text_mention
from earshot.core.model import Mention
from earshot.core.paths import DEFAULT_PROFILE
from earshot.core.profile import Campaign, Force
from enrichment import Enricher
from enrichment.relevance import ForceMatcher
from enrichment.sentiment import MAX_CHARS, tone
from listeners import load_profile

FORCE = Force(
    name="Lincolnshire Police",
    aliases=["Lincs Police"],
    handles=["@LincsPolice"],
    hashtags=["#LincsPolice"],
    campaigns=[Campaign(name="Operation NOVA", terms=["Operation NOVA", "#OpNOVA"])],
    exclude=["Lincolnshire Police Federation"],
)
MATCHER = ForceMatcher.from_profile(FORCE)


def heard(author: str, text: str) -> Mention:
    posted = text_mention(text, id=author, source="x", now=datetime(2026, 11, 20, tzinfo=UTC))
    return posted.model_copy(update={"author": author, "source_kind": "x"})


def test_force_named_in_any_spelling_the_profile_gives():
    assert MATCHER.terms_in("Thanks to LINCOLNSHIRE  police for the quick response") == (
        "Lincolnshire Police",
    )
    assert MATCHER.terms_in("Waited three hours on 101, well done Lincs Police") == (
        "Lincs Police",
    )


def test_invisible_characters_and_styled_letters_do_not_hide_the_force():
    assert MATCHER.terms_in("Well done Lincoln\u00adshire Pol\u200bice") == ("Lincolnshire Police",)
    assert MATCHER.terms_in("\u202eLincs\u2060 Police\u202c sat on it") == ("Lincs Police",)
    assert MATCHER.terms_in("\uff20LincsPolice never came") == ("@LincsPolice",)


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


def test_the_forces_own_accounts_are_recognised_on_any_platform():
    force = Force(name="Lincolnshire Police", handles=["@LincsPolice", "@lincs@police.example"])
    assert force.owns("@LincsPolice")
    assert force.owns("lincspolice@mastodon.social")  # no instance given: that name anywhere
    assert force.owns("@lincs@police.example")
    assert not force.owns("@lincs@elsewhere.example")  # instance given: only there
    assert not force.owns("@LincsPoliceFan")
    assert not force.owns(None)


def test_the_forces_own_post_is_labelled_and_needs_no_response_but_a_reply_is_a_mention():
    enricher = Enricher.for_profile(load_profile(DEFAULT_PROFILE))
    own = enricher.enrich(heard("@LincsPolice", "Appeal: have you seen this man? Call 101."))
    reply = enricher.enrich(heard("@resident", "@LincsPolice you never turned up last night"))
    assert own.by_force and own.response.action == "no-action"
    assert not reply.by_force and reply.force_terms == ("@LincsPolice",)
    assert reply.response.action != "no-action"


def test_non_english_posts_are_tagged_and_not_misjudged_by_an_english_lexicon():
    enricher = Enricher.for_profile(load_profile(DEFAULT_PROFILE))
    now = datetime(2026, 11, 20, tzinfo=UTC)
    polish = Mention(
        id="pl",
        source="m",
        source_kind="mastodon",
        url=None,
        title="",
        text="Dziękuję policji z Grantham za szybką pomoc po kradzieży roweru.",
        author="@someone",
        published=now,
        fetched=now,
    )
    enriched = enricher.enrich(polish)
    assert enriched.language == "pl"
    assert enriched.toward_force.label == "neutral"


def test_what_is_dropped_is_dropped_with_its_reason_before_the_costly_part_runs():
    """collect judges everything heard and completes only what it keeps: most of a noisy
    stream is dropped, so its tone, flags and response are never worked out."""
    enricher = Enricher.for_profile(load_profile(DEFAULT_PROFILE))
    dropped = enricher.judge(heard("@fan", "The fashion police would arrest me for this coat"))
    assert not dropped.kept and dropped.mention.not_relevant == "other-sense"
    assert dropped.mention.tone is None and dropped.mention.response is None

    reply = heard("@resident", "@LincsPolice you never turned up last night")
    kept = enricher.judge(reply.model_copy(update={"url": "https://x.example/1?utm_source=feed"}))
    assert kept.kept and kept.mention.relevance == "named" and kept.mention.tone is None
    own = enricher.judge(heard("@LincsPolice", "Our opening hours over Christmas"))
    assert own.kept and own.mention.by_force  # kept, labelled, though it names nothing

    completed = enricher.complete(kept)
    assert completed.relevance == "named" and completed.tone is not None
    assert completed.response.action == "put-it-right"
    assert completed.canonical_url == "https://x.example/1"


def test_local_talk_with_the_place_in_lower_case_is_heard():
    """The reviewers' and the writers' lower-case posts: the place counts as written."""
    enricher = Enricher.for_profile(load_profile(DEFAULT_PROFILE))
    for text, place in (
        ("the coppers in grantham are sound tbf", "Grantham"),
        ("Anyone know why police are in skegness?", "Skegness"),
    ):
        judged = enricher.judge(heard("@local", text))
        assert judged.kept and judged.mention.relevance == "local-policing", text
        assert [p.name for p in judged.mention.places] == [place]
