"""Links into the response desk, from wherever Earshot points a person at a mention or an
alert: the digest, the alert emails and webhooks, Kibana. One place, so every link agrees
with the desk's own routes (earshot/desk/app.py: `/item/{id}`, `/alerts`).

The desk's address is EARSHOT_DESK_URL, as the people reading the link reach it (behind the
force's proxy); unset, nothing links to the desk and everything reads as it did before.
"""

from __future__ import annotations

import os
from urllib.parse import quote, urlsplit

from earshot.core.errors import EarshotError

DESK_URL_VARIABLE = "EARSHOT_DESK_URL"
# Kibana's url field format puts the field's value where this stands (URL-escaped).
KIBANA_VALUE = "{{value}}"


class BadDeskUrl(EarshotError):
    """EARSHOT_DESK_URL is set but is not a web address a reader could open."""


def desk_url() -> str | None:
    """The desk's base address, without a trailing slash; None when it is not set."""
    url = os.environ.get(DESK_URL_VARIABLE, "").strip().rstrip("/")
    if not url:
        return None
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"} or not parts.netloc or parts.query or parts.fragment:
        raise BadDeskUrl(
            f"{DESK_URL_VARIABLE} must be the desk's web address, like "
            f"https://desk.force.example, not {url!r}"
        )
    return url


def item_link(desk: str, mention_id: str) -> str:
    """The desk's page for one mention; the id is escaped, so any id is one path segment."""
    return f"{desk}/item/{quote(mention_id, safe='')}"


def alerts_link(desk: str) -> str:
    return f"{desk}/alerts"


def kibana_item_template(desk: str) -> str:
    """The desk's item page with Kibana's placeholder for the mention id, for a url field
    format (Kibana escapes the value it puts there)."""
    return f"{desk}/item/{KIBANA_VALUE}"
