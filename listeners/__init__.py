"""Listeners: one module per kind of source, each turning what it hears into Mentions.

Adding a platform means adding its module, its profile entry and its test, and
naming it in LISTENERS below.
"""

from __future__ import annotations

from datetime import datetime

from earshot.core.profile import Source
from listeners.base import Heard, Listener, ListenerError
from listeners.bluesky import BlueskyListener
from listeners.facebook import FacebookListener
from listeners.mastodon import MastodonListener
from listeners.reddit import RedditListener
from listeners.rss import RssListener
from listeners.x import XListener
from listeners.youtube import YouTubeListener

LISTENERS: dict[str, type] = {
    "rss": RssListener,
    "news_search": RssListener,
    "mastodon": MastodonListener,
    "reddit": RedditListener,
    "bluesky": BlueskyListener,
    "x": XListener,
    "facebook": FacebookListener,
    "youtube": YouTubeListener,
}


def listener_for(source: Source, now: datetime) -> Listener:
    return LISTENERS[source.kind](source, now=now)


__all__ = ["Heard", "Listener", "ListenerError", "listener_for"]
