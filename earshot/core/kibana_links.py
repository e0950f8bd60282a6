"""Links into Kibana Discover, so the digest can point at risk-flagged mentions without
repeating a word of them (the analyst who follows the link has the access; the email's
readers and whoever it is forwarded to may not), and the desk at every copy of a story.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime
from urllib.parse import quote

# The Kibana data view over the earshot-mentions alias, as the dashboards work names it
# (dashboards/definitions.py: MENTIONS).
DATA_VIEW = "earshot-data-view-mentions"


def kibana_url() -> str | None:
    """The force's Kibana, from EARSHOT_KIBANA_URL (the profile has no place for it yet)."""
    url = os.environ.get("EARSHOT_KIBANA_URL", "").strip().rstrip("/")
    return url or None


def discover_url(kibana: str, lucene: str, start: datetime, end: datetime) -> str:
    """Discover on the mentions data view, over [start, end), searching with a Lucene query."""
    g = _rison({"time": {"from": _instant(start), "to": _instant(end)}})
    a = _rison(
        {
            "dataSource": {"dataViewId": DATA_VIEW, "type": "dataView"},
            "query": {"language": "lucene", "query": lucene},
        }
    )
    return f"{kibana}/app/discover#/?_g={quote(g, safe='')}&_a={quote(a, safe='')}"


def flag_query(flag: str) -> str:
    return f'earshot.risk_flags:"{flag}"'


def _instant(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def _rison(value: object) -> str:
    """Rison, the URL-friendly JSON Kibana's state is written in (dicts and strings suffice)."""
    if isinstance(value, dict):
        return "(" + ",".join(f"{k}:{_rison(v)}" for k, v in value.items()) + ")"
    text = str(value)
    return "'" + text.replace("!", "!!").replace("'", "!'") + "'"
