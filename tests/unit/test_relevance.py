"""What is kept, and why: the force named, a reply to its post, or talk about policing in
its area; not another force's news, nor police words in another sense."""

from datetime import UTC, datetime
from pathlib import Path

import pytest

from bench.evaluation import load_examples
from earshot.core.model import Mention
from earshot.core.paths import DEFAULT_PROFILE
from enrichment import Enricher
from enrichment.relevance import RelevanceJudge, load_vocabulary
from enrichment.rule_files import TaxonomyError
from listeners import load_profile

ENRICHER = Enricher.for_profile(load_profile(DEFAULT_PROFILE))
NOW = datetime(2026, 12, 4, 12, tzinfo=UTC)


def enriched(text: str, *, title: str = "", is_reply: bool = False) -> Mention:
    mention = Mention(
        id="m", source="test", source_kind="rss", url=None, title=title, text=text,
        author=None, published=NOW, fetched=NOW,
    )  # fmt: skip
    return ENRICHER.enrich(mention, is_reply=is_reply)


@pytest.mark.parametrize(
    "text",
    [
        "Police appeal for witnesses after burglary in Grantham",
        "Officers were called to Skegness seafront after reports of a fight",
        "Someone just tried to break into my car on Monks Road in Lincoln, rang 999 and still "
        "waiting for the police",
    ],
)
def test_local_talk_about_policing_is_kept_though_it_names_no_force(text):
    mention = enriched(text)
    assert (mention.relevance, mention.not_relevant) == ("local-policing", None)


@pytest.mark.parametrize(
    ("text", "place"),
    [
        ("Skeg: arcades on Grand Parade, about half 7, 2 police vans and a dog unit", "Skegness"),
        ("coppers everywhere down skeggy tonight, anyone know what's happened?", "Skegness"),
        ("Police cars outside the Co-op in Hykeham again", "North Hykeham"),
    ],
)
def test_the_names_locals_use_are_the_place(text, place):
    """The writers wrote "Skeg" 254 times and "Hykeham" 168: as the area's people do."""
    mention = enriched(text)
    assert mention.relevance == "local-policing"
    assert [p.name for p in mention.places] == [place]


def test_naming_the_force_or_answering_its_post_is_kept_as_such():
    assert enriched("Lincs Police closed the A46 near Lincoln").relevance == "named"
    assert enriched("You took three hours to come out", is_reply=True).relevance == "reply"


def test_a_joint_appeal_naming_this_force_is_kept_though_it_names_another():
    mention = enriched("Humberside Police and Lincolnshire Police appeal after a crash at Keelby")
    assert mention.relevance == "named"


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("The fashion police would have a field day at Lincoln Christmas Market", "other-sense"),
        ("Grammar police in Boston are out in force over the new signs", "other-sense"),
        ("Economics 101 at the University of Lincoln starts on Monday", "not-about-policing"),
        ("She was a driving force behind the Spalding Flower Parade", "not-about-policing"),
        ("Humberside Police appeal for witnesses after a crash near Gainsborough", "other-force"),
        ("Humberside Police appeal after a burglary in Grimsby", "other-force"),
        ("British Transport Police called to Lincoln station after a fight", "other-force"),
        ("Police appeal after a burglary in Peterborough", "not-in-area"),
        # other senses of the phrasings that need no police word
        ("My nan turns 101 in Skegness this week, what a woman", "not-about-policing"),
        ("Mablethorpe stole the show at the seaside awards", "not-about-policing"),
        ("Daylight robbery, nine pounds to park at Skegness for the afternoon", "other-sense"),
        ("Was charged £6 to park at Skegness, never again", "not-about-policing"),
        ("Our cat has gone missing in Sleaford, ginger tom, very friendly", "not-about-policing"),
        ("Joint custody of the kids sorted at last, moving to Sleaford", "other-sense"),
        ("RAF Cranwell flight sergeant wins a fitness award in Sleaford", "other-sense"),
        ("Flood victims in Wainfleet still waiting for the insurance", "other-sense"),
        ("Politicians in Spalding argue over the bypass again", "not-about-policing"),
        ("Has anyone seen my keys? Lost them somewhere in Sleaford", "not-about-policing"),
        (
            "The car park at Skegness charged in full though the barrier was up",
            "not-about-policing",
        ),
        ("This heat is going to kill me, Skegness is roasting", "not-about-policing"),
        (
            "Somebody's been in the Sleaford paper again for the Christmas lights",
            "not-about-policing",
        ),
        ("Knocked off work early for a pint in Horncastle", "not-about-policing"),
        ("I suspect Skegness will be rammed this weekend", "not-about-policing"),
        ("Grantham got mugged off by the ref in the last minute", "other-sense"),
        ("Got a new laptop from PC World in Lincoln, bargain", "not-about-policing"),
        ("My skeg snapped on the first wave, gutted", "not-about-policing"),
        ("The new striker was on fire for Boston United on Saturday", "not-about-policing"),
        ("The heating finally kicked in at the Sleaford leisure centre", "not-about-policing"),
    ],
)
def test_other_forces_other_places_and_other_senses_are_not_kept(text, why):
    mention = enriched(text)
    assert (mention.relevance, mention.not_relevant) == (None, why)


def test_police_words_in_another_sense_do_not_make_a_text_about_the_force():
    """Blanked before tone toward the force is read: "fashion police" is not the police."""
    assert enriched("The fashion police are awful, useless and a joke").toward_force.label == (
        "neutral"
    )


def test_a_broken_relevance_file_is_named(tmp_path):
    broken = tmp_path / "relevance.yaml"
    broken.write_text("police_words: [police]\nother_senses: ['fashion (police']\n")
    with pytest.raises(TaxonomyError, match=r"relevance\.yaml: other_senses.*fashion \(police"):
        load_vocabulary(broken)
    empty = tmp_path / "empty.yaml"
    empty.write_text("police_words: []\nother_senses: [x]\n")
    with pytest.raises(TaxonomyError, match="police_words"):
        load_vocabulary(empty)


def test_a_profile_without_other_forces_drops_no_one_for_naming_a_force():
    profile = load_profile(DEFAULT_PROFILE)
    force = profile.force.model_copy(update={"other_forces": []})
    judge = RelevanceJudge.for_force(force)
    text = "Humberside Police called to Skegness"
    verdict = judge.judge(
        text,
        text,
        force_terms=(),
        is_reply=False,
        in_area=True,
        policing=judge.about_policing(text),
    )
    assert verdict.relevance == "local-policing"


# --- kept, and judged as the comms desk would -------------------------------------------


def test_a_local_appeal_is_an_appeal_about_burglary_needing_no_response():
    mention = enriched("Police appeal for witnesses after burglary in Grantham")
    assert {"appeal", "burglary"} <= set(mention.topics)
    assert (mention.risk_flags, mention.response.action) == ((), "no-action")


def test_officers_called_to_a_fight_is_a_public_order_incident():
    mention = enriched("Officers were called to Skegness seafront after reports of a fight")
    assert {"incident", "public-order"} <= set(mention.topics)
    assert (mention.risk_flags, mention.response.action) == ((), "no-action")


def test_a_crime_reported_on_social_media_goes_to_contact_handling_not_put_it_right():
    mention = enriched(
        "Someone just tried to break into my car on Monks Road in Lincoln, rang 999 and still "
        "waiting for the police"
    )
    assert "crime-reported" in mention.risk_flags
    assert mention.response.action == "contact-handling"
    assert "route to 999/101 contact handling" in mention.response.reasons[0]


def test_a_long_blog_advising_police_on_social_media_is_not_flagged():
    """About 1,400 words of 2011-style advice quoting the kind of comment that could prejudice
    a case ("I know who did it, he lives at…"): advice about the rule, not a breach of it."""
    blog = (Path(__file__).parent / "texts" / "blog_social_media_advice.txt").read_text()
    mention = enriched(blog, title="Social media for police forces: ten things I have learned")
    assert "could-prejudice-case" not in mention.risk_flags
    assert mention.risk_flags == ()
    assert mention.response.action != "refer-to-investigator"


# --- talk about policing that uses no police word: families of phrasings -------------------


@pytest.mark.parametrize(
    "text",
    [
        # a 101 call or a crime reference
        "Rang 101 about the quad bikes on the rec in Sleaford, still waiting",
        "Gave them my crime ref for the Horncastle shop break-in, heard nothing since",
        # a crime done or being reported
        "My bike was stolen from outside Grantham library this afternoon",
        "Vandals have sprayed paint all over the bus shelter in Horncastle",
        "Someone just tried to break into the van parked opposite us in Ruskington",
        "Hare coursers out on the fields past Holbeach again tonight",
        "Lad on a bike snatched my mum's handbag outside the Sleaford Tesco",
        "My wallet got lifted at the Skegness fair, cards gone",
        "Ex keeps texting that he'll come round and batter me. Horncastle",
        "Drunk lad in a white Corsa just drove off from the Ruskington chippy, swerving",
        "Little girl knocked off her scooter by a van in Sleaford, driver didn't stop",
        # a court result
        "Sleaford man jailed for two years for dangerous driving",
        "The coach charged in Horncastle last week has been suspended by the club",
        "Horncastle woman charged with fraud after taking money from elderly neighbours",
        # a missing person
        "Missing teenager from Sleaford, last seen at the bus station, please share",
        "My son hasn't come home and his phone is off, it's 2am. Horncastle",
        "Has anyone seen my grandad? Walked out of the care home in Sleaford an hour ago",
        # custody, sergeants, stop and search
        "The custody sergeant in Grantham was decent to me, fair play",
        "Stopped and searched again walking through Skegness, nothing found as usual",
        # a beating or a fire set on purpose, told as people tell it
        "Lad getting proper kicked in by 4 others in the Central Park play area in Boston",
        "kids setting the wheelie bins alight behind the flats on Linden Way Boston",
        "Ktoś stoi pod posterunkiem w Spalding i krzyczy od godziny",
        # a constable by name or collar number
        "Fair play to PC Marsh who helped my nan when she fell outside Asda in Spalding",
        "PC 4471 was spot on with my lad in Sleaford yesterday",
        # the police in the area's community languages
        "Policja w Sleaford była bardzo pomocna po kradzieży roweru",
        "Poliția din Spalding a venit repede, mulțumesc",
        "Rower ukradziony spod szkoły w Sleaford, czerwony, pomóżcie",
        "Mi-au furat bicicleta din fața magazinului în Spalding",
        "Someone's been in our garage overnight in Ruskington, tools gone",
    ],
)
def test_local_talk_about_policing_without_a_police_word_is_kept(text):
    mention = enriched(text)
    assert (mention.relevance, mention.not_relevant) == ("local-policing", None), mention.places


def test_a_crime_in_boston_settles_boston_as_the_area_town():
    """Boston is also Massachusetts: talk of a stabbing there, with no force named, is the
    local town's news unless the text is plainly about America."""
    mention = enriched("Man stabbed outside a shop in Boston town centre last night")
    assert (mention.relevance, [p.name for p in mention.places]) == ("local-policing", ["Boston"])
    polish = enriched("Chłopak pobity w Bostonie, policja szuka świadków")
    assert (polish.relevance, [p.name for p in polish.places]) == ("local-policing", ["Boston"])


@pytest.mark.parametrize(
    "text",
    [
        "FBI agents and Boston police hunt a suspect after the shooting",
        "Boston police commissioner says a suspect is in custody",
        "Police in New York and Boston step up patrols after the attack",
        "Polícia de Boston investiga roubo em Cambridge, Massachusetts",
    ],
)
def test_policing_in_the_american_boston_is_not_in_the_area(text):
    mention = enriched(text)
    assert (mention.relevance, mention.not_relevant, mention.places) == (None, "not-in-area", ())


def test_screening_by_words_never_changes_whether_a_text_is_about_policing():
    """Only the police words and phrasings whose words are in a text are searched for;
    searching the whole vocabulary in every labelled mention (and shouted, and with curly
    apostrophes and the Kelvin sign for a k) agrees."""
    judge = ENRICHER.relevance
    texts = [e["text"] for e in load_examples()]
    variants = [(t.upper(), t.replace("'", "\u2019"), t.replace("k", "\u212a")) for t in texts]
    for text in [*texts, *(v for three in variants for v in three)]:
        assert judge.about_policing(text) == bool(judge.police_words.search(text)), text
