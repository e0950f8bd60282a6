"""What of the public's words a digest may carry, and in what shape.

A digest is forwarded, printed and kept, so it holds less than Kibana does: no author
names or handles of members of the public (monitoring mentions of the force must not
drift into watching people), no words at all from risk-flagged mentions, only short
clips of anything else, and nothing that can act as markup or fake the email's layout.
"""

from __future__ import annotations

from earshot.core.people import without_people
from earshot.core.profile import Profile
from earshot.core.safe_text import SNIPPET_CHARS, TITLE_CHARS, neutral, safe_link

# The digest's texts and links go through the shared neutralisers, and authors and handles
# are taken out as the store does when it hides them; re-exported so the digest has one
# privacy module to import from.
__all__ = [
    "SNIPPET_CHARS",
    "TITLE_CHARS",
    "authors_allowed",
    "neutral",
    "safe_link",
    "without_people",
]


def authors_allowed(profile: Profile) -> bool:
    """Whether the digest may name authors: never, whatever `privacy.hide_handles` says of
    the store; a digest travels further than Kibana. A setting to allow it would be read here."""
    del profile
    return False
