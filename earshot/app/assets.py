"""The Airflow Assets that connect Earshot's DAGs: one object, imported by producer and
consumers alike, so the wiring cannot drift apart through a mistyped URI."""

from __future__ import annotations

from airflow.sdk import Asset

# Updated by earshot_collect when a run indexed new mentions; earshot_alerts runs on it.
MENTIONS = Asset("earshot://elasticsearch/earshot-mentions")
