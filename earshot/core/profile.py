"""The force profile: one typed home for everything a force configures.

A bad profile fails at load, naming the file, the key and what was expected,
so a typo never surfaces later as a silent gap in listening.
"""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path
from typing import Annotated, Literal
from urllib.parse import urlencode

import yaml
from pydantic import BaseModel, ConfigDict, Field, HttpUrl, ValidationError, model_validator

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


class Area(Strict):
    """The force area: its name, the words that place a text in it, and its boundary."""

    name: str
    # Words that say a text is about this area ("Lincs", "Lincolnshire"): they settle
    # ambiguous place names such as Boston or Lincoln.
    context: list[str] = []
    # The boundary as [latitude, longitude] points, roughly traced: gazetteer places
    # inside it are the area's places.
    boundary: list[LatLon] = Field(min_length=3)


class SourceSettings(Strict):
    """What every source has. `connection` names the Airflow Connection (or the
    AIRFLOW_CONN_<ID> environment variable) holding its credentials: never the profile."""

    name: Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_-]*$")]
    keep: Literal["mentions", "all"] = "mentions"
    timeout_seconds: float = Field(default=20.0, gt=0)
    max_bytes: int = Field(default=5_000_000, gt=0)


class RssSource(SourceSettings):
    """An RSS or Atom feed: local news sites, blogs, forums, WordPress comment feeds
    (`<site>/comments/feed/`, or a post's `<post url>/feed/`)."""

    kind: Literal["rss"]
    url: HttpUrl

    def feed_url(self) -> str:
        return str(self.url)


NEWS_SEARCH_FEEDS = {
    # Google News search as RSS, in UK English; Bing News search's RSS output.
    "google": ("https://news.google.com/rss/search", {"hl": "en-GB", "gl": "GB", "ceid": "GB:en"}),
    "bing": ("https://www.bing.com/news/search", {"format": "rss", "mkt": "en-GB"}),
}


class NewsSearchSource(SourceSettings):
    """A news search engine's RSS results for the force's terms, newest news everywhere."""

    kind: Literal["news_search"]
    engine: Literal["google", "bing"]
    terms: list[str] = Field(min_length=1)
    # Where the engine answers; set only to route through a proxy (or a test server).
    base_url: HttpUrl | None = None

    def feed_url(self) -> str:
        default_url, params = NEWS_SEARCH_FEEDS[self.engine]
        query = " OR ".join(f'"{t}"' if " " in t else t for t in self.terms)
        base = str(self.base_url) if self.base_url else default_url
        return f"{base}?{urlencode({'q': query, **params})}"


class ApiSource(SourceSettings):
    """A platform's JSON API, read page by page from where the last run stopped."""

    max_pages: int = Field(default=10, gt=0, le=100)
    connection: str | None = None


class MastodonSource(ApiSource):
    """Hashtag timelines (public) and status search (needs a token) on one instance."""

    kind: Literal["mastodon"]
    instance: HttpUrl
    hashtags: list[Annotated[str, Field(pattern=r"^\w+$")]] = []
    search: list[str] = []

    @model_validator(mode="after")
    def _something_to_follow(self) -> MastodonSource:
        if not (self.hashtags or self.search):
            raise ValueError("give hashtags (without #) or search terms")
        if self.search and not self.connection:
            raise ValueError("search needs a connection holding an access token")
        return self


class RedditSource(ApiSource):
    """Reddit search by terms, and the area's subreddits' new posts and comments (OAuth,
    app-only). The connection holds the app's client id (login) and secret (password)."""

    kind: Literal["reddit"]
    connection: str
    api_url: HttpUrl = HttpUrl("https://oauth.reddit.com")
    token_url: HttpUrl = HttpUrl("https://www.reddit.com/api/v1/access_token")
    terms: list[str] = []
    subreddits: list[Annotated[str, Field(pattern=r"^\w+$")]] = []

    @model_validator(mode="after")
    def _something_to_follow(self) -> RedditSource:
        if not (self.terms or self.subreddits):
            raise ValueError("give search terms or subreddits (without r/)")
        return self


class BlueskySource(ApiSource):
    """Bluesky post search; the connection holds the account handle and an app password."""

    kind: Literal["bluesky"]
    connection: str
    service: HttpUrl = HttpUrl("https://bsky.social")
    terms: list[str] = Field(min_length=1)


class XSource(ApiSource):
    """X API v2 recent search; the connection's password is the app's bearer token."""

    kind: Literal["x"]
    connection: str
    api_url: HttpUrl = HttpUrl("https://api.x.com")
    query: str


class FacebookSource(ApiSource):
    """Comments on the force page's posts (Graph API); the password is a page access token."""

    kind: Literal["facebook"]
    connection: str
    graph_url: HttpUrl = HttpUrl("https://graph.facebook.com/v21.0")
    page_id: str


class YouTubeSource(ApiSource):
    """YouTube Data API v3 comment threads on the force's channel and on videos found by
    search; the connection's password is the API key."""

    kind: Literal["youtube"]
    connection: str
    api_url: HttpUrl = HttpUrl("https://www.googleapis.com/youtube/v3")
    channel_id: str | None = None
    search: list[str] = []

    @model_validator(mode="after")
    def _something_to_follow(self) -> YouTubeSource:
        if not (self.channel_id or self.search):
            raise ValueError("give the force's channel_id or search terms")
        return self


Source = Annotated[
    RssSource
    | NewsSearchSource
    | MastodonSource
    | RedditSource
    | BlueskySource
    | XSource
    | FacebookSource
    | YouTubeSource,
    Field(discriminator="kind"),
]


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
    # ... and the negative share of all mentions is at least this much above the baseline's.
    share_rise: float = Field(default=0.1, ge=0, le=1)
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


class Profile(Strict):
    force: Force
    area: Area
    sources: list[Source] = Field(min_length=1)
    recipients: Recipients = Recipients()
    alerts: AlertSettings = AlertSettings()
    retention: Retention = Retention()
    privacy: Privacy = Privacy()

    @model_validator(mode="after")
    def _source_names_unique(self) -> Profile:
        names = [s.name for s in self.sources]
        doubled = sorted({n for n in names if names.count(n) > 1})
        if doubled:
            raise ValueError(f"source names must be unique; repeated: {', '.join(doubled)}")
        return self

    def source(self, name: str) -> Source:
        for source in self.sources:
            if source.name == name:
                return source
        raise KeyError(f"no source named {name!r} in the profile")


class ProfileError(Exception):
    """The profile file is missing, unreadable or does not match the schema."""


def profile_path() -> Path:
    return Path(os.environ.get("EARSHOT_PROFILE", DEFAULT_PROFILE))


def load_profile(path: Path | None = None) -> Profile:
    path = path or profile_path()
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as e:
        raise ProfileError(f"{path}: cannot read the profile: {e.strerror}") from e
    except yaml.YAMLError as e:
        raise ProfileError(f"{path}: not valid YAML: {e}") from e
    try:
        return Profile.model_validate(raw)
    except ValidationError as e:
        raise ProfileError(f"{path}: " + "; ".join(_describe(err) for err in e.errors())) from e


def _describe(error: dict) -> str:
    key = ".".join(str(part) for part in error["loc"]) or "(top level)"
    if error["type"] == "extra_forbidden":
        return f"{key}: unknown key (mistyped?)"
    if error["type"] == "missing":
        return f"{key}: missing (required)"
    return f"{key}: {error['msg']} (got {error.get('input')!r})"
