"""What a digest says, as plain data: every number here comes from one Elasticsearch
aggregation (digest/figures.py), and the charts and the email are drawn from it alone,
so the preview can render the same email from sample figures without a cluster.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from earshot.core.clock import LocalDay

# Below this many mentions, with nothing to act on, the digest is the short quiet-day one.
QUIET_BELOW = 5


@dataclass(frozen=True)
class Chart:
    """A chart drawn as a PNG (earshot/digest/charts.py); here, so what sends, renders and
    archives a digest needs no matplotlib, which takes a second to load."""

    cid: str  # Content-ID, without the angle brackets
    filename: str
    title: str
    alt: str
    png: bytes


@dataclass(frozen=True)
class Span:
    """Headline figures over one span of whole local days."""

    days: int
    mentions: int
    negative: int  # negative toward the force
    in_area: int
    needing_response: int  # a recommended action other than no-action

    @property
    def mentions_per_day(self) -> float:
        return self.mentions / self.days

    @property
    def needing_response_per_day(self) -> float:
        return self.needing_response / self.days

    @property
    def share_negative(self) -> float | None:
        """None, not zero, when there were no mentions: "no talk" is not "no criticism"."""
        return self.negative / self.mentions if self.mentions else None

    @property
    def share_in_area(self) -> float | None:
        return self.in_area / self.mentions if self.mentions else None


@dataclass(frozen=True)
class Headline:
    day: Span
    previous_day: Span
    previous_week: Span  # the seven local days before `day`


@dataclass(frozen=True)
class Hour:
    """One local hour of the day, by tone toward the force, against the week before."""

    start: datetime  # local time; a day has 23, 24 or 25 of them
    negative: int
    neutral: int
    positive: int
    usual_negative_low: int  # fewest negative mentions in this clock hour over the 7 days
    usual_negative_high: int  # most
    usual_negative_mean: float

    @property
    def mentions(self) -> int:
        return self.negative + self.neutral + self.positive


@dataclass(frozen=True)
class Tally:
    """Mentions of one topic, place or source."""

    name: str
    mentions: int
    platform: str | None = None  # for sources: rss, reddit, …


@dataclass(frozen=True)
class Item:
    """A mention as the digest lists it. Its words are withheld (title None) when it carries
    a risk flag: a digest is forwarded and printed, and must not repeat a name or address.
    Its desk link (by id) is still given: the desk shows the words only to who signs in."""

    id: str  # the mention's Elasticsearch _id
    title: str | None
    snippet: str
    url: str | None  # http(s) only
    source: str
    published: datetime
    action: str
    priority: int
    reason: str
    status: str
    risk_flags: tuple[str, ...]
    toward_force: float
    similar: int = 0  # near-duplicates of the same story folded into this one
    author: str | None = None  # only where the profile allows authors to be named

    @property
    def withheld(self) -> bool:
        return self.title is None


@dataclass(frozen=True)
class FlagCount:
    flag: str
    mentions: int


@dataclass(frozen=True)
class EmergingTopic:
    """A topic whose share of the day's talk is significantly up on the week before."""

    topic: str
    mentions: int
    previous_week: int

    @property
    def previous_week_per_day(self) -> float:
        return self.previous_week / 7


@dataclass(frozen=True)
class CampaignTally:
    name: str
    topic: str  # campaign:<slug>
    mentions: int
    negative: int
    positive: int
    previous_week: int

    @property
    def previous_week_per_day(self) -> float:
        return self.previous_week / 7


@dataclass(frozen=True)
class Alerts:
    opened: int  # opened during the day
    still_open: int
    open_titles: tuple[str, ...]


@dataclass(frozen=True)
class Figures:
    force: str
    day: LocalDay
    headline: Headline
    hours: tuple[Hour, ...]
    topics: tuple[Tally, ...]
    places: tuple[Tally, ...]
    sources: tuple[Tally, ...]
    needing_response: tuple[Item, ...]
    flagged: int  # mentions carrying any risk flag
    risk_flags: tuple[FlagCount, ...]
    emerging: tuple[EmergingTopic, ...]
    praise: tuple[Item, ...]
    campaigns: tuple[CampaignTally, ...]
    alerts: Alerts | None  # None while no alert was ever raised (no earshot-alerts index)

    @property
    def quiet(self) -> bool:
        """Little to say: a short email that says so, rather than empty charts."""
        alerting = self.alerts is not None and (self.alerts.opened or self.alerts.still_open)
        return (
            self.headline.day.mentions < QUIET_BELOW
            and self.headline.day.needing_response == 0
            and self.flagged == 0
            and not alerting
        )
