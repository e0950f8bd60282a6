"""The force profile: one typed home for everything a force configures.

A bad profile fails at load, naming the file, the key and what was expected,
so a typo never surfaces later as a silent gap in listening.
"""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path
from typing import Annotated, Generic, Literal, TypeVar

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from earshot.core.errors import EarshotError
from earshot.core.paths import DEFAULT_PROFILE


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Campaign(Strict):
    name: str
    terms: list[str] = Field(min_length=1)


class Force(Strict):
    name: str
    aliases: list[str] = []
    # @name, or @name@instance (Mastodon), or @name.bsky.social (Bluesky)
    handles: list[Annotated[str, Field(pattern=r"^@[\w.]+(@[\w.-]+)?$")]] = []
    hashtags: list[Annotated[str, Field(pattern=r"^#\w+$")]] = []
    campaigns: list[Campaign] = []
    exclude: list[str] = []
    # Neighbouring and national forces ("Humberside Police", "British Transport Police"): talk
    # about policing that names one of them, and not this force, is their news, not ours.
    other_forces: list[str] = []

    def owns(self, author: str | None) -> bool:
        """Is this author one of the force's own accounts, on any platform?"""
        if not author:
            return False
        name = _handle(author)
        return any(
            name == h or (("@" not in h) and name.split("@")[0] == h)
            for h in map(_handle, self.handles)
        )

    def terms(self) -> list[str]:
        """Every way the public names the force or its campaigns."""
        campaign_terms = [t for c in self.campaigns for t in c.terms]
        return [self.name, *self.aliases, *self.handles, *self.hashtags, *campaign_terms]


LatLon = tuple[Annotated[float, Field(ge=-90, le=90)], Annotated[float, Field(ge=-180, le=180)]]


def _handle(handle: str) -> str:
    """A profile handle without an instance matches that name on any instance;
    @LincsPolice@police.example matches only there."""
    return handle.lower().lstrip("@")


class PlaceNames(Strict):
    """What a local knows about the area's place names that a gazetteer does not: which
    are also everyday words or places elsewhere, and which uses are never the place
    (enrichment/places.py reads them)."""

    # Everyday words, surnames or given names ("Fleet", "Bourne"): they need local context.
    common_words: list[str] = []
    # Namesakes the gazetteer's city lists cannot show: counties, regions, famous sites.
    also_elsewhere: list[str] = []
    # Towns the gazetteer lacks, as {name: [latitude, longitude]}; the boundary still decides.
    missing_from_gazetteer: dict[str, LatLon] = {}
    # Phrases that name a local place beyond doubt though its name is ambiguous: {phrase: place}.
    local_phrases: dict[str, str] = {}
    # Things named after a local place that are somewhere else ("Lincoln's Inn").
    famous_elsewhere: list[str] = []
    # Words right after a name that make it a brand, team, film or thing ("Lincoln Navigator").
    named_after: list[str] = []


class Area(Strict):
    """The force area: its name, the words that place a text in it, its boundary, and what
    tells its place names from their namesakes."""

    name: str
    # Words that say a text is about this area ("Lincs", "Lincolnshire"): they settle
    # ambiguous place names such as Boston or Lincoln.
    context: list[str] = []
    # The boundary as [latitude, longitude] points, roughly traced: gazetteer places
    # inside it are the area's places.
    boundary: list[LatLon] = Field(min_length=3)
    place_names: PlaceNames = PlaceNames()


class SourceSettings(Strict):
    """What every source has. `connection` names the Airflow Connection (or the
    AIRFLOW_CONN_<ID> environment variable) holding its credentials: never the profile.
    Each listener module defines its own kinds of source on this base."""

    kind: str
    name: Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_-]*$")]
    keep: Literal["mentions", "all"] = "mentions"
    timeout_seconds: float = Field(default=20.0, gt=0)
    max_bytes: int = Field(default=5_000_000, gt=0)

    @property
    def reads_as_news(self) -> bool:
        """Its items are news reports: tone toward the force is read as news prose is (the
        force judged in the clause naming it), not as a post talking to the police."""
        return False


class ApiSource(SourceSettings):
    """A platform's JSON API, read page by page from where the last run stopped."""

    max_pages: int = Field(default=10, gt=0, le=100)
    connection: str | None = None
    # How far behind the newest item heard each run reads again, for items that reach the
    # platform late (a post federated or indexed after the run that passed its place).
    overlap_minutes: int = Field(default=60, ge=0, le=24 * 60)


class Recipients(Strict):
    digest: list[str] = []
    alerts: list[str] = []


class KnownEvent(Strict):
    """A planned moment when talk about the force is expected to rise: spikes inside its
    window are annotated with it and must clear a raised bar before they alert."""

    name: str
    kind: Literal["operation", "appeal", "football", "protest", "campaign", "other"]
    start: datetime  # with a UTC offset, e.g. 2026-12-05T12:00:00+00:00
    end: datetime
    # Only spikes with this topic or place key are raised-bar (empty: every spike in the window).
    topics: list[str] = []
    places: list[str] = []

    @model_validator(mode="after")
    def _ends_after_start(self) -> KnownEvent:
        if self.start.tzinfo is None or self.end.tzinfo is None:
            raise ValueError("start and end need a UTC offset (e.g. +00:00)")
        if self.end <= self.start:
            raise ValueError("end must be after start")
        return self


class AlertSettings(Strict):
    """When on-call staff are told about negative talk, and how sure Earshot must be first."""

    windows_minutes: list[Annotated[int, Field(ge=5, le=24 * 60)]] = [15, 60]
    # The same hour of the week over this many previous weeks is the baseline.
    baseline_weeks: int = Field(default=4, ge=1, le=26)
    # Fire only when a count this high is less likely than this under the baseline ...
    probability: float = Field(default=0.001, gt=0, lt=1)
    # ... and within a known event's window only when less likely than this.
    event_probability: float = Field(default=0.00001, gt=0, lt=1)
    # ... and at least this many negative stories (a near-duplicate cluster counts once) ...
    min_count: int = Field(default=5, ge=1)
    # The least a window's baseline is taken to be, so an empty history never makes a handful
    # of stories improbable: with none, 6 are needed at the default probability.
    baseline_floor: float = Field(default=1.0, gt=0)
    # ... and so many of the window's stories being negative is less likely than this at the
    # baseline's negative share: more negative talk than the whole conversation's rise
    # explains (a fixed rise in share is too strict at the busiest hours, too lax at quiet).
    share_probability: float = Field(default=0.001, gt=0, lt=1)
    # An alert whose situation has calmed reopens no sooner than this, doubling each repeat.
    cooldown_minutes: int = Field(default=60, ge=0)
    # A source that normally delivers, silent this long, raises "gone quiet".
    quiet_after_hours: float = Field(default=6, gt=0)
    events: list[KnownEvent] = []


class Retention(Strict):
    """How long each kind of record is kept, in days; the maintenance DAG enforces it."""

    mentions_days: int = Field(default=180, ge=1)
    alerts_days: int = Field(default=365, ge=1)
    digests_days: int = Field(default=365, ge=1)
    cursors_days: int = Field(default=90, ge=1)  # a source's cursor not updated for this long
    audit_days: int = Field(default=730, ge=1)


class Privacy(Strict):
    """What Earshot keeps about the people who write. Authors are always aggregated by a
    keyed pseudonym; `hide_handles` drops the handle itself, for forces whose data
    protection impact assessment requires it."""

    hide_handles: bool = False


SourceT = TypeVar("SourceT", bound=SourceSettings)


class Profile(Strict, Generic[SourceT]):
    """A force's profile. The kinds of source are the listeners' to define (each listener
    module owns its source model), so the profile takes them as a type parameter:
    `listeners.load_profile` reads a `Profile[Source]`; floors below see `Profile`."""

    force: Force
    area: Area
    sources: list[SourceT] = Field(min_length=1)
    recipients: Recipients = Recipients()
    alerts: AlertSettings = AlertSettings()
    retention: Retention = Retention()
    privacy: Privacy = Privacy()
    # The demo's profile: its sources are the sample feeds `earshot demo` serves on this
    # machine, so collection refuses it anywhere else (earshot.app.collect).
    demo: bool = False

    @model_validator(mode="after")
    def _source_names_unique(self) -> Profile:
        names = [s.name for s in self.sources]
        doubled = sorted({n for n in names if names.count(n) > 1})
        if doubled:
            raise ValueError(f"source names must be unique; repeated: {', '.join(doubled)}")
        return self

    def source(self, name: str) -> SourceT:
        for source in self.sources:
            if source.name == name:
                return source
        raise KeyError(f"no source named {name!r} in the profile")


class ProfileError(EarshotError):
    """The profile file is missing, unreadable or does not match the schema."""


# A profile is a page of settings: a few hundred values. YAML aliases can make a small file
# stand for billions ("billion laughs"); past this many values it is refused, not expanded.
MAX_VALUES = 100_000
# How much of a wrong value an error shows: enough to recognise it, never a whole document.
SHOWN_CHARS = 80

ProfileT = TypeVar("ProfileT", bound=Profile)


def profile_path() -> Path:
    return Path(os.environ.get("EARSHOT_PROFILE", DEFAULT_PROFILE))


def read_profile(model: type[ProfileT], path: Path) -> ProfileT:
    """The profile at `path` as `model`, or one ProfileError line naming the file, the key
    and what was expected."""
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as e:
        raise ProfileError(f"{path}: cannot read the profile: {e.strerror}") from e
    except UnicodeDecodeError as e:
        raise ProfileError(
            f"{path}: not UTF-8 text (byte 0x{e.object[e.start]:02x} at offset {e.start}); "
            "save the profile as UTF-8"
        ) from e
    except yaml.YAMLError as e:
        raise ProfileError(f"{path}: not valid YAML: {_shown(str(e), 400)}") from e
    if _more_values_than(raw, MAX_VALUES):
        raise ProfileError(
            f"{path}: expands to more than {MAX_VALUES:,} values (YAML aliases nested in "
            "aliases?); refused"
        )
    try:
        return model.model_validate(raw)
    except ValidationError as e:
        raise ProfileError(f"{path}: " + "; ".join(_describe(err) for err in e.errors())) from e


def _more_values_than(raw: object, limit: int) -> bool:
    """Counts values as the document reads once aliases are expanded, stopping at `limit`."""
    count, pending = 0, [raw]
    while pending:
        count += 1
        if count > limit:
            return True
        value = pending.pop()
        if isinstance(value, dict):
            pending += [*value.keys(), *value.values()]
        elif isinstance(value, list):
            pending += value
    return False


def _describe(error: dict) -> str:
    key = ".".join(str(part) for part in error["loc"]) or "(top level)"
    if error["type"] == "extra_forbidden":
        return f"{key}: unknown key (mistyped?)"
    if error["type"] == "missing":
        return f"{key}: missing (required)"
    return f"{key}: {error['msg']} (got {_shown(repr(error.get('input')), SHOWN_CHARS)})"


def _shown(text: str, limit: int) -> str:
    return text if len(text) <= limit else f"{text[:limit]}… ({len(text):,} characters)"
