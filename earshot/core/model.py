"""The one Mention model that flows from listeners through enrichment into the store."""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

ToneLabel = Literal["positive", "neutral", "negative"]

# The response order UK police comms teams use, most urgent first (DESIGN.md).
ResponseAction = Literal[
    "contact-handling",  # a crime or threat to life reported: route to 999/101 contact handling
    "moderate-preserve",  # threats or abuse to staff, illegal content: preserve, moderate, hand on
    "refer-to-investigator",  # could prejudice a case: don't engage on substance
    "escalate",  # misinformation with risk of harm: factual correction, escalate
    "put-it-right",  # service complaint: put it right, signpost complaints
    "correct-facts",  # factually wrong: correct
    "monitor",  # troll or rant: monitor only
    "thank",  # praise: thank, share
    "no-action",
]
WorkflowStatus = Literal["new", "in-hand", "done"]
# Why a mention is kept: it names the force, answers the force's own post, or is talk about
# policing in the force area that names no force.
Relevance = Literal["named", "reply", "local-policing"]
# Why an item is not: about another force, police words in another sense ("fashion police"),
# policing elsewhere, or nothing to do with policing.
NotRelevant = Literal["other-force", "other-sense", "not-in-area", "not-about-policing"]


class Sentiment(BaseModel):
    """A VADER compound score in [-1, 1] and the label its thresholds give."""

    model_config = ConfigDict(frozen=True)

    score: float = Field(ge=-1.0, le=1.0)
    label: ToneLabel


class Place(BaseModel):
    """A gazetteer place found in the text."""

    model_config = ConfigDict(frozen=True)

    name: str
    lat: float
    lon: float


class Response(BaseModel):
    """What the comms desk should do, how urgently (0-100), and why, in words."""

    model_config = ConfigDict(frozen=True)

    action: ResponseAction
    priority: int = Field(ge=0, le=100)
    reasons: tuple[str, ...]


class Mention(BaseModel):
    """One public post, comment or article that talks about the force."""

    model_config = ConfigDict(frozen=True)

    id: str
    source: str
    source_kind: str
    url: str | None
    # The address is where it sits (a post's, a place's reviews), not its own: others share
    # it, so it is erased and kept out by its id alone (store/tombstones.py).
    link_shared: bool = False
    title: str
    text: str
    author: str | None
    published: datetime
    fetched: datetime
    is_reply: bool = False
    by_force: bool = False  # posted by one of the force's own accounts, not a public mention
    force_terms: tuple[str, ...] = ()
    relevance: Relevance | None = None  # why it was kept
    not_relevant: NotRelevant | None = None  # why it was not: counted per run, never stored
    tone: Sentiment | None = None
    toward_force: Sentiment | None = None
    topics: tuple[str, ...] = ()
    risk_flags: tuple[str, ...] = ()
    places: tuple[Place, ...] = ()
    in_area: bool = False
    language: str | None = None
    response: Response | None = None
    status: WorkflowStatus = "new"
    canonical_url: str | None = None
    signature: tuple[int, ...] = ()  # MinHash of the text, for near-duplicate clustering
    # Site + headline, keyed-hashed, set by the feed listener: a news search result meets the
    # publisher's own item by it (earshot.core.near_duplicates.story_key).
    story_key: str | None = None
    # The story heard before it that this is a copy of; None when it starts one of its own
    # (named as earshot.store.clusters.story_started_by names it).
    cluster: str | None = None


def mention_id(source: str, key: str) -> str:
    """Stable across runs, so re-collecting an item can never index it twice."""
    return hashlib.sha256(f"{source}\n{key}".encode()).hexdigest()[:32]
