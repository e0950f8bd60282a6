"""Listeners: one module per kind of source, each turning what it hears into Mentions.

Adding a platform means adding its module, its profile entry and its test, and
naming it in LISTENERS below.
"""

from __future__ import annotations

from datetime import datetime

from earshot.profile import Source
from listeners.base import Heard, Listener, ListenerError
from listeners.mastodon import MastodonListener
from listeners.rss import RssListener

LISTENERS: dict[str, type] = {
    "rss": RssListener,
    "news_search": RssListener,
    "mastodon": MastodonListener,
}


def listener_for(source: Source, now: datetime) -> Listener:
    return LISTENERS[source.kind](source, now=now)


__all__ = ["Heard", "Listener", "ListenerError", "listener_for"]
