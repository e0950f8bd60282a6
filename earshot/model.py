"""The one Mention model that flows from listeners through enrichment into the store."""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

ToneLabel = Literal["positive", "neutral", "negative"]


class Sentiment(BaseModel):
    """A VADER compound score in [-1, 1] and the label its thresholds give."""

    model_config = ConfigDict(frozen=True)

    score: float = Field(ge=-1.0, le=1.0)
    label: ToneLabel


class Mention(BaseModel):
    """One public post, comment or article that talks about the force."""

    model_config = ConfigDict(frozen=True)

    id: str
    source: str
    source_kind: str
    url: str | None
    title: str
    text: str
    author: str | None
    published: datetime
    fetched: datetime
    force_terms: tuple[str, ...] = ()
    tone: Sentiment | None = None


def mention_id(source: str, key: str) -> str:
    """Stable across runs, so re-collecting an item can never index it twice."""
    return hashlib.sha256(f"{source}\n{key}".encode()).hexdigest()[:32]
