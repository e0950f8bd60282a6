"""What two reviewers found the flags raised on everyday posts (seventeenth session): each
sentence, written from the labelling guide alone by someone who never read the rules, was
raised by a rule or a model and is not the flag by tests/data/LABELLING.md. Each is judged
as the desk meets it: enriched as a mention, rules and models together. Beside them, the
posts each fix was written to leave alone still raise their flag."""

from datetime import UTC, datetime
from functools import cache

import pytest

from bench.evaluation import text_mention
from earshot.core.model import Mention
from earshot.core.paths import DEFAULT_PROFILE
from enrichment import Enricher
from listeners import load_profile


@cache
def _enricher() -> Enricher:
    return Enricher.for_profile(load_profile(DEFAULT_PROFILE))


def enriched(text: str, *, is_reply: bool = False) -> Mention:
    now = datetime(2026, 12, 6, tzinfo=UTC)
    mention = text_mention(text, id="review", source="x", now=now)
    return _enricher().enrich(mention, is_reply=is_reply)


NOT_THE_FLAG = [
    # Someone else's threat, told: "the text talks about a threat and makes none".
    ("Lincoln man who threatened to stab PCSO gets 18 months", "threat-to-staff"),
    ("Grantham man threatened to burn down a PCSO's house, jury hears", "threat-to-staff"),
    (
        "Lincs Police say a man shouted that he'd kill officers before being tasered in Lincoln",
        "threat-to-staff",
    ),
    (
        "The bloke in Skegness was screaming I'll kill you at the Lincs Police officers, mental",
        "threat-to-staff",
    ),
    (
        "My neighbour in Boston screamed that he'd stab the coppers when they came for him",
        "threat-to-staff",
    ),
    # A story or a game.
    (
        "In the new ITV drama the villain threatens to kill a Lincolnshire detective",
        "threat-to-staff",
    ),
    (
        "Midsomer Murders did an episode where a Lincolnshire copper gets murdered by the vicar",
        "threat-to-staff",
    ),
    ("Just played Call of Duty with a copper from Lincoln, he got wrecked lol", "threat-to-staff"),
    (
        "In Happy Valley the suspect was guilty all along, wish Lincs Police had one like her",
        "could-prejudice-case",
    ),
    # A friendly contest with the force's own teams.
    (
        "I'm going to absolutely batter the Lincs Police team at the five-a-side tomorrow",
        "threat-to-staff",
    ),
    ("Our darts team will murder Lincs Police next Friday in Spalding", "threat-to-staff"),
    ("Watch your back Lincs Police, the Boston WI are entering the bake off", "threat-to-staff"),
    (
        "Lincs Police better watch their backs at the Spalding pub quiz, our team is unbeatable",
        "threat-to-staff",
    ),
    # The animal, and a wish that someone is well.
    (
        "Lincs Police PCSO read Peppa Pig to the kids at Gainsborough library",
        "abuse-discrimination",
    ),
    ("The pig farm near Louth had a break-in, Lincs Police caught them", "abuse-discrimination"),
    ("Lincs Police cadet used as a guinea pig for the new radio app", "abuse-discrimination"),
    (
        "Lincs Police have said no one was seriously hurt in the Skegness pier fire",
        "abuse-discrimination",
    ),
    # Already reported and being dealt with, or advice.
    (
        "Someone's nicked the flowers off my mum's grave in Boston again, reported to the police.",
        "crime-reported",
    ),
    (
        "Called 101 about the scooter stolen from outside Tesco in Boston, got a reference and an "
        "officer rang me back this afternoon.",
        "crime-reported",
    ),
    (
        "I'm the lady whose purse was taken in Louth market, the police returned it today.",
        "crime-reported",
    ),
    (
        "Reported the drug dealing on our estate to Lincs Police via the online form, they've said "
        "the neighbourhood team will look into it.",
        "crime-reported",
    ),
    (
        "In an emergency always call 999, for non-emergencies in Lincolnshire ring 101.",
        "crime-reported",
    ),
    (
        "Someone on the Skegness Facebook group says there's been a shooting, is there any truth "
        "in it?",
        "crime-reported",
    ),
    # Someone the police have named, or are appealing to find, named again.
    (
        "Lincs Police have named the pedestrian killed in Grantham as Margaret White, 84, her "
        "family paid tribute.",
        "identifies-person",
    ),
    (
        "Please share, Lincs Police still looking for Amy Taylor, 15, missing from Boston since "
        "Friday.",
        "identifies-person",
    ),
    # Published contacts of organisations.
    (
        "For lost property email lost.property@lincs.police.uk as their site says.",
        "personal-data",
    ),
    (
        "The fundraiser for the injured Lincs Police officer is at the Spalding rugby club, "
        "tickets from the bar on 01775 722222.",
        "personal-data",
    ),
    # What the police or a newsroom said, passed on.
    (
        "Police say the fire at the Sleaford barn was started deliberately",
        "possible-misinformation",
    ),
    (
        "Sky News reporting that Lincolnshire Police have found a body in the search for the "
        "missing Sleaford woman.",
        "possible-misinformation",
    ),
]


@pytest.mark.parametrize(("text", "flag"), NOT_THE_FLAG)
def test_an_everyday_post_a_reviewer_found_flagged_is_not(text, flag):
    assert flag not in enriched(text).risk_flags


@pytest.mark.parametrize(
    "text",
    [
        "That idiot who threatened to shoot your PCSO deserves everything he gets",
        "Glad the man who said he'd kill your officer got sent down",
        "Watch your back, the fire brigade are coming for your title at the quiz",
        "We're coming for you at the charity match Saturday",
    ],
)
def test_a_reply_a_reviewer_found_flagged_as_a_threat_is_not(text):
    assert "threat-to-staff" not in enriched(text, is_reply=True).risk_flags


@pytest.mark.parametrize(
    ("text", "flag"),
    [
        ("I hope all the Lincs Police officers in Grantham die", "threat-to-staff"),
        ("I'll stab the next copper who stops me in Lincoln", "threat-to-staff"),
        ("After the match we're going to batter the coppers in Lincoln", "threat-to-staff"),
        ("Filthy pigs, the lot of you at Lincs Police", "abuse-discrimination"),
        (
            "Someone's nicked my bike from outside the Boston Tesco just now, can Lincs Police "
            "help?",
            "crime-reported",
        ),
        (
            "The man who attacked my son in Grantham is Dean Smith, everyone knows he did it",
            "could-prejudice-case",
        ),
        ("Ring me on 07700 900123 if you saw who hit my car in Lincoln", "personal-data"),
        (
            "My mate says there are 5 dead in Boston and Lincs Police are covering it up",
            "possible-misinformation",
        ),
    ],
)
def test_what_each_fix_leaves_alone_still_raises_its_flag(text, flag):
    assert flag in enriched(text).risk_flags
