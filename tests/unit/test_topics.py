from pathlib import Path

import pytest
import yaml

from bench.evaluation import load_examples
from earshot.core.profile import Campaign
from enrichment.topics import (
    LABELS,
    TAXONOMY,
    TaxonomyError,
    TopicTagger,
    campaign_label,
    load_taxonomy,
)

TAGGER = TopicTagger.from_taxonomy(
    [
        Campaign(
            name="Operation NOVA",
            terms=["Operation NOVA", "Op NOVA", "#OpNOVA", "No to Violence and Abuse"],
        ),
        Campaign(name="Bobby Bear", terms=["Bobby Bear", "#BobbyBear"]),
    ]
)


def tags(text: str) -> tuple[str, ...]:
    return TAGGER.tags(text)


def assert_tagged(label: str, fires: list[str], quiet: list[str]) -> None:
    """Every text in `fires` gets the label and none in `quiet` does; a failure lists them all."""
    assert [text for text in fires if label not in tags(text)] == []
    assert [text for text in quiet if label in tags(text)] == []


# --- the taxonomy file -----------------------------------------------------------------


def test_taxonomy_file_has_every_fixed_label_with_a_description_and_patterns():
    topics = yaml.safe_load(TAXONOMY.read_text(encoding="utf-8"))["topics"]
    assert sorted(topics) == sorted(LABELS)
    for label, spec in topics.items():
        assert isinstance(spec["description"], str) and spec["description"].strip(), label
        assert spec["patterns"], label
        assert all(isinstance(p, str) and p.strip() for p in spec["patterns"]), label
        assert set(spec.get("unless", [])) <= set(LABELS) - {label}, label


def test_fixed_label_list_is_the_agreed_one():
    assert len(LABELS) == len(set(LABELS)) == 25
    assert "violent-crime" in LABELS and "contact-999-101" in LABELS and "incident" in LABELS


def test_every_pattern_in_the_taxonomy_compiles():
    assert [t.id for t in load_taxonomy()] == list(LABELS)


def _write(tmp_path: Path, topics: dict) -> Path:
    path = tmp_path / "topics.yaml"
    path.write_text(yaml.safe_dump({"topics": topics}))
    return path


def _all_labels(**override: dict) -> dict:
    base = {label: {"description": label, "patterns": [label]} for label in LABELS}
    return base | override


def test_unknown_label_id_fails_at_load_naming_it(tmp_path):
    path = _write(tmp_path, _all_labels(**{"knife-crime": {"description": "x", "patterns": ["x"]}}))
    with pytest.raises(TaxonomyError, match="knife-crime"):
        load_taxonomy(path)


def test_missing_label_fails_at_load(tmp_path):
    topics = _all_labels()
    del topics["drugs"]
    with pytest.raises(TaxonomyError, match="drugs"):
        load_taxonomy(_write(tmp_path, topics))


def test_topic_without_description_or_patterns_fails_at_load(tmp_path):
    no_description = _all_labels(drugs={"patterns": ["cannabis"]})
    with pytest.raises(TaxonomyError, match=r"topics\.drugs.*description"):
        load_taxonomy(_write(tmp_path, no_description))
    no_patterns = _all_labels(drugs={"description": "drugs", "patterns": []})
    with pytest.raises(TaxonomyError, match=r"topics\.drugs.*at least one pattern"):
        load_taxonomy(_write(tmp_path, no_patterns))


def test_pattern_that_does_not_compile_is_named(tmp_path):
    broken = _all_labels(drugs={"description": "drugs", "patterns": ["canna(bis"]})
    with pytest.raises(TaxonomyError, match=r"canna\(bis"):
        load_taxonomy(_write(tmp_path, broken))


def test_mistyped_key_fails_at_load(tmp_path):
    typo = _all_labels(drugs={"description": "drugs", "paterns": ["cannabis"]})
    with pytest.raises(TaxonomyError, match="paterns"):
        load_taxonomy(_write(tmp_path, typo))


# --- campaigns -------------------------------------------------------------------------


def test_campaign_label_is_a_slug_of_the_campaign_name():
    assert campaign_label("Operation NOVA") == "campaign:operation-nova"
    assert campaign_label("Bobby Bear") == "campaign:bobby-bear"
    assert campaign_label("  #Op Sceptre (2026) ") == "campaign:op-sceptre-2026"


def test_campaign_matched_by_its_terms_hashtag_with_or_without_the_hash():
    assert "campaign:operation-nova" in tags("Great work by the team on Op NOVA this weekend")
    assert "campaign:operation-nova" in tags("Proud to support #OpNOVA on campus")
    assert "campaign:operation-nova" in tags("opnova stall at the SU tonight")
    assert "campaign:bobby-bear" in tags("Bobby Bear visited our nursery today #BobbyBear")


def test_campaign_terms_are_whole_words():
    assert "campaign:operation-nova" not in tags("Boston's tree from Nova Scotia arrives")
    assert "campaign:bobby-bear" not in tags("#BobbyBearHug competition winners")


def test_campaign_terms_are_literal_text_not_regex():
    tagger = TopicTagger.from_taxonomy([Campaign(name="Op C++", terms=["C++ safe"])])
    assert "campaign:op-c" in tagger.tags("Learn to be C++ safe online")
    assert tagger.tags("CCC safe") == ()


def test_profile_without_campaigns_still_tags():
    assert TopicTagger.from_taxonomy([]).tags("Shoplifter jailed") == ("shoplifting",)


# --- the whole pipeline on real-shaped posts -------------------------------------------


def test_waited_three_hours_on_101_is_contact_and_response_times():
    assert tags("Waited three hours on 101 to report a break-in, nobody came") == (
        "burglary",
        "contact-999-101",
        "response-times",
    )


def test_tags_are_sorted_and_unique():
    found = tags("Drink driver arrested after crash on the A15; drink-driving is selfish")
    assert found == tuple(sorted(set(found)))
    assert found == ("roads",)


def test_plain_text_has_no_tags():
    assert tags("Lincoln Christmas market: dates, stalls and parking") == ()
    assert tags("") == ()


def test_hashtags_count_as_words():
    assert "burglary" in tags("Third one this week #burglary #Lincoln")


def test_curly_apostrophes_and_line_breaks_match_like_straight_ones():
    assert "response-times" in tags("The police didn\u2019t\nturn up at all")
    assert "response-times" in tags("The police didnt turn up at all")


# --- crime categories ------------------------------------------------------------------


def test_anti_social_behaviour():
    assert "anti-social-behaviour" in tags("Antisocial behaviour on the Birchwood estate again")
    assert "anti-social-behaviour" in tags("Youths hanging around the Co-op intimidating staff")
    assert "anti-social-behaviour" in tags("Fly-tipping down Sandy Lane, third time this month")
    assert "anti-social-behaviour" in tags("Dispersal order in place in Skegness tonight")
    assert "anti-social-behaviour" not in tags("Our social media team will reply on Monday")
    assert "anti-social-behaviour" not in tags("Asbestos found in the old station building")


def test_anti_social_behaviour_dumping_and_loud_music():
    assert_tagged(
        "anti-social-behaviour",
        fires=[
            "Someone keeps dumping mattresses at the end of our lane",
            "Flat upstairs blasting music till 3am again, we've got work",
        ],
        quiet=[
            "Dumping the old sofa at the tip on Saturday",
            "Loud music at the carnival was great",
        ],
    )


def test_bicycle_theft():
    assert "bicycle-theft" in tags("My son's bike was nicked from outside the library")
    assert tags("Stolen e-bike recovered in Lincoln") == ("bicycle-theft",)
    assert "bicycle-theft" in tags("Bike thieves targeting the station racks")
    assert "bicycle-theft" not in tags("Cycle to work scheme launched for police staff")
    assert "bicycle-theft" not in tags("Motorbike stolen from a garage in Louth")


def test_burglary():
    assert "burglary" in tags("We were burgled last night while we slept")
    assert "burglary" in tags("Someone broke into our shed and took the mower")
    assert "burglary" in tags("Spate of break-ins in Bracebridge Heath")
    assert "burglary" in tags("Reported my shed being broken into and got a crime number by text")
    assert "burglary" not in tags("Someone broke into my van and took the tools")
    assert "burglary" not in tags("Police made a breakthrough in the case")


def test_burglary_as_the_neighbour_sees_it():
    assert_tagged(
        "burglary",
        fires=[
            "Two lads just kicked the front door in at number 12",
            "Someone's been in our garage overnight, the padlock snapped and tools gone",
            "Back door lock drilled, came home to the place turned over",
        ],
        quiet=[
            "Police kicked the door in during the drugs raid",
            "Someone's been in the garden eating the strawberries, probably the fox",
        ],
    )


def test_criminal_damage_arson():
    assert "criminal-damage-arson" in tags("Kids smashed my car windscreen with a brick")
    assert "criminal-damage-arson" in tags("Wheelie bins set alight on Monks Road again")
    assert "criminal-damage-arson" in tags("Arson attack on the community centre")
    assert "criminal-damage-arson" in tags("Graffiti all over the underpass")
    assert "criminal-damage-arson" not in tags("Fire crews tackled a chimney fire in Sleaford")


def test_criminal_damage_setting_fires():
    assert_tagged(
        "criminal-damage-arson",
        fires=[
            "Kids setting fire to the bins behind the Co-op",
            "That barn fire was started deliberately",
        ],
        quiet=["Setting up the fireworks display on the green"],
    )


def test_drugs():
    assert "drugs" in tags("County lines gang jailed after cuckooing a vulnerable man")
    assert "drugs" in tags("The stink of weed in the stairwell is unbearable")
    assert "drugs" in tags("Cannabis factory found in a flat above a shop")
    assert "drugs" in tags("Nos canisters all over the park every Sunday")
    assert "drugs" not in tags("Police crack down on speeding in villages")
    assert "drugs" not in tags("Spent the morning weeding the garden")
    assert "drugs" not in tags("Drug driving arrests up over Christmas")


def test_drugs_a_dealer_on_our_street():
    assert_tagged(
        "drugs",
        fires=["There's a dealer on our estate selling to school kids"],
        quiet=["Car dealer on the A46 has the best prices"],
    )


def test_other_theft_is_theft_no_other_category_covers():
    assert "other-theft" in tags("Thieves stole lead from the church roof in Horncastle")
    assert "other-theft" in tags("Parcels being stolen off doorsteps in Boultham")
    assert "other-theft" in tags("Fuel drive-offs at the garage on the A17")
    assert "other-theft" not in tags("My bike was stolen from outside Tesco")
    assert "other-theft" not in tags("Tools stolen from a van overnight")
    assert "other-theft" not in tags("Great day at the county show")
    assert "other-theft" not in tags("Someone is stealing the show at the panto this year")


def test_possession_of_weapons():
    assert "possession-of-weapons" in tags("Teenager arrested for carrying a knife in town")
    assert "possession-of-weapons" in tags("Zombie knives handed in during the knife amnesty")
    assert "possession-of-weapons" in tags("Man charged with possession of an offensive weapon")
    assert "possession-of-weapons" not in tags("Knife and fork sets at the charity shop")


def test_possession_of_weapons_guns_in_use():
    assert_tagged(
        "possession-of-weapons",
        fires=[
            "Reports of shots fired near the Sincil Bank flats",
            "Someone was shooting at the police from a car on the A15",
            "They say the officers are taking heavy fire, this is insane",
        ],
        quiet=[
            "Lincoln City lost on penalties after a shoot-out",
            "He fired at goal from thirty yards",
        ],
    )


def test_public_order():
    assert "public-order" in tags("Mass brawl outside a nightclub in Boston")
    assert "public-order" in tags("Man charged with affray after the match")
    assert "public-order" in tags("There's a fight outside the Wetherspoons")
    assert "public-order" not in tags("Raising awareness of eating disorders")
    assert "public-order" not in tags("The garden is a riot of colour this spring")


def test_public_order_riots_and_curfews():
    assert_tagged(
        "public-order",
        fires=[
            "Riot vans lined up outside the hotel in Skegness",
            "Rumour of a curfew in Boston after last night",
        ],
        quiet=[
            "The new cafe is a riot of colour inside",
            "He was given a curfew and a tag at Lincoln Crown Court",
        ],
    )


def test_robbery():
    assert "robbery" in tags("Teenager mugged at knifepoint near the bus station")
    assert "robbery" in tags("Armed robbery at a Grantham post office")
    assert "robbery" not in tags("£8 to park at the hospital is daylight robbery")
    assert "robbery" not in tags("We were robbed of a win by that referee")


def test_shoplifting():
    assert tags("Prolific shoplifter banned from Lincoln city centre") == ("shoplifting",)
    assert "shoplifting" in tags("Caught stealing meat from Aldi for the third time")
    assert "shoplifting" not in tags("Shop local in Louth this Christmas")


def test_shoplifting_and_snatch_thefts_keep_their_own_words():
    assert_tagged(
        "theft-from-the-person",
        fires=["A lad grabbed her purse and ran off towards the bus station"],
        quiet=["She grabbed her purse and ran for the bus"],
    )


def test_theft_from_the_person():
    assert "theft-from-the-person" in tags("Pickpockets working the Christmas market crowds")
    assert "theft-from-the-person" in tags("A lad on a bike snatched her phone out of her hand")
    assert "theft-from-the-person" in tags("Moped thieves are back in the city")
    assert "other-theft" not in tags("My phone was snatched on the High Street")
    assert "theft-from-the-person" not in tags("Phone-in with the Police and Crime Commissioner")


def test_vehicle_crime():
    assert "vehicle-crime" in tags("Catalytic converter thefts in Washingborough")
    assert "vehicle-crime" in tags("Someone is breaking into my neighbour's car right now")
    assert "vehicle-crime" in tags("Lads caught twocking a Corsa")
    assert "vehicle-crime" in tags("My van was stolen off the drive")
    assert "vehicle-crime" not in tags("Car boot sale at the showground on Sunday")
    assert "vehicle-crime" not in tags("Two-car collision on the A15")


def test_violent_crime():
    assert "violent-crime" in tags("Man stabbed on Silver Street in the early hours")
    assert "violent-crime" in tags("She was attacked walking home through the arboretum")
    assert "violent-crime" in tags("Domestic abuse is not OK, you can get help")
    assert "violent-crime" in tags("Charged with GBH after a night out")
    assert "violent-crime" not in tags("Councillors attacked the decision to close the station")
    assert "violent-crime" not in tags("He suffered a heart attack at the wheel")
    assert "violent-crime" not in tags("I was attacked by a seagull in Skegness lol")
    assert "violent-crime" not in tags("Rapeseed fields in full flower near Caistor")


def test_violent_crime_threats_abuse_and_killings():
    assert_tagged(
        "violent-crime",
        fires=[
            "My ex keeps texting that he'll come round and batter me, I'm terrified",
            "He threatened to stab my brother outside the chippy",
            "Years of emotional abuse and nobody believed me",
            "Man arrested in connection with the death of a Louth pensioner",
            "Bloke attacking people with a bottle on the High Street",
        ],
        quiet=[
            "This hangover is going to kill me",
            "The band absolutely killed it at the Engine Shed",
            "Abusive comments on our posts will be removed",
            "The bookies made a killing on the Lincoln Handicap",
        ],
    )


def test_violent_crime_sexual_offences_in_the_words_people_use():
    assert_tagged(
        "violent-crime",
        fires=[
            "A man flashed at two girls on the canal path in Boston",
            "Paedo hunters outside the flats again",
            "He was messaging girls who were underage, police have his phone",
        ],
        quiet=[
            "Underage drinking in the park every Friday",
            "Flash flooding on the A52, drive carefully",
        ],
    )


def test_other_crime():
    assert "other-crime" in tags("Courier fraud warning: police will never ask for your card")
    assert "other-crime" in tags("Hare coursing in the Fens again this weekend")
    assert "other-crime" in tags("Rogue traders targeting pensioners in Spilsby")
    assert "other-crime" not in tags("Christmas lights switch-on in Stamford")


def test_other_crime_livestock_worrying_and_kidnap():
    assert_tagged(
        "other-crime",
        fires=[
            "Sheep worrying on the Wolds again, two ewes dead",
            "Rumour that a man tried to abduct a child outside the school",
        ],
        quiet=["Worrying news about the sheep prices at market"],
    )


# --- service themes --------------------------------------------------------------------


def test_contact_999_101():
    assert "contact-999-101" in tags("Rang 101 at 8pm, still on hold at 9")
    assert "contact-999-101" in tags("Tried to report it online and the form kept crashing")
    assert "contact-999-101" in tags("Couldn't get through to anyone on the non-emergency line")
    assert "contact-999-101" in tags("Why do police never answer 101? I hung up after 45 minutes")
    assert "contact-999-101" not in tags("Room 101 is back on telly tonight")
    assert "contact-999-101" not in tags("Police are investigating 101 burglaries this year")


def test_contact_telling_someone_to_go_to_the_police():
    assert_tagged(
        "contact-999-101",
        fires=[
            "If he turns up again just ring the police, don't argue with him",
            "You need to report him to your local police, this is harassment",
            "Made a police report about the scam, got a reference by email",
            "Reported it online on Sunday, not heard anything since",
            "Please report the messages he sent you to the police",
            "Ask the police to do a welfare check on him",
        ],
        quiet=[
            "The old police station in Sleaford is being turned into flats",
            "Lincs Police called to a fight at the station",
            "Officers reported a rise in shed break-ins this autumn",
        ],
    )


def test_appeal_asking_people_to_call_101_is_appeal_and_contact():
    # The labelled set (tests/data) counts "call 101 / Crimestoppers / report online" as contact.
    assert tags("Police appeal: call 101 quoting incident 123") == ("appeal", "contact-999-101")
    assert "contact-999-101" in tags("Or call Crimestoppers anonymously on 0800 555 111")


def test_response_times():
    assert "response-times" in tags("Police never turned up after we were burgled")
    assert "response-times" in tags("Took four hours for anyone to arrive")
    assert "response-times" in tags("Officers were there within ten minutes, brilliant")
    assert "response-times" not in tags("My son never came home last night")
    assert "response-times" not in tags("Officers came to the school to talk about safety")


def test_response_times_waiting_to_hear_back():
    assert_tagged(
        "response-times",
        fires=[
            "Reported the shed break-in a fortnight ago and still no call back",
            "Can someone please get back to me about my car, it's been ten days",
            "Nobody has looked at the doorbell video I sent in",
            "I've emailed them five times now and heard nothing",
            "Two officers came within the hour, really reassuring",
        ],
        quiet=[
            "Still no update from the council on the bins",
            "Rang my mum back after the match",
        ],
    )


def test_response_times_on_hold_and_sorted_fast():
    assert_tagged(
        "response-times",
        fires=[
            "47 minutes on hold to 101 tonight and then it cut off",
            "Rang 101 and was on hold for over an hour",
            "Thank you for being so quick, they had him within the hour",
            "Cheers for getting the road open so fast this morning",
        ],
        quiet=[
            "Speeding cars got through the village so fast",
            "Put on hold by the bank again",
        ],
    )


def test_appeal_answered_with_scorn():
    assert_tagged(
        "appeal",
        fires=[
            "Another appeal. How about detecting something yourselves",
            "Every appeal you post, the comments fill up with armchair detectives",
            "Your appeal was successful, he's home safe!",
        ],
        quiet=[
            "His appeal against the sentence was rejected",
            "Your appeal was rejected, the court says",
            "Your appeal was turned down, the letter says",
            "His appeal has been dismissed",
            "Shared a lovely walk on the beach with the dog",
        ],
    )


def test_roads_a_bump_told_by_the_driver_it_happened_to():
    assert_tagged(
        "roads",
        fires=[
            "Someone just went into the back of me at the lights and drove off",
            "A van clipped my car outside Tesco and drove straight off",
            "How long is the letter after a camera flashes?",
        ],
        quiet=[
            "My son went into the back of the shop to look for her",
            "The camera flash went off in the wedding photos",
        ],
    )


def test_officer_conduct_in_the_words_of_the_street():
    assert_tagged(
        "officer-conduct",
        fires=[
            "Pulled over for a brake light, the officer was dead sound about it",
            "The lady on the front desk was actually so helpful",
            "That sergeant was so smug the whole time",
        ],
        quiet=[
            "The officers were sound asleep in the van, apparently",
            "The woman at the counter in Boots was so rude",
        ],
    )


def test_officer_conduct():
    assert "officer-conduct" in tags("IOPC investigating after a man was injured during arrest")
    assert "officer-conduct" in tags("The officer was so rude to my mum, I've made a complaint")
    assert "officer-conduct" in tags("PC sacked for gross misconduct after hearing")
    assert "officer-conduct" in tags("The custody staff were so patient with my dad")
    assert "officer-conduct" in tags(
        "Searched again, no explanation. Feels like it's cos I'm black"
    )
    assert "officer-conduct" not in tags("Two officers waded into the river to rescue a dog")


def test_officer_conduct_force_used_on_someone():
    assert_tagged(
        "officer-conduct",
        fires=[
            "My uncle was tasered by two Lincs Police officers on his own drive",
            "The police roughed him up for filming them",
            "Another police shooting and nobody will answer for it",
            "Trigger happy lot, the whole department",
        ],
        quiet=[
            "Officer injured while arresting a man in Boston",
        ],
    )


def test_officer_conduct_an_investigation_handled_badly():
    assert_tagged(
        "officer-conduct",
        fires=[
            "Police never even bothered to investigate my dad's death",
            "Her family say Lincolnshire Police covered it up for years",
            "The family have started a civil claim against the force",
            "That sergeant needs to be sacked, simple as",
        ],
        quiet=[
            "Police are investigating a burglary in Ruskington",
            "Officers said they were not investigating any offence",
        ],
    )


def test_officer_conduct_how_officers_are_and_the_one_who_came():
    assert_tagged(
        "officer-conduct",
        fires=[
            "Why are the police in Boston always so rude to people?",
            "Crooked officers, the lot of them",
            "The PCSO who attended laughed at my mum",
            "To the officer who stayed with my grandad for two hours: thank you",
        ],
        quiet=[
            "The officer who was hurt in the crash is home now",
            "Lazy Sunday at the beach in Skegness",
        ],
    )


def test_praise_thanks():
    assert "praise-thanks" in tags("Thank you officers, brilliant work finding our son")
    assert "praise-thanks" in tags("Massive thanks to the PCSOs in Gainsborough")
    assert "praise-thanks" in tags("Owner said she couldn't thank them enough")
    assert "praise-thanks" in tags("You absolute legends, thank you for finding Bella the dog")
    assert "praise-thanks" not in tags("Thanks for nothing police, you useless lot")
    assert "praise-thanks" not in tags("No thanks to the police we found him ourselves")
    assert "praise-thanks" not in tags("Many thanks. Still waiting for a reply about my case")
    assert "praise-thanks" not in tags("Great job as usual, Lincs Police, 6 hours to turn up")


def test_praise_thanks_in_community_languages_and_everyday_words():
    assert_tagged(
        "praise-thanks",
        fires=[
            "Dziękuję bardzo dla policji w Bostonie",
            "Mulțumesc frumos, domnule polițist!",
            "Diolch yn fawr i'r heddlu",
            "لنکن پولیس کا بہت شکریہ",
            "Shout out to the lads on nights in Grantham",
            "God bless the two officers who stopped on the A1 for us",
            "Handled my nan's case so sensitively, she felt listened to",
            "The PCSO at the school fair was an absolute star",
            "Sorted it in ten minutes. Respect.",
        ],
        quiet=[
            "Zero respect for anyone who drives like that",
            "Respect the speed limit through Nettleham, please",
            "Police say the star of the panto has been arrested",
        ],
    )


def test_stop_and_search():
    assert "stop-and-search" in tags("Section 60 order in place in Lincoln until 6am")
    assert "stop-and-search" in tags("My lad got stopped and searched for walking home")
    assert "stop-and-search" in tags("Stop and search figures published")
    assert "stop-and-search" not in tags("Search continues for missing man")
    assert "stop-and-search" not in tags("The bus stop outside the school has been moved")


def test_stop_and_search_told_by_the_person_stopped():
    assert_tagged(
        "stop-and-search",
        fires=[
            "Got stopped by two officers in Boston again for nothing",
            "The copper who stopped me had no idea why he was doing it",
            "They stop him every week just because he's Romanian",
        ],
        quiet=[
            "The police stopped the match for ten minutes",
            "Stopped by the chippy on the way home",
        ],
    )


def test_roads():
    assert "roads" in tags("Drink-driving crackdown on the A46 this Christmas")
    assert "roads" in tags("Kids on e-scooters flying down the pavement")
    assert "roads" in tags("A46 Pennells roundabout will be closed overnight")
    assert "roads" in tags("Serious collision near Sleaford, road closed")
    assert "roads" in tags("Nasty crash on the A158 near Horncastle, avoid")
    assert "roads" not in tags("Anyone with dashcam footage of the assault should call 101")
    assert "roads" not in tags("Gusts of 70 mph forecast for the coast")
    assert "roads" not in tags("The road to recovery after the pandemic")


def test_roads_camera_vans_and_knocked_off_bikes():
    assert_tagged(
        "roads",
        fires=[
            "Camera van parked on the A17 by Sutterton, slow down",
            "Boy knocked off his bike outside the school on Wragby Road",
            "Road reopened after the lorry crash near Long Sutton",
        ],
        quiet=["My nan knocked off a cake from the shelf in Tesco"],
    )


def test_custody():
    assert "custody" in tags("Left in the police cells for 20 hours with no blanket")
    assert "custody" in tags("Inquest into death in custody opens")
    assert "custody" in tags("New custody suite opens at Lincoln")
    assert "custody" in tags("My brother was held in custody for 20 hours without his inhaler")
    assert "custody" not in tags("Man remanded in custody to appear at crown court")
    assert "custody" not in tags("A man has been arrested and remains in custody")
    assert "custody" not in tags("Child custody battle in the family court")


def test_custody_named_by_its_place():
    assert_tagged(
        "custody",
        fires=["The staff at Grantham custody were kind to my son"],
        quiet=["She won custody of the kids", "Mum has custody at weekends"],
    )


def test_recruitment():
    assert "recruitment" in tags("We're recruiting PCSOs across the county: apply now")
    assert "recruitment" in tags("Ever thought about joining the force as a special constable?")
    assert "recruitment" in tags("Proud mum at the passing out parade today")
    assert "recruitment" not in tags("Join the queue for the Christmas market shuttle")


# --- incidents -------------------------------------------------------------------------


def test_recruitment_hiring_officers():
    assert_tagged(
        "recruitment",
        fires=["The county is hiring 50 more officers this year"],
        quiet=["Hiring a van for the move next week"],
    )


def test_appeal():
    assert "appeal" in tags("Police appeal for witnesses after a collision on the A17")
    assert "appeal" in tags("Do you recognise this man? Call 101 quoting incident 311")
    assert "appeal" in tags("Anyone with dashcam footage is asked to contact us")
    assert "appeal" in tags(
        "Police have released CCTV images of a man they would like to speak to about a theft"
    )
    assert "appeal" not in tags("His appeal against the sentence was rejected")
    assert "appeal" not in tags("The new café has a lot of appeal")


def test_appeal_answered_by_someone_who_saw_it():
    assert_tagged(
        "appeal",
        fires=[
            "The man in your appeal photo drinks in the Red Lion most nights",
            "Your missing teenager is at the bus station right now",
        ],
        quiet=[
            "The appeal court judges threw out his case",
            "The appeal against his sentence was rejected",
        ],
    )


def test_missing_person():
    assert "missing-person" in tags("Missing Boston teenager found safe and well")
    assert "missing-person" in tags("Have you seen him? Last seen in Skegness on Friday")
    assert "missing-person" in tags("My daughter hasn't come home")
    assert "missing-person" in tags("Has anyone seen my nan? She wandered off from the care home")
    assert "missing-person" not in tags("You're missing the point about policing")
    assert "missing-person" not in tags("I'm missing my train because of the closure")
    assert "missing-person" not in tags("My son said the police didn't come back after that")


def test_missing_person_the_long_search():
    assert_tagged(
        "missing-person",
        fires=[
            "Police say the search for the missing fisherman has been scaled back",
            "A year on from his disappearance, his mum is still putting up posters",
            "Fingertip search of the woods behind the school this morning",
        ],
        quiet=[
            "Stop and search use fell by a third last year",
            "My search for a decent kebab in Spalding continues",
            "My bike lock has disappeared off the shed",
        ],
    )


def test_incident():
    assert "incident" in tags("Huge police presence on Monks Road, cordon up by the shops")
    assert "incident" in tags("School evacuated after a suspicious package was found")
    assert "incident" in tags("Police helicopter circling over Birchwood for an hour")
    assert "incident" in tags("Anyone know what's going on in Gainsborough? Six police cars")
    assert "incident" not in tags("Cordon bleu cookery class at the college")
    assert "incident" not in tags("The 1917 Halifax Explosion is remembered every December")
    assert "incident" not in tags("Incident room number for the inquiry is in the article")


def test_incident_a_major_incident_as_it_unfolds():
    assert_tagged(
        "incident",
        fires=[
            "Police confirm three people have died and 12 are seriously injured",
            "Armed stand-off in Bourne, they say there are hostages inside",
            "Never seen so many coppers in my life, something big in Louth",
            "Trouble kicking off outside the Spoons in Boston right now",
            "Flooding in Horncastle again, officers knocking on doors",
            "Keep your kids inside, police say there's a gas main gone",
        ],
        quiet=[
            "Spalding won on a penalty shoot-out, Bobby Bear in goal",
            "Two lanes of the A1 are due to be resurfaced in June",
            "Re-enactment of the Siege of Lincoln at the castle this summer",
            "Survivors of domestic abuse can talk to Operation NOVA in confidence",
            "101 has been flooded with calls about the fireworks",
            "Police under fire over 101 waiting times",
        ],
    )


def test_screening_by_words_never_changes_a_tag():
    """The tagger skips topics none of whose words are in a text; searching every topic's
    regex in every labelled mention (and shouted, and with curly apostrophes) agrees."""
    texts = [e["text"] for e in load_examples()]
    for text in [*texts, *(t.upper() for t in texts), *(t.replace("'", "\u2019") for t in texts)]:
        hit = {t.id for t in TAGGER.topics if t.pattern.search(text)}
        every = tuple(sorted(t.id for t in TAGGER.topics if t.id in hit and not t.unless & hit))
        assert tags(text) == every, text


def test_a_thank_you_in_a_script_without_case_is_screened_by_its_own_word():
    """Arabic-script and Indic words have no upper or lower case, so they can be needles:
    the praise topic is then skipped for texts without any of its words, not run on all."""
    praise = next(i for i, t in enumerate(TAGGER.topics) if t.id == "praise-thanks")
    assert praise in TAGGER.index.worth_searching("لنکن پولیس کا بہت شکریہ")
    assert praise not in TAGGER.index.worth_searching("Roadworks on the A15 from Monday")


# --- a long text is about its opening and what it comes back to --------------------------

BLOG = (Path(__file__).parent / "texts" / "blog_social_media_advice.txt").read_text()
FILLER = " ".join(
    ["The council met on Tuesday to discuss the new roundabout by the bus station."] * 20
)


def test_a_long_blog_is_not_tagged_with_every_topic_it_mentions_once():
    """Custody, a missing pensioner and broken-into sheds each come up once in 1,400 words
    of advice on social media; 999 and 101 come back again and again."""
    once = ["the custody sergeant who sat with a frightened teenager", "a missing pensioner"]
    assert all(phrase in BLOG for phrase in once)
    assert [tags(phrase) for phrase in once] == [("custody",), ("missing-person",)]
    assert set(tags(BLOG)) == {"contact-999-101", "incident"}


def test_a_long_article_keeps_the_topic_of_its_opening_and_drops_a_passing_word():
    passing = "A custody sergeant spoke at the meeting."
    article = f"Police appeal after burglary in Grantham.\n{FILLER} {passing}"
    assert len(article) > 1_000
    assert set(tags(article)) == {"appeal", "burglary"}
    assert "custody" in tags(f"{passing} {FILLER}")


# --- everyday sentences that only sound like a topic ---------------------------------------

# Each phrase widened from the topic labellers' posts (sixteenth session) was read by a
# reviewer who looked for the ordinary sentence it also matches: these are the ones found.
SOUNDS_LIKE_A_TOPIC = [
    ("I moved here in 2015 and it's never been this bad", "response-times"),
    ("We were there in 2019 when the same thing happened", "response-times"),
    ("Well deserved, lock him up and throw away the key", "praise-thanks"),
    ("Speed cameras won't make a difference, people will still speed", "praise-thanks"),
    ("I'd have felt safer if they'd actually turned up", "praise-thanks"),
    ("Your comment is spot on", "praise-thanks"),
    ("That's not very helpful is it", "praise-thanks"),
    ("Get a proper job instead of hiding behind speed cameras", "praise-thanks"),
    ("I'm begging you to do something about the speeding on our road", "anti-social-behaviour"),
    ("Officers were called to the shop after a man shouted abuse at staff", "officer-conduct"),
    ("Officers caught 40 drivers on their phones during the operation", "officer-conduct"),
    ("The same rules don't seem to apply to the police", "recruitment"),
    ("The new Aldi is taking on staff if anyone's looking", "recruitment"),
    ("Police training exercise at the old RAF base tonight, don't be alarmed", "recruitment"),
    ("Please join Lincolnshire Police in remembering PC Smith today", "recruitment"),
    ("How do I report a pothole on the A17?", "contact-999-101"),
    ("Who do I contact about the street light being out?", "contact-999-101"),
    ("Thank you for dealing so quickly and professionally", "drugs"),
    ("Someone took a load of gear out of the van overnight", "drugs"),
    ("The match kicked off at 3 and the traffic was awful", "public-order"),
    ("We've got a fight on our hands to save Skegness police station", "public-order"),
    ("Chips and scraps from the chippy", "public-order"),
    ("The video was shot on my phone", "violent-crime"),
    ("Has anyone rung the council about the flooding on Station Road?", "contact-999-101"),
    ("Should I call the vet or wait till morning?", "contact-999-101"),
    ("Still no police station in Skegness after all these years", "response-times"),
    ("Not one officer has been disciplined over this", "response-times"),
    ("Nobody comes out of this looking good", "response-times"),
    ("Is anyone coming to the PACT meeting tonight at the village hall?", "response-times"),
    ("My bike's been taken in for a service", "bicycle-theft"),
    ("Porsche Carrera stolen from a driveway in Stamford", "bicycle-theft"),
    ("Rain is getting in through the roof again", "burglary"),
    ("That shop has been done up and reopened lovely", "burglary"),
    ("Grab the kids and come down to our open day at Nettleham HQ", "violent-crime"),
    ("The dog followed me home from the park", "violent-crime"),
    ("The officers exposing themselves to danger every day deserve better pay", "violent-crime"),
    ("He pulled the wool over their eyes for years", "roads"),
    ("They need police checks before they can volunteer at the school", "roads"),
    ("Been racing around all morning trying to find my dog", "roads"),
    ("We pitched up at the campsite in Skegness for the weekend", "anti-social-behaviour"),
    ("We need to move the case on to the CPS", "anti-social-behaviour"),
    ("The pub has live music every night in summer", "anti-social-behaviour"),
    ("The paramedics were so good with her", "officer-conduct"),
    ("Officers hunt man who attacked woman in park", "officer-conduct"),
    ("My parcel finally turned up after two weeks", "response-times"),
    ("Lived opposite them for ten years and never heard a word out of them", "response-times"),
    ("My daughter won't answer my calls and she's been gone since 3pm", "response-times"),
    ("My car got done by the speed camera on the A46", "vehicle-crime"),
    ("The car was taken away by the recovery truck", "vehicle-crime"),
    ("The farmer sprayed pesticide on the field next to the school", "criminal-damage-arson"),
    ("Got a fella coming to put the windows in tomorrow", "criminal-damage-arson"),
    ("I hope they found the scumbags who did this", "missing-person"),
    ("Scam warning shared on our village page", "appeal"),
    ("It beggars belief that nobody was charged", "anti-social-behaviour"),
    ("How to apply for a blue badge", "recruitment"),
    ("You can apply online for a new passport", "recruitment"),
    ("The camera flash was so bright", "roads"),
    ("A crash in share prices", "roads"),
    ("Got separated from my husband last year", "missing-person"),
    ("Waited 6 hrs in A&E with a broken wrist", "response-times"),
    ("He was rude to officers when they arrested him", "officer-conduct"),
    ("Three of them never came home from their final mission", "missing-person"),
]


@pytest.mark.parametrize(("text", "label"), SOUNDS_LIKE_A_TOPIC)
def test_an_everyday_sentence_is_not_tagged_with_the_topic_it_only_sounds_like(text, label):
    assert label not in tags(text)


@pytest.mark.parametrize(
    ("text", "label"),
    [
        ("There was a fight at the pub last night", "public-order"),
        ("Cheers for sorting it out", "praise-thanks"),
        ("The travellers've pitched up on the rec again", "anti-social-behaviour"),
    ],
)
def test_a_phrase_the_review_found_could_never_match_now_does(text, label):
    """A space before a lookahead or an apostrophe had switched these alternatives off."""
    assert label in tags(text)


@pytest.mark.parametrize(
    ("text", "label"),
    [
        ("Waited 6 hrs for the police to come out", "response-times"),
        ("Two rude officers at the front desk", "officer-conduct"),
        ("She never came home from school and her phone is off", "missing-person"),
    ],
)
def test_a_phrase_narrowed_for_its_near_miss_still_hears_what_it_was_written_for(text, label):
    """Waiting in A&E, being rude to officers and soldiers who never came home from their
    last mission are not the topics, but waiting for the police, rude officers and a child
    not home from school still are."""
    assert label in tags(text)
