from pathlib import Path

import pytest
import yaml

from bench.evaluation import THREAT_NEAR_MISSES, load_examples
from enrichment.risk import (
    FLAGS,
    LONG_TEXT,
    RULES_FILE,
    Sentences,
    cancelled,
    cancelled_flags,
    flag_exceptions,
    load_about_police,
    load_rules,
    risk_flags,
)
from enrichment.risk_model import judge_risk
from enrichment.rule_files import PhraseIndex, TaxonomyError


def flagged(flag: str, text: str) -> bool:
    return flag in risk_flags(text)


# --- the rules file --------------------------------------------------------------------


def test_rules_file_has_every_fixed_flag_with_a_description_and_rules():
    flags = yaml.safe_load(RULES_FILE.read_text(encoding="utf-8"))["flags"]
    assert sorted(flags) == sorted(FLAGS)
    for flag, spec in flags.items():
        assert isinstance(spec["description"], str) and spec["description"].strip(), flag
        assert spec["rules"], flag
        assert all(isinstance(rule["pattern"], str) for rule in spec["rules"]), flag


def test_every_rule_compiles():
    assert {rule.flag for rule in load_rules()} == set(FLAGS)


def _write(tmp_path: Path, flags: dict) -> Path:
    path = tmp_path / "risk.yaml"
    path.write_text(yaml.safe_dump({"flags": flags}))
    return path


def _all_flags(**override: dict) -> dict:
    base = {flag: {"description": flag, "rules": [{"pattern": flag}]} for flag in FLAGS}
    return base | override


def test_unknown_flag_id_fails_at_load_naming_it(tmp_path):
    rules = _all_flags(**{"swearing": {"description": "x", "rules": [{"pattern": "x"}]}})
    with pytest.raises(TaxonomyError, match="swearing"):
        load_rules(_write(tmp_path, rules))


def test_flag_without_rules_fails_at_load(tmp_path):
    with pytest.raises(TaxonomyError, match=r"flags\.personal-data\.rules"):
        load_rules(
            _write(tmp_path, _all_flags(**{"personal-data": {"description": "x", "rules": []}}))
        )


def test_mistyped_rule_key_fails_at_load(tmp_path):
    typo = {"description": "x", "rules": [{"pattern": "x", "require": "y"}]}
    with pytest.raises(TaxonomyError, match="require"):
        load_rules(_write(tmp_path, _all_flags(**{"crime-reported": typo})))


def test_unknown_vocab_name_fails_at_load(tmp_path):
    rule = {"description": "x", "rules": [{"pattern": "{polise} scum"}]}
    with pytest.raises(TaxonomyError, match="polise"):
        load_rules(_write(tmp_path, _all_flags(**{"abuse-discrimination": rule})))


def test_flags_are_sorted_and_unique():
    found = risk_flags("I know who did it, he lives at 14 Elm Close, LN2 4AB. Guilty as sin.")
    assert found == ("could-prejudice-case", "personal-data")


# --- what must raise nothing -----------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "Man charged with burglary appears in court",
        "Police appeal: call 101 quoting incident 123",
        "Anyone with information or dashcam footage is asked to call 101 quoting incident 41 "
        "of 15 November, or report it online.",
        "A 19-year-old man from Boston has been charged with wounding with intent and will "
        "appear before Lincoln Magistrates' Court on Monday.",
        "Missing Boston teenager found safe and well. Thanks to everyone who shared the appeal.",
        "Drink-driving crackdown on the A46: officers stopped 212 vehicles and arrested three.",
        "The victim was taken to hospital with injuries that are not life-threatening.",
        "Lincoln City 2-1 Stevenage: Imps come from behind at the LNER Stadium",
        "Thank you officers, brilliant work finding our son",
        "",
    ],
)
def test_news_appeals_and_praise_raise_nothing(text):
    assert risk_flags(text) == ()


# --- threat-to-staff -------------------------------------------------------------------


def test_ill_stab_the_next_copper_is_a_threat_to_staff():
    assert risk_flags("I'll stab the next copper who knocks on my door") == ("threat-to-staff",)


def test_someone_should_shoot_that_officer_is_a_threat_to_staff():
    assert flagged("threat-to-staff", "someone should shoot that officer tbh")


def test_we_know_where_you_live_said_to_an_officer_is_a_threat():
    assert flagged("threat-to-staff", "We know where you live PC Smith")
    assert flagged("threat-to-staff", "@LincsPolice I'm gonna find you and batter you")
    assert flagged("threat-to-staff", "@LincsPolice someone needs to torch your station")
    assert flagged("threat-to-staff", "I swear down I'll find out where that sergeant lives")


def test_intimidation_of_a_named_officer_is_a_threat():
    assert flagged("threat-to-staff", "That PCSO wants to watch his back. I know which car is his")
    assert flagged("threat-to-staff", "Tell PC Jones he'll regret nicking my brother")
    assert not flagged("threat-to-staff", "You'll regret not buying tickets for the panto")


def test_threat_ending_him_counts_when_it_follows_an_officer():
    assert flagged("threat-to-staff", "If I see that PCSO again I'm going to glass him")
    assert not flagged("threat-to-staff", "The police won't do anything so I'll kill him myself")


def test_wishing_harm_on_officers_is_a_threat():
    assert flagged("threat-to-staff", "Hope that copper gets what's coming to him")
    assert flagged("threat-to-staff", "Every one of them pigs deserves to be shot")


def test_news_of_a_threat_to_an_officer_is_not_one():
    assert not flagged(
        "threat-to-staff", "Man jailed for threatening to stab a police officer in Boston"
    )
    assert not flagged("threat-to-staff", "An officer was stabbed while on patrol in Lincoln")


def test_a_threat_someone_else_made_or_violence_others_did_is_told_not_made():
    """From the writers' near misses and real comment threads (training files): the text talks
    about a threat; the poster makes none. The same words said by the poster still count."""
    for told in (
        "The bloke in this video shouting 'I'll stab you' at the officer deserves the maximum",
        "\"I'll burn your house down\" - that's what he told officers while they cuffed him",
        "Echo says a bloke got 18 months for posting that he'd 'stab the next copper he saw'",
        "This is what they chant when protesting: 'KILL THE COPS!'",
        # A closing quote does not end the sentence: the chant still belongs to the crowd.
        "Protesters Chant 'Pigs In A Blanket, Fry 'Em Like Bacon!' KILL THE COPS!",
        "they are scumbags who kill cops",
        "But they're not too scared to throw a fist in the air as they shoot a cop",
    ):
        assert not flagged("threat-to-staff", told), told
    for made in (
        "they kept shouting at me, so I'll stab the next copper",
        "Locked me up for tweeting, I'll stab the next copper I see",
        "Anyone who kills a copper deserves a medal, I'd shoot the pigs myself",
        "People shoot cops in America, I'll shoot the next copper here too",
        "I'm telling you 'I will stab the next copper'",
        "kill all coppers 🐷🐷 #ACAB",
    ):
        assert flagged("threat-to-staff", made), made


def test_everyday_phrases_near_the_police_are_not_threats():
    assert not flagged("threat-to-staff", "Kill the Bill protest planned in Lincoln")
    assert not flagged("threat-to-staff", "I'd kill for a police pension like theirs")
    assert not flagged("threat-to-staff", "These cuts will kill police morale")
    assert not flagged(
        "threat-to-staff", "Kids going to hang around the police station for a selfie"
    )
    assert not flagged("threat-to-staff", "We know where the problem is, police, sort it out")


def test_threat_to_a_neighbour_is_not_a_threat_to_staff():
    assert not flagged("threat-to-staff", "I'll kill him if he parks across my drive again")


@pytest.mark.parametrize(
    "text",
    [
        # Wishing them dead.
        "Those coppers on Tritton Road, I hope they all die in a fire",
        "Every single one of the Boston feds deserves a bullet",
        "A good copper is a dead copper",
        "Police are vermin and vermin should be exterminated",
        # Veiled threats and intimidation.
        "That PCSO in Sleaford had better hope I never bump into him off duty",
        "Be a shame if something happened to that copper's lovely new car",
        "@LincsPolice we've been watching you.",
        "If the coppers raid our street again we're ready for them",
        "Wonder if PC Hart wants his address shared round the estate",
        # Watched, said a sentence after the force is named; their families photographed.
        "Lincs Police, your station car park is not as private as you think. We've been watching",
        "I've got pictures of that sergeant who pulled me over, his missus and kids in the park",
        # Violence promised.
        "I'm going to kick that sergeant's head in",
        "If that copper comes round again he's getting glassed",
        "Coppers better not show their faces on the estate again",
        "We know where the inspector's kids go to school",
        "if a pig ever pulls me over again im gonna stab him",
        "Somebody needs to petrol bomb that nick",
        # The police in slang the vocab once missed.
        "someone should torch the fuzz van outside the Co-op",
        "I'll be waiting outside for that sergeant when he finishes tonight",
        "That PCSO deserves a good kicking",
        # Attacks on their stations and aircraft, and a gun aimed at them in emoji.
        "Somebody should lob a brick through the windows at the cop shop",
        "Who fancies shooting down the police drone tonight",
        "fuck the police \U0001f52b\U0001f52b",
        # Polish ("I know where that policeman lives"), Romanian ("let the station burn").
        "Wiem gdzie mieszka ten policjant z Lincoln",
        "Să ardă secția de poliție din Boston",
    ],
)
def test_threats_to_staff_in_their_common_phrasings(text):
    assert flagged("threat-to-staff", text)


@pytest.mark.parametrize(
    "text",
    [
        "Every one of those coppers deserves a medal",
        "I hope the police dogs don't die in those hot vans",
        "It would be a shame if anything happened to the bus route, police say",
        "We've been watching the police helicopter for an hour",
        "Police closed the road after the crash. We've been watching from the bridge",
        "Lovely photo of the sergeant with his wife and kids at the fun day",
        "Police say they are ready for the Christmas market",
        "Vandals threw bricks through shop windows on Silver Street, police said",
        "Teen arrested for shooting down a police drone",
        "Armed police seize guns in Boston raid \U0001f46e",
        "Policja wie, gdzie mieszka sprawca",
        "Officers helped us get the car out, or else we'd still be stuck",
        "I know where the police station is, it's by the library",
        "Someone's nicked the bins from outside the nick",
        "We'll be waiting for the police to finish their enquiries before we open",
    ],
)
def test_near_misses_of_threat_phrasings_are_not_threats(text):
    assert not flagged("threat-to-staff", text)


# --- abuse-discrimination --------------------------------------------------------------


def test_f_the_police_is_abuse():
    assert flagged("abuse-discrimination", "f*** the police")
    assert flagged("abuse-discrimination", "fuck the feds, ACAB")


def test_filthy_pigs_is_abuse_but_pigs_on_a_farm_is_not():
    assert flagged("abuse-discrimination", "Filthy pigs harassing kids in the park")
    assert not flagged("abuse-discrimination", "Police recover 40 stolen pigs from a farm")


def test_dehumanising_terms_are_abuse():
    assert flagged("abuse-discrimination", "Whoever did this is absolute scum")
    assert flagged("abuse-discrimination", "These animals need locking up")
    assert flagged("abuse-discrimination", "Coppers are pigs, simple as")
    assert flagged("abuse-discrimination", "#ACAB #FTP")
    # "ACAB" alone is not abuse (tests/data/LABELLING.md), nor talk about the slogan.
    assert not flagged("abuse-discrimination", "ACAB")
    assert not flagged(
        "abuse-discrimination",
        "my mate wears his ACAB hoodie to the pub then rings Lincs Police when his car's scratched",
    )
    assert not flagged("abuse-discrimination", "Vermin control in the stables")
    assert not flagged("abuse-discrimination", "We were treated like animals in custody")


def test_slurs_are_abuse():
    # Built from pieces so this file can be read and grepped without the words in it.
    traveller_slur = "".join(["gyp", "pos"])
    assert flagged("abuse-discrimination", f"{traveller_slur} camped on the field again")
    assert flagged("abuse-discrimination", "Go back to your own country")
    assert flagged("abuse-discrimination", "Deport the lot of them and the useless police too")
    assert flagged("abuse-discrimination", "Women shouldn't be police, she couldn't cuff a toddler")
    assert flagged("abuse-discrimination", "".join(["absolute ", "ret", "ard"]))


@pytest.mark.parametrize(
    "text",
    [
        # Dehumanising or sneering insults.
        "Those inbred plod in Boston couldn't find their own feet",
        "Sleaford coppers are just knuckle-dragging thugs",
        "Bunch of power hungry assholes in Lincs Police",
        "Look at them apes in uniform outside the Cornhill",
        "That fat copper at the station needs a diet",
        "Punk ass coppers on the Brayford again",
        "She only got the job because she's a woman, typical Lincs Police",
        # Sneering at who an officer is; gloating over a death.
        "Lincs Police hiring token officers again",
        "One less pig on the roads after that crash",
        # Polish and Romanian.
        "Jebać policję w Lincoln",
        "Muie poliția din Boston",
    ],
)
def test_abuse_in_its_common_phrasings(text):
    assert flagged("abuse-discrimination", text)


@pytest.mark.parametrize(
    "text",
    [
        "The apes at Twycross Zoo are brilliant",
        "That officer was useless and a disgrace",
        "Fat chance the coppers will come out for a stolen bike",
        "Good riddance to the old police station, it was an eyesore",
        "Policyjne psy znalazły narkotyki w Boston",
    ],
)
def test_near_misses_of_abuse_phrasings_are_not_abuse(text):
    assert not flagged("abuse-discrimination", text)


def test_place_names_and_nationalities_are_not_slurs():
    assert risk_flags("Scunthorpe United fans cause no trouble, say police") == ()
    assert risk_flags("Pakistani community leaders meet the chief constable") == ()
    assert risk_flags("A chink of light for the missing man's family") == ()


# --- could-prejudice-case --------------------------------------------------------------


def test_i_know_who_did_it_he_lives_at_could_prejudice_a_case():
    assert flagged("could-prejudice-case", "I know who did it, he lives at the end of our road")


def test_it_was_definitely_x_from_y_street_could_prejudice_a_case():
    assert flagged("could-prejudice-case", "It was definitely Dave from Elm Street, everyone says")
    assert flagged("could-prejudice-case", "Everyone knows it was the lad from number 9")


def test_hes_got_previous_could_prejudice_a_case():
    assert flagged("could-prejudice-case", "He's done this before, he's got previous")
    assert flagged("could-prejudice-case", "He was in prison for robbing a post office")
    assert flagged("could-prejudice-case", "Guilty as sin, lock him up")
    assert risk_flags("He's a nonce, everyone knows he did it") == (
        "abuse-discrimination",
        "could-prejudice-case",
    )


def test_naming_the_person_in_an_e_fit_could_prejudice_a_case():
    assert flagged("could-prejudice-case", "The bloke in the e-fit is defo my ex's cousin")
    assert flagged("could-prejudice-case", "It was Dean Marsh who did the post office, ask anyone")


def test_previous_convictions_before_trial_could_prejudice_but_a_sentencing_report_not():
    assert flagged(
        "could-prejudice-case", "The man charged has previous convictions for the same thing"
    )
    assert not flagged(
        "could-prejudice-case",
        "The court heard he had 14 previous convictions. He was jailed for two years.",
    )


def test_court_report_is_not_prejudice():
    assert not flagged("could-prejudice-case", "Man charged with burglary appears in court")
    assert not flagged(
        "could-prejudice-case",
        "A Lincoln man has been found guilty of causing death by dangerous driving.",
    )


def test_ordinary_uses_of_previous_and_definitely_are_not_prejudice():
    assert not flagged("could-prejudice-case", "He has previous experience as a PCSO")
    assert not flagged("could-prejudice-case", "It was definitely worth calling 101")
    assert not flagged("could-prejudice-case", "It's clearly Lincolnshire Police's fault")


@pytest.mark.parametrize(
    "text",
    [
        # Guilt asserted of someone charged, arrested or suspected, or the trial dismissed.
        "The lad arrested over the Bourne stabbing is definitely guilty",
        "That woman charged with the Boston fraud is a liar and a thief",
        "The suspect is clearly her ex, everyone in Spilsby knows",
        "No need for a trial, he did it, simple as",
        # Previous wrongdoing.
        "She did the same at her last care home, ask anyone",
        "He was inside for burglary before, the same lad",
        # Naming the suspect, or where the wrongdoer lives.
        "It's the lad from the Chinese takeaway, he's the one they arrested",
        "The guy who keeps selling weed by the park lives at 9 Park Lane",
        "Dealer outside the Spar, his name is Kev",
        "That's obviously the lad from Ermine in the CCTV",
        "The man they arrested is a known wife beater",
        "She's guilty, everyone knows it",
        "The bloke in the e-fit looks exactly like Wayne from the Crown",
        "It was definitely the stepdad.",
        "He's been in trouble with the police since he was 12",
        # A public figure named as under investigation; Romanian "the one in the police video is".
        "Councillor Jim Barker is being investigated by Lincolnshire Police",
        "Cel din filmarea poliției e Marian de la service",
        "Wszyscy wiedzą, że to syn sąsiada",
        "Toată lumea știe că el a furat bicicleta",
    ],
)
def test_prejudicing_a_case_in_its_common_phrasings(text):
    assert flagged("could-prejudice-case", text)


@pytest.mark.parametrize(
    "text",
    [
        "The man charged with the robbery was found guilty at Lincoln Crown Court",
        "They tried that before in Lincoln and it didn't work",
        "He was inside for ten minutes and came out with a pasty",
        "It's the team from the Lincoln station that deserve the credit",
        "He's not guilty, the jury said so",
        "That's clearly the neighbour's cat in the video",
        "The man arrested on suspicion of murder is the victim's son, police said",
        "The man who helped us lives on Elm Road, what a gent",
        "The crash is being investigated by Lincolnshire Police",
        "Allegations against Lincolnshire Police are being looked into",
        # What a video or picture is like, not who is in it.
        "the copper in that video is a fat useless lump",
        "That footage is a disgrace, sack the lot of them",
    ],
)
def test_near_misses_of_prejudicial_phrasings_are_not_prejudice(text):
    assert not flagged("could-prejudice-case", text)


# --- identifies-person -----------------------------------------------------------------


def test_victim_named_as_my_neighbour_identifies_a_person():
    assert flagged("identifies-person", "The victim is my neighbour Sarah Jones")


def test_girl_who_was_attacked_goes_to_st_marys_identifies_a_person():
    assert flagged("identifies-person", "The girl who was attacked goes to St Mary's school")


def test_kid_in_the_video_is_identifies_a_person():
    assert flagged("identifies-person", "The kid in the video is Tyler from Birchwood")


def test_her_name_is_identifies_a_victim_only_near_victim_words():
    assert flagged("identifies-person", "Her name is Chloe, the girl who was assaulted on Friday")
    assert not flagged("identifies-person", "Her name is PC Jones and she was lovely to us")


def test_child_named_with_age_near_an_incident_identifies_a_person():
    assert flagged("identifies-person", "Get well soon little Maisie Clarke, 6, hit by a van today")
    assert not flagged("identifies-person", "Jo Bloggs, 45, said she couldn't thank them enough")


def test_news_about_a_victim_does_not_identify_them():
    assert not flagged("identifies-person", "The victim, a man in his 40s, is in hospital")
    assert not flagged("identifies-person", "The man who was attacked is in a stable condition")


@pytest.mark.parametrize(
    "text",
    [
        # A victim or witness named through what happened to them or what they did.
        "The old man who got conned out of his savings in Horncastle is Bert Dawson",
        "Victim of the Ruskington burglary is my auntie, she's devastated",
        "The witness who saw the crash on the A15 is the lad from the garage",
        "The boy who called 999 about the fight is Kieran, lives on Bailgate",
        # A child or victim in a case or appeal, named.
        "The girl in the Skegness appeal is Chloe Mason's little sister",
        # Who reported it or will give evidence.
        "It was Gary from the Spar who rang 999, he'll be a witness",
        "Emma Bell from year 9 is the one who reported him to the police",
        # A child named with an age, in praise as much as in worry.
        "Well done to our Lily (7) who helped officers find her nan",
        "The little boy who was knocked down is Alfie, he goes to Bardney primary",
        "That's our granddaughter in the police appeal video",
        "The girl who was attacked, she's in year 8 at the academy",
        "Big shout out to 10 year old Mason Reid for ringing 999",
        # A picture shared of a victim; Polish "the girl beaten up in Spalding is...".
        "Here's a pic of the boy who got stabbed so you all know who he is",
        "Dziewczyna pobita w Spalding to Ola Kowalska",
    ],
)
def test_identifying_a_victim_witness_or_child_in_its_common_phrasings(text):
    assert flagged("identifies-person", text)


@pytest.mark.parametrize(
    "text",
    [
        "The woman who was injured is in a stable condition in hospital",
        "The victim in the Sleaford case was a man in his 50s",
        "It was Sarah from the control room who called me back, brilliant service",
        "Tributes have been paid to 9 year old Oliver Grant, who died after the crash",
        "Schedule (6) of the Act sets out the powers",
        "The boy who was hit by a car has been named locally as Sam Ellis",
    ],
)
def test_near_misses_of_identifying_phrasings_identify_no_one(text):
    assert not flagged("identifies-person", text)


# --- personal-data ---------------------------------------------------------------------


def test_uk_phone_numbers_are_personal_data():
    for number in ("07700 900123", "07700900123", "+44 7700 900 123", "020 7946 0000"):
        assert flagged("personal-data", f"Ring him on {number} if you see him"), number


def test_published_force_number_is_not_personal_data_but_a_bare_landline_is():
    # Decision (risk.yaml): a landline next to a force or public body is its published
    # number; the flag hides posts, so it must not hide the force's own switchboard.
    assert risk_flags("Lincolnshire Police, 01522 532222") == ()
    assert risk_flags("Ring me on 01522 532222 if you saw anything") == ("personal-data",)
    assert risk_flags("PC Smith gave me his mobile, 07700 900461") == ("personal-data",)


def test_emails_addresses_and_postcodes_are_personal_data():
    assert flagged("personal-data", "Email jo.bloggs@example.co.uk for the footage")
    assert flagged("personal-data", "He lives at 14 Elm Close in Boston")
    assert flagged("personal-data", "Last seen near PE21 6AB")
    assert flagged("personal-data", "lincoln LN1 1AB")


def test_incident_numbers_dates_and_road_names_are_not_personal_data():
    assert not flagged("personal-data", "Call 101 quoting incident 41 of 15/11/2026")
    assert not flagged("personal-data", "Closed between junction 3 and the A1434")
    assert not flagged("personal-data", "Waited 3 hours down the road for a unit")
    assert not flagged("personal-data", "New PS5 4GB console stolen in burglary")
    assert not flagged("personal-data", "Tag @LincsPolice in your photos")
    assert not flagged("personal-data", "Or call Crimestoppers anonymously on 0800 555 111")


# --- possible-misinformation -----------------------------------------------------------


def test_i_heard_theres_a_lockdown_is_possible_misinformation():
    assert flagged("possible-misinformation", "I heard there's a lockdown at the college")
    assert flagged("possible-misinformation", "Apparently three people dead at the scene")


def test_cover_up_claims_are_possible_misinformation():
    assert flagged("possible-misinformation", "Police are covering it up, they're not telling us")
    assert flagged("possible-misinformation", "Fake news. Share before they delete this")


def test_hearsay_and_contradicting_the_police_are_possible_misinformation():
    assert flagged(
        "possible-misinformation", "My nan's friend said there were armed police at the Tesco"
    )
    assert flagged(
        "possible-misinformation",
        "Don't listen to the police, they're lying, three people were killed not one",
    )


def test_the_24_hour_missing_myth_is_possible_misinformation():
    assert flagged(
        "possible-misinformation", "You have to wait 24 hours before you can report someone missing"
    )
    assert not flagged("possible-misinformation", "Custody staff work 24 hours a day")


def test_a_force_correcting_a_rumour_is_not_misinformation():
    assert not flagged(
        "possible-misinformation",
        "Spalding lockdown rumour is untrue, say police: officers dealt with a minor disturbance",
    )
    assert not flagged(
        "possible-misinformation", "Officers are investigating an apparently unprovoked attack"
    )
    assert not flagged("possible-misinformation", "Man jailed for hoax 999 calls")


@pytest.mark.parametrize(
    "text",
    [
        # Hearsay credited to no one who can be checked.
        "Police scanner says there are two gunmen at the retail park",
        "Screenshot going round says the force is closing every station in the county",
        "Message going round on WhatsApp says police are stopping every car",
        "Se spune că poliția confiscă telefoanele la Boston",
        "Podobno policja w Boston zamyka sklepy",
        # Alarm passed on.
        "Spread the word, there's a gunman in Sleaford",
        # The police said to hide things or to have lost control.
        "Police know who did it but won't say because of who his dad is",
        "Cops have lost control of the town centre",
        # Made-up police policy.
        "Police will arrest anyone out after 9pm in Louth now",
        "Officers can't stop you anymore if you're on an e-scooter",
        "Curfew in Boston from 7pm tonight, official",
        # Unconfirmed deaths, guesses at a police presence, scares.
        "Missing lad from Spalding has been found dead, so sad",
        "Three kids dead after the crash on the A16",
        "The road's closed because they found a body in the dyke",
        "A puma is on the loose near Sleaford, keep your kids in",
        "Gang of lads stabbing people in the town centre, stay safe",
        "Reports of a gunman at the Waterside, avoid the area!!",
        "They've shut down the entire city centre, no one in or out",
        "My mate who works at the hospital says two officers are dead",
        "Police are lying about the crash, they're lying",
        # Sweeping claims presented as fact.
        "Half the force are bent, 60% of Lincs cops are on the take",
        "It's not illegal for the police to shoot you in this country",
    ],
)
def test_possible_misinformation_in_its_common_phrasings(text):
    assert flagged("possible-misinformation", text)


@pytest.mark.parametrize(
    "text",
    [
        "Police said three people were killed in the crash on the A16",
        "Reports that 10 people died were wrong, police confirm",
        "Police advise: keep your kids inside while the smoke clears",
        "Police say there is no curfew in Gainsborough",
        "A Lincolnshire Police source told the BBC the man was known to them",
        "Lincs Police apparently has the best response times in the region",
        "The officer lied in court, the IOPC found",
        "The road was closed because of a crash, police said",
        "30% of new police officers are women, the force's figures show",
        "Officers were called following reports of a stabbing on Newland",
        "Rumours of a lockdown at the college are untrue",
        "Lincs Police post says the A46 is closed at Riseholme",
    ],
)
def test_near_misses_of_misinformation_phrasings_are_not_rumours(text):
    assert not flagged("possible-misinformation", text)


# --- crime-reported --------------------------------------------------------------------


def test_someone_breaking_into_a_car_right_now_is_a_crime_reported():
    assert flagged("crime-reported", "Someone is breaking into my neighbour's car right now")


def test_theres_a_fight_outside_the_wetherspoons_is_a_crime_reported():
    assert flagged("crime-reported", "There's a fight outside the Wetherspoons on the High Street")


def test_my_daughter_hasnt_come_home_is_a_welfare_concern_reported():
    assert flagged("crime-reported", "My daughter hasn't come home and isn't answering her phone")
    assert flagged("crime-reported", "My 14 yr old son went out at 7 and hasn't come back")


def test_ive_just_been_robbed_is_a_crime_reported():
    assert flagged("crime-reported", "I've just been robbed at the cashpoint on Newland")
    assert flagged("crime-reported", "I was mugged ten minutes ago near the station")


def test_being_followed_or_someone_collapsed_is_reported():
    assert flagged("crime-reported", "A man is following me down Monks Road, what do I do")
    assert flagged("crime-reported", "Someone's collapsed outside Boots, not breathing")


def test_recent_theft_posted_online_is_reported_unless_already_reported_to_police():
    assert flagged("crime-reported", "Someone's nicked my tools out the shed overnight. Gutted")
    assert flagged("crime-reported", "Has anyone seen my dad? He's got dementia and went out at 6")
    assert not flagged(
        "crime-reported", "My van was broken into overnight, reported it, crime number 24/1234"
    )


def test_news_and_old_grievances_are_not_crimes_reported_now():
    assert not flagged(
        "crime-reported", "A man was robbed on the High Street on Tuesday, police said"
    )
    assert not flagged("crime-reported", "I was burgled in 2019 and nobody came")
    assert not flagged("crime-reported", "My son is missing his dad since the accident")
    assert not flagged("crime-reported", "Kids are fighting for places at the grammar school")


@pytest.mark.long
def test_screening_by_words_never_changes_a_flag():
    """Rules none of whose words are in a text are skipped; testing every rule on every
    labelled mention (and shouted, and with the Kelvin sign for a k) agrees."""
    texts = [e["text"] for e in load_examples()]
    rules, about_police = load_rules(), load_about_police()
    for text in [*texts, *(t.upper() for t in texts), *(t.replace("k", "\u212a") for t in texts)]:
        about = about_police if len(text) > LONG_TEXT else None
        fired = {r.flag for r in rules if r.evidence(text, Sentences.of(text), about)}
        every = tuple(sorted(f for f in fired if not cancelled(f, text)))
        assert risk_flags(text) == every, text


def test_screening_the_exceptions_never_changes_what_they_cancel():
    """A flag's `unless` is searched only in a text holding one of its words; searching
    every exception in every labelled mention (and shouted) agrees."""
    never = flag_exceptions()
    texts = [e["text"] for e in load_examples()]
    for text in [*texts, *(t.upper() for t in texts)]:
        assert cancelled_flags(text) == {f for f, p in never.items() if p.search(text)}, text


@pytest.mark.parametrize(
    "text",
    [
        "Email jo.bloggs@example.co.uk",
        "ring me on 07700 900461",
        "coming for you 🔪",
        "It was Jane Smith, 34, who",
    ],
)
def test_a_rule_with_no_word_is_screened_by_the_symbol_it_needs(text):
    """An email, a mobile number, a knife emoji or a name and age has no word to screen by,
    but an "@", a "7", the emoji or a digit: a post without them is spared those regexes."""
    rules = load_rules()
    index = PhraseIndex.of([rule.phrases for rule in rules])
    matching = index.matching(text)
    assert matching, "no rule matches the text"
    assert matching <= index.worth_searching(text)
    assert not matching & index.worth_searching("Thanks to the officers who came round")


# --- judged in context: the sentence that carries the signal -----------------------------

BLOG = (Path(__file__).parent / "texts" / "blog_social_media_advice.txt").read_text()


@pytest.mark.parametrize(
    "text",
    [
        "Someone just tried to break into my car on Monks Road in Lincoln, rang 999 and still "
        "waiting for the police",
        "Two lads have just tried to get into our shed, they've legged it towards the park",
        "Rang 999 about the lads trying car doors on our street, still no one here",
        "Just seen two lads smash a car window on the High Street in Boston",
    ],
)
def test_crime_reported_in_its_common_phrasings(text):
    assert flagged("crime-reported", text)


@pytest.mark.parametrize(
    "text",
    [
        "Someone tried to break into my car back in 2019 and nothing came of it",
        "Someone just tried to break into my car, officers came and gave me a crime number",
        "Rang 999 when my nan fell last year and the ambulance came in ten minutes",
    ],
)
def test_crime_history_handled_reports_and_news_are_not_a_crime_reported_now(text):
    assert not flagged("crime-reported", text)


@pytest.mark.parametrize(
    "text",
    [
        # A crime just seen, or going on now.
        "A lad has just snatched a woman's handbag outside Boots and legged it up the High St",
        "Kids throwing stones at cars on the bypass again tonight",
        "Fly-tipping in the lay-by on the A17 right now, white van",
        "Dealing going on outside our flats every night and nobody cares",
        # Asking others to act, or someone who looks at risk.
        "Bloke slumped at the bus stop on Newland, has anyone called an ambulance?",
        "There's an old man wandering on the road by the roundabout, seems disoriented",
        # Threatened, said by the one at risk.
        "My ex keeps texting saying he's going to smash my windows, I'm terrified",
        # Missing, or reported and nobody has come.
        "Our Maisie has gone missing from Skegness beach, please share",
        "Rang 999 half an hour ago about a fight on the Brayford and still nobody",
        "My neighbour hasn't been seen since Friday and her post is piling up",
        "Just been mugged on Newland, they took my bag",
        "Car driving the wrong way down the A15 right now!!",
        "My mum's been scammed out of her savings this morning",
        "There's been a stabbing outside the kebab shop on Newland",
        "There's a bloke exposing himself by the river",
        # Accused to their face; Romanian and Polish live reports.
        "You're a thief and a liar, I've reported you to the police",
        "Cineva sparge geamul mașinii vecinului chiar acum",
        "Ktoś włamuje się do auta sąsiada, teraz!",
        "Ukradli mi rower spod sklepu w nocy, Boston",
        "Mi-au furat mașina din fața casei azi-noapte, acum am observat",
    ],
)
def test_more_phrasings_of_a_crime_reported(text):
    assert flagged("crime-reported", text)


@pytest.mark.parametrize(
    "text",
    [
        "Someone just stole my heart at the Lincoln Christmas market lol",
        "Someone stole my heart, should I call 999 lol",
        "Hare coursing season: police urge farmers to report sightings",
        "Can someone check whether the 101 line is working today",
        "That new kit doesn't look right on the Imps",
        "My brother's going to kill me for sharing this lol",
        "Police raid drug house on our estate, three arrested",
        "A man has just been jailed for attacking his neighbour",
        "Drink driving campaign: police urge you to report drink drivers now",
        "The missing man has not been seen since Friday, police said",
        "A woman watching her kids at the park told us she felt safe",
        "My mum's been scammed before, years ago, so she's careful",
        "There's been a spate of burglaries in Spalding, police say",
        "Ukradli mi rower w 2019 roku i nic",
    ],
)
def test_near_misses_of_a_crime_reported_are_not_reports(text):
    assert not flagged("crime-reported", text)


def test_what_a_rule_needs_nearby_must_be_in_the_same_sentence():
    """Recent means this crime is recent: "last night" in the next sentence is another story."""
    assert flagged("crime-reported", "My bike got nicked from outside Tesco last night.")
    assert not flagged(
        "crime-reported",
        "My bike got nicked from outside Tesco in 2019. Last night we had the best curry in town.",
    )


def test_a_long_blog_quoting_a_prejudicial_comment_as_advice_is_not_flagged():
    assert "I know who did it, he lives at" in BLOG
    assert risk_flags(BLOG) == ()
    # The same words said as a claim, in a post, still are.
    assert flagged("could-prejudice-case", "I know who did it, he lives at the end of our road")


def test_a_long_text_is_flagged_where_a_sentence_about_the_police_carries_the_signal():
    assert "Apparently the most popular topic" in BLOG  # far from any police or incident word
    rumour = "\n\nApparently the police are covering up what happened in Boston last night."
    assert flagged("possible-misinformation", BLOG + rumour)


def test_a_flags_own_unless_is_read_apart_from_its_rules(tmp_path):
    prejudice = {
        "description": "x",
        "unless": "could prejudice",
        "rules": [{"pattern": "guilty as sin"}, {"pattern": "bang to rights"}],
    }
    path = _write(tmp_path, _all_flags(**{"could-prejudice-case": prejudice}))
    mine = [r for r in load_rules(path) if r.flag == "could-prejudice-case"]
    never = flag_exceptions(path)["could-prejudice-case"]
    said = "Guilty as sin and bang to rights"
    advice = "Comments that could prejudice a trial: guilty as sin, bang to rights"
    assert all(r.evidence(said, Sentences.of(said)) for r in mine) and not never.search(said)
    assert never.search(advice)


def test_a_flags_own_unless_anywhere_in_the_text_cancels_it():
    """However far into the sentence the person comes, the police named them: not
    `identifies-person` (tests/data/LABELLING.md). Said without the police naming them, it is."""
    died = "the man who died in the collision on the A17 near Sutterton"
    named = f"Lincolnshire Police have named {died} as John Smith, 52, from Holbeach."
    assert "identifies-person" not in risk_flags(named)
    assert "identifies-person" in risk_flags(f"The {died[4:]} was John Smith, 52, from Holbeach.")


# --- near misses the near-miss writers labelled (tests/data/writer_briefs/near_misses.md) ----


@pytest.mark.parametrize(
    ("flag", "text"),
    [
        ("personal-data", "Quiz night at the Red Lion, ring the bar on 01406 555019 to book"),
        ("personal-data", "Book a slot through the parish office on their landline 01778 000111"),
        ("personal-data", "The Neighbourhood Watch club email is horncastlenw@example.com"),
        (
            "possible-misinformation",
            "Is there any truth in what people are saying about someone getting stabbed at the "
            "fair in Boston last night?",
        ),
        (
            "possible-misinformation",
            "Is there any truth in the thing going round that police are stopping every car with "
            "a foreign plate in Boston?",
        ),
        (
            "possible-misinformation",
            "Police have closed Lincoln Road in North Hykeham because of a gas leak, it says on "
            "the Lincs Police twitter",
        ),
        (
            "crime-reported",
            "My advice for new people: if somebody fight in the street you call 999, not write on "
            "Facebook",
        ),
        (
            "crime-reported",
            "Just read the officer from Spalding who was hit by the drunk driver is out of "
            "hospital",
        ),
    ],
)
def test_an_everyday_post_near_a_flag_is_not_the_flag(flag, text):
    assert not flagged(flag, text)


def test_the_near_misses_exceptions_leave_the_flag_where_it_is():
    assert flagged("personal-data", "Ring me on 01406 555019 if you saw it")
    assert flagged("personal-data", "email me at dave.smith@example.com")
    assert flagged(
        "possible-misinformation", "Road closed because of a shooting, my mate says three dead"
    )
    assert flagged("crime-reported", "Drunk driver swerving all over the A15 right now")
    assert flagged("crime-reported", "Fight outside spoons, call 999!")


# --- threats as the threat writers wrote them, beyond dev's phrasings (2026-12-06) -----------


@pytest.mark.parametrize(
    "text",
    [
        # A wish of death or grave harm, however long the wish runs.
        "hope the sergeant who searched my car on the A52 gets hit by a lorry on his way home",
        "hope every one of you at Boston nick wraps your cars round a tree",
        # Bricks and fire at their cars and stations.
        "someone wants to put a brick through every window at Bourne nick",
        "next panda that parks outside my house is getting bricked",
        "somebody should torch Sleaford nick with the lot of them still inside",
        # Violence promised in the first person.
        "if that PCSO comes round my mums again I'm putting him in hospital",
        "first copper through my door gets a hammer round the head",
        # Death wished; followed and watched; armed and waiting; rallied against.
        "every copper in Skeg deserves to die slow",
        "that officer from Louth better keep looking over his shoulder",
        "next time the police knock I'll be behind the door with a machete",
        "everyone meet outside Grantham police station friday, bring bricks",
        # An officer's private life known and told.
        "I know which pub that sergeant drinks in. see you friday",
        "we know which school the officer in that video sends his kids to",
        # Polish and Romanian: fire at their station, a wish of a crash, a broken neck promised.
        "spalmy im ten posterunek w Boston, i tak nic nie robią",
        "oby ten policjant z Lincoln rozbił się w radiowozie",
        "daca ma mai opreste pcso-ul ala de la Boston ii rup gatul",
    ],
)
def test_a_threat_as_people_write_it_is_a_threat(text):
    assert flagged("threat-to-staff", text)


@pytest.mark.parametrize(
    "text",
    [
        # A crime just done, and the force told of it.
        "Someone has just put a brick through my shop window on West Street, police on the way",
        # Harm wished on a criminal, or no harm wished on an officer.
        "Hope police catch the scum who did this and he gets what's coming to him",
        "Hope the officer hurt on the A15 doesn't die, thoughts with his family",
        # Someone else threatened, with the police named beside.
        "if my ex comes near the house again ill break his legs, police or no police",
        # Fear, a flashlight and gloating are not threats.
        "was bricking it when the police pulled me over but the officer was sound",
        "the officer said bring a torch, the path behind the station has no lights",
        "imagine being a copper and getting your head kicked in at a protest",
        # The officer knows, or it is the suspect's car.
        "our PCSO knows which house is ours and pops in to check on my nan",
        "I've got the reg of his car, the PCSO said to ring 101 with it",
        # Thanks in Polish and Romanian, and a fire the police came to.
        "Dziękuję policjantom z Boston, szybko przyjechali do wypadku",
        "Multumesc politiei din Spalding, au venit repede cand a luat foc bucataria",
    ],
)
def test_a_near_miss_of_the_new_threat_rules_is_not_a_threat(text):
    assert not flagged("threat-to-staff", text)


# --- threats the rules and models both missed in cross-validation (twenty-first session) ---
# The near misses include a reviewer's sentences: a first, wider set of these rules raised
# 102 of their 137 everyday sentences (praise for officers beside harm wished on offenders,
# injuries reported, threats quoted to condemn them), and was dropped for these.


@pytest.mark.parametrize(
    "text",
    [
        "Heard a copper got hurt at the match. Shame it wasn't his head",
        "ALL THE COPPERS IN SKEG SHOULD BE LINED UP AND SHOT",
        "them coppers in Boston are dead men walking after last night",
        "I'll make sure the PCSO who grabbed my son never walks properly again",
    ],
)
def test_a_threat_the_rules_and_models_both_missed_is_a_threat(text):
    assert flagged("threat-to-staff", text)


@pytest.mark.parametrize(
    "text",
    [
        "PC Smith broke his wrist chasing a shoplifter, what a shame. Lucky it wasn't his head",
        "Officer hurt in crash on the A15. Such a shame, thank god it wasn't worse",
        "People saying officers should be lined up and shot need locking up",
        "Paedos should be lined up and shot, well done Lincs Police for catching him",
        "Lincoln City are dead men walking, even the police escort looked bored",
        "Police said the officer injured in the crash may never walk again",
        "Police will make sure the driver never walks free again",
    ],
)
def test_a_near_miss_of_the_rules_for_missed_threats_is_not_a_threat(text):
    assert not flagged("threat-to-staff", text)


# --- abuse as the writers wrote it: masked, gendered, an officer called a pig (2026-12-06) ---


@pytest.mark.parametrize(
    "text",
    [
        "the sergeant on the front desk is a smug little pr*ck",
        "that call handler was a stuck up b*tch to my mum",
        "Lincs Police are a bunch of c***s",
        "hope the pig who pulled me on the A16 has a rotten day",
        "Lincolnshire Police officers are dogs",
        "you are a piece of sh*t and so is your sergeant",
    ],
)
def test_abuse_as_people_write_it_is_abuse(text):
    assert flagged("abuse-discrimination", text)


@pytest.mark.parametrize(
    "text",
    [
        # Others' abuse told of, and the animals themselves.
        "People calling them pigs on here makes us all look thick, complain to the IOPC",
        "I've reported three comments today for calling her a sl*g. Do better",
        "the police dogs at the Lincolnshire Show were brilliant with the kids",
        # A thing, not a person.
        "this piece of shit printer at the police station front desk jammed again",
    ],
)
def test_a_near_miss_of_the_new_abuse_rules_is_not_abuse(text):
    assert not flagged("abuse-discrimination", text)


# Raised by the rules on a reviewer's everyday sentences near the threat rules (twenty-first
# session), all by rules older than the review: noted to mend, and held from growing.
STILL_RAISED_BY_RULES = {f"review-{n}" for n in (33, 34, 36, 37, 49, 52, 55, 74, 78, 79)}
# With the learned model too (`make eval` prints it): 32 of 137 on 2026-12-06.
STILL_RAISED_BY_RULES_OR_MODEL = 32


def test_a_reviewers_everyday_sentences_near_the_threat_rules_raise_no_new_threat():
    near = load_examples(THREAT_NEAR_MISSES)
    assert len(near) == 137
    by_rules = {r["id"] for r in near if flagged("threat-to-staff", r["text"])}
    assert by_rules <= STILL_RAISED_BY_RULES, by_rules - STILL_RAISED_BY_RULES
    either = [r["id"] for r in near if "threat-to-staff" in judge_risk(r["text"])[0]]
    assert len(either) <= STILL_RAISED_BY_RULES_OR_MODEL, either
