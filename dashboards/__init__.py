"""The analysts' Kibana: data views, saved searches, visualizations and dashboards as code.

`definitions` says what analysts see; `saved_objects` renders it as Kibana saved objects;
`kibana_import` posts them to Kibana. `earshot.ndjson` is the rendered file, kept in the
repository for people who import by hand (Stack Management → Saved objects → Import).
"""

from dashboards.saved_objects import NDJSON_FILE, saved_objects, to_ndjson


def rendered(desk: str | None = None) -> str:
    """The NDJSON the definitions give today; `earshot.ndjson`, with no desk, must equal it."""
    return to_ndjson(saved_objects(desk))


__all__ = ["NDJSON_FILE", "rendered", "saved_objects", "to_ndjson"]
