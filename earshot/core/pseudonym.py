"""A keyed pseudonym for each author, so Earshot can count and deduplicate people's posts
without keeping a readable per-person key, and can still find one person's posts when
they ask for erasure.

HMAC-SHA256 with a secret from the environment (EARSHOT_PSEUDONYM_KEY): without the
secret the pseudonym cannot be reversed or recomputed from a guessed handle.
"""

from __future__ import annotations

import hashlib
import hmac
import os

from earshot.core.errors import EarshotError

KEY_VARIABLE = "EARSHOT_PSEUDONYM_KEY"
MIN_KEY_CHARS = 32


class PseudonymKeyMissing(EarshotError):
    """The pseudonym secret is not set, or too short to be a secret."""


def author_key(author: str) -> str:
    """The same person on any platform gives the same pseudonym: handles are compared
    without case or a leading @, so `erase --author @Name` finds `name`'s posts."""
    return keyed_hash(author.strip().lstrip("@").lower())


def keyed_hash(text: str) -> str:
    """For what is only ever compared, never read, and may name someone: nobody without
    the secret can test a guessed name against it."""
    secret = os.environ.get(KEY_VARIABLE, "")
    if len(secret) < MIN_KEY_CHARS:
        raise PseudonymKeyMissing(
            f"{KEY_VARIABLE} must hold a secret of at least {MIN_KEY_CHARS} characters "
            "(earshot setup writes one; see README, Data protection)"
        )
    return hmac.new(secret.encode(), text.encode(), hashlib.sha256).hexdigest()[:32]
