"""Kinds of source a force may ask for that no lawful API lets Earshot hear: the profile
check refuses them saying why, rather than "unknown kind" or a listener that never hears."""

from __future__ import annotations

REFUSED = {
    "tiktok": (
        "TikTok cannot be heard: its Research API, the only API that searches public videos "
        "and comments, is for academic researchers only, not police forces or their suppliers"
    ),
}


def refuse_unhearable(source: object) -> object:
    """A profile `sources` entry, passed on unless its kind is one no API lets us hear."""
    if isinstance(source, dict) and (why := REFUSED.get(source.get("kind"))):
        raise ValueError(why)
    return source
