"""The Airflow Assets that connect Earshot's DAGs: one object, imported by producer and
consumers alike, so the wiring cannot drift apart through a mistyped URI."""

from __future__ import annotations

from datetime import datetime

from airflow.sdk import Asset, get_current_context

# Updated by earshot_collect when mentions were stored since its last update; earshot_alerts
# runs on it.
MENTIONS = Asset("earshot://elasticsearch/earshot-mentions")


def last_updated(asset: Asset) -> datetime | None:
    """When the asset was last updated (None: never), as Airflow recorded it: after the task
    that updated it ended. Only for a task that has the asset among its inlets."""
    last = get_current_context()["inlet_events"][asset].ascending(False).limit(1)
    return last[0].timestamp if last else None
