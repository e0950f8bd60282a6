"""Listeners: one module per platform, each turning what it hears into Mentions.

A platform's module holds its source model (what the profile says about it) and its
listener (a `listeners.base.Listener[ItsSource]`). Adding a platform means adding its
module and its test file (tests/integration/test_<module>_listener.py, with a `CONTRACT`
for the shared suite in test_listener_contract.py), and naming its listener in LISTENERS
below: the profile's `sources` accept its source model from then on.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Annotated, Union, get_args, get_origin

from pydantic import BeforeValidator, Field

from earshot.core.profile import Profile, SourceSettings, profile_path, read_profile
from listeners.base import Heard, Listener, ListenerError, Refused
from listeners.bluesky import BlueskyListener
from listeners.disqus import DisqusListener
from listeners.facebook import FacebookListener
from listeners.google_reviews import GoogleReviewsListener
from listeners.instagram import InstagramListener
from listeners.mastodon import MastodonListener
from listeners.reddit import RedditListener
from listeners.refused import refuse_unhearable
from listeners.rss import RssListener
from listeners.threads import ThreadsListener
from listeners.x import XListener
from listeners.youtube import YouTubeListener

LISTENERS: tuple[type[Listener], ...] = (
    RssListener,
    MastodonListener,
    RedditListener,
    BlueskyListener,
    XListener,
    FacebookListener,
    YouTubeListener,
    GoogleReviewsListener,
    DisqusListener,
    InstagramListener,
    ThreadsListener,
)


def _source_models(listener: type[Listener]) -> tuple[type[SourceSettings], ...]:
    """The source models a listener hears, read from its `Listener[...]` base (or a
    platform family's, as `GraphListener[...]`)."""
    (base,) = (b for b in listener.__orig_bases__ if issubclass(get_origin(b) or object, Listener))
    (source,) = get_args(base)
    return get_args(source) or (source,)


LISTENER_FOR_MODEL = {model: lst for lst in LISTENERS for model in _source_models(lst)}
# Every kind of source the profile accepts, told apart by its `kind`; a kind no API lets us
# hear (TikTok) is refused saying why.
Source = Annotated[
    Union[tuple(LISTENER_FOR_MODEL)],  # noqa: UP007
    Field(discriminator="kind"),
    BeforeValidator(refuse_unhearable),
]


def load_profile(path: Path | None = None) -> Profile[Source]:
    """The force profile (EARSHOT_PROFILE, else the bundled one), every source checked
    against its listener's model: a bad one is a ProfileError naming the file and key."""
    return read_profile(Profile[Source], path or profile_path())


def listener_for(source: SourceSettings, now: datetime) -> Listener:
    return LISTENER_FOR_MODEL[type(source)](source, now=now)


__all__ = [
    "LISTENERS",
    "Heard",
    "Listener",
    "ListenerError",
    "Refused",
    "Source",
    "listener_for",
]
