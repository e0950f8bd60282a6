"""Tone: VADER's compound score over the whole text, with VADER's own thresholds."""

from __future__ import annotations

from functools import cache

from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

from earshot.model import Sentiment

# VADER slows badly on long, emoji-heavy text; the opening of a post carries its tone.
MAX_CHARS = 2_000
POSITIVE_FROM = 0.05
NEGATIVE_FROM = -0.05


@cache
def _analyzer() -> SentimentIntensityAnalyzer:
    """Loading the lexicon is the slow part: once per process."""
    return SentimentIntensityAnalyzer()


def tone(text: str) -> Sentiment:
    score = _analyzer().polarity_scores(text[:MAX_CHARS])["compound"]
    if score >= POSITIVE_FROM:
        label = "positive"
    elif score <= NEGATIVE_FROM:
        label = "negative"
    else:
        label = "neutral"
    return Sentiment(score=score, label=label)
