"""The learned risk flags: a phrasing no rule lists is still flagged, with the words that made
it, and those words reach the desk; the committed weights are what `make train` fits."""

import re
from dataclasses import replace
from datetime import UTC, datetime

import pytest

from bench import train_flags
from bench.evaluation import text_mention
from bench.place_words import names_a_place
from earshot.core.paths import DEFAULT_PROFILE
from enrichment import Enricher
from enrichment.action_model import SecondOpinion
from enrichment.learned import in_words, letters
from enrichment.risk import FLAGS, risk_flags
from enrichment.risk_model import MODEL_FILE, judge_risk, load_models
from listeners import load_profile
from tests.model_files import assert_fits_committed, spoiled_copy

# A child named as the one in hospital, in words no rule in risk.yaml was written for.
CHILD_NAMED = "Her nan says the little girl in hospital is called Amy, she's only 6"


def test_a_child_named_in_words_no_rule_lists_is_flagged_with_the_models_reasons():
    assert risk_flags(CHILD_NAMED) == (), "a rule now covers this; pick a phrasing none does"
    flags, reasons = judge_risk(CHILD_NAMED)
    assert flags == ("identifies-person",)
    (reason,) = reasons
    assert reason.startswith("identifies-person (learned, 0.")
    # The child, in the text's own word (its letters are among the model's features).
    assert "'girl'" in reason


def test_a_death_wish_with_a_word_between_is_a_threat_and_its_reason_shows_the_gap():
    """ "hope the lot of them die" shares "hope … lot" with the writers' death wishes: the
    skip pair is a reason the desk can read, the gap shown, never a pair the text lacks."""
    text = "hope the lot of them die slow"
    assert risk_flags(text) == (), "a rule now covers this; pick a phrasing none does"
    flags, (reason,) = judge_risk(text)
    assert flags == ("threat-to-staff",)
    assert "'hope … lot'" in reason
    assert "'hope lot'" not in reason


def test_a_news_line_about_an_unnamed_child_is_not_flagged():
    assert judge_risk("A girl was taken to hospital after the crash, police said") == ((), ())


def test_asking_to_be_messaged_without_giving_a_number_is_not_personal_data():
    assert judge_risk("My number is in my bio, DM me if you saw it") == ((), ())


def test_a_flag_the_rules_raise_carries_the_rules_reason_not_a_learned_one():
    """Named, not copied: the number is not written into the reasons too."""
    flags, reasons = judge_risk("Ring me on 07700 900123 if you saw who did it")
    assert "personal-data" in flags
    assert reasons == ("personal-data (rule): a personal number, email or address in the text",)


def test_a_rules_reason_quotes_the_words_that_raised_it():
    """The desk can find them in the text; a long match is cut in the middle."""
    wish = "hope the sergeant who searched my car on the A52 last Tuesday gets hit by a lorry"
    flags, reasons = judge_risk(f"{wish} on his way home")
    assert flags == ("threat-to-staff",)
    assert reasons == (
        "threat-to-staff (rule): 'hope the sergeant who searched my car … A52 last Tuesday gets "
        "hit by a lorry'",
    )


def test_a_rules_reason_runs_on_to_the_word_that_made_it_count():
    """A promise of violence is a threat to staff only when said of the police: the reason
    quotes the officer it was said of, not only the promise."""
    _, (reason,) = judge_risk("If that sergeant comes round again I'm putting him in hospital")
    assert reason == (
        "threat-to-staff (rule): 'sergeant comes round again I'm putting him in hospital'"
    )


def test_the_models_reasons_reach_the_desk_with_the_flags_action():
    enricher = Enricher.for_profile(load_profile(DEFAULT_PROFILE))
    now = datetime(2026, 12, 5, tzinfo=UTC)
    mention = enricher.enrich(text_mention(CHILD_NAMED, id="t1", source="x", now=now))
    assert "identifies-person" in mention.risk_flags
    assert mention.response.action == "moderate-preserve"
    assert any(r.startswith("identifies-person (learned") for r in mention.response.reasons)


@pytest.mark.long
def test_make_train_fits_exactly_the_committed_file(tmp_path):
    """Byte for byte, so training is reproducible and the committed file is not stale."""
    assert_fits_committed(train_flags.train, MODEL_FILE, tmp_path)


def test_a_model_file_for_a_flag_that_does_not_exist_is_refused_by_name(tmp_path):
    def add_a_flag(model: dict) -> None:
        model["flags"]["rude-words"] = next(iter(model["flags"].values()))

    wrong = spoiled_copy(MODEL_FILE, tmp_path, add_a_flag)
    with pytest.raises(ValueError, match=r"wrong\.json: no such risk flag \['rude-words'\]"):
        load_models(wrong)


def test_a_model_file_without_a_threshold_is_refused_by_name(tmp_path):
    def drop_thresholds(model: dict) -> None:
        for flag in model["flags"].values():
            del flag["threshold"]

    wrong = spoiled_copy(MODEL_FILE, tmp_path, drop_thresholds)
    with pytest.raises(ValueError, match=r"wrong\.json: expected flags with weights"):
        load_models(wrong)


# Cross-validated figures of a threat model that ships: beside rules that are themselves
# below PRECISION, it finds more at their precision, also where flags are as rare as in the
# stream.
SHIPS = train_flags.Verdict(
    flag="threat-to-staff",
    threshold=0.75,
    model=(0.93, 0.3),
    rules=(0.85, 0.37),
    either=(0.86, 0.51),
    in_stream=(0.85, 0.9),
)


@pytest.mark.parametrize(
    "change",
    [
        # Beside rules that already find every row, it would only add false alarms.
        {"rules": (0.96, 0.96), "either": (0.93, 0.96)},
        # It finds more by lowering the rules' own precision.
        {"either": (0.80, 0.60)},
        # Precise on the writers' posts, a third of them flagged, but not on the dev rows,
        # where a flag is on 2-4% of posts and the same false alarms cost far more.
        {"in_stream": (0.63, 0.94)},
    ],
    ids=["only false alarms", "less precise than the rules", "false alarms in the stream"],
)
def test_a_model_ships_only_if_it_adds_to_the_rules_at_their_precision(change):
    assert SHIPS.ships
    assert not replace(SHIPS, **change).ships


# Phrasings no rule in risk.yaml lists, written for these tests and in no training file.
UNLISTED = {
    "crime-reported": (
        "there's a bloke with a torch going round the sheds on the allotments off Boultham Park "
        "Rd, can see him from my window as i type"
    ),
    "threat-to-staff": (
        "that sergeant from Sleaford wants to remember his kids walk home past our estate every day"
    ),
    "possible-misinformation": (
        "Everyone in the Spalding group is saying the missing girl was taken by a man in a white "
        "van, police know but say nothing"
    ),
    "abuse-discrimination": "the lot on that caravan site are filthy little rats",
}


@pytest.mark.parametrize("flag", UNLISTED)
def test_a_phrasing_no_rule_lists_raises_its_flag_with_the_models_reason(flag):
    text = UNLISTED[flag]
    assert risk_flags(text) == (), "a rule now covers this; pick a phrasing none does"
    flags, reasons = judge_risk(text)
    assert flags == (flag,)
    assert re.match(rf"{flag} \(learned, [01]\.\d\d\): \S", reasons[0]), reasons


@pytest.mark.parametrize(
    "text",
    [
        "I'll be putting in a formal complaint about how that officer spoke to my son",
        "Police say the missing girl from Spalding has been found safe and well",
    ],
    ids=["a complaint about an officer", "what the police said about a missing girl"],
)
def test_near_misses_in_the_same_words_raise_nothing(text):
    assert judge_risk(text) == ((), ())


# Written for these tests (in no training file): what Boston's and Spalding's Polish and
# Romanian speakers post. The models learned their words from writers in those languages,
# among as many ordinary posts as flagged ones in each, so the language itself is no alarm.
ORDINARY_IN_COMMUNITY_LANGUAGES = [
    "Dzień dobry, czy ktoś wie do której jest otwarty komisariat w Boston? Muszę oddać "
    "znaleziony portfel",
    "Dziękuję policji za szybką pomoc wczoraj na West Street, bardzo mili ludzie",
    "Bună ziua, știe cineva dacă poliția din Spalding are un număr pentru obiecte pierdute?",
    "Mulțumesc poliției din Boston pentru ajutor, au fost foarte amabili cu mama mea",
]


@pytest.mark.parametrize("text", ORDINARY_IN_COMMUNITY_LANGUAGES)
def test_an_ordinary_post_in_polish_or_romanian_raises_nothing(text):
    assert judge_risk(text) == ((), ())


def test_a_live_report_in_romanian_no_rule_lists_is_raised_by_the_model():
    text = (
        "Cineva tocmai a spart geamul mașinii de lângă mine pe Pinchbeck Road chiar acum, "
        "unde e poliția?"
    )
    assert risk_flags(text) == (), "a rule now covers this; pick a phrasing none does"
    flags, reasons = judge_risk(text)
    assert flags == ("crime-reported",)
    assert "'acum'" in reasons[0], reasons


def test_two_spellings_of_one_word_share_the_letters_inside_them():
    shared = letters("f*cking").keys() & letters("f*cked").keys()
    assert {"letters: f*ck", "letters:  f*c"} <= shared
    assert "letters: stab" in letters("stabbed").keys() & letters("stabbing").keys()


def test_every_kind_of_feature_is_said_in_the_texts_words():
    """One way for every model to tell the desk what it weighed (the reasons' words)."""
    text = "Hope the Sgt gets STABBED"
    kinds = {"says": "words for {}", "answers the force": "a reply to the force"}
    said = [
        in_words(feature, text, kinds)
        for feature in (
            "word: hope",
            "pair: hope the",
            "skip: hope sgt",
            "letters: abbe",
            "says: harm",
            "answers the force",
            "topic response-times",
        )
    ]
    assert said == [
        "'hope'",
        "'hope the'",
        "'hope … sgt'",
        "'stabbed'",
        "words for harm",
        "a reply to the force",
        "topic response-times",
    ]


def test_training_reads_no_letters_of_a_place_name():
    """Like the place's word, its letters would teach the models where a post is set."""
    post = {"text": "More trouble in Spalding tonight", "risk_flags": []}
    row = train_flags._row(post, frozenset(FLAGS), in_stream=True)
    assert "letters: trou" in row.found
    assert not [name for name in row.found if "spal" in name or "ldin" in name]


def test_no_learned_model_weighs_where_in_the_force_area_a_post_is_set():
    """Writers set their rumours in Spalding and their threats in Boston: learned, the town
    was evidence ("'police', 'spalding'" raised a rumour on a police statement; the action
    model put a Skegness complaint right on "'hours', 'skegness'"). Its possessive too:
    "Stamford's" is the word `stamford's`."""
    places = ["word: spalding", "word: boston's", "pair: market rasen's", "skip: in lincoln"]
    assert all(map(names_a_place, places))
    assert not names_a_place("word: police")
    weighed = [*load_models().weights, *SecondOpinion.load().model.weights]
    placed = [name for name in weighed if names_a_place(name)]
    assert not placed, placed[:5]


def test_a_rules_reason_is_plain_text():
    """The quoted words are a post's: no direction marks or tags reach the desk through them."""
    _, (reason,) = judge_risk("hope the copper who nicked \u202eme\u202c gets stabbed tonight")
    assert reason == "threat-to-staff (rule): 'hope the copper who nicked me gets stabbed'"
