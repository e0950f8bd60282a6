"""Credentials for a source, from its Airflow Connection, never from the profile or code.

Read straight from the AIRFLOW_CONN_<ID> environment variable (Airflow's URI or JSON
form), which is how Airflow, docker compose and the tests all provide connections, so
listeners need no Airflow import to be used and tested.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, unquote, urlsplit


class MissingCredentials(Exception):
    """The connection a source names is not set."""


@dataclass(frozen=True)
class Credentials:
    login: str | None
    password: str | None
    extra: dict[str, str] = field(default_factory=dict)

    def __repr__(self) -> str:
        return "Credentials(***)"  # never in a log or a traceback


def credentials(conn_id: str) -> Credentials:
    variable = f"AIRFLOW_CONN_{conn_id.upper()}"
    value = os.environ.get(variable)
    if not value:
        raise MissingCredentials(
            f"connection {conn_id!r} is not set: define it in Airflow or as {variable}"
        )
    if value.lstrip().startswith("{"):
        raw = json.loads(value)
        extra = raw.get("extra") or {}
        extra = json.loads(extra) if isinstance(extra, str) else extra
        return Credentials(
            raw.get("login"), raw.get("password"), {k: str(v) for k, v in extra.items()}
        )
    parts = urlsplit(value)
    return Credentials(
        unquote(parts.username) if parts.username else None,
        unquote(parts.password) if parts.password else None,
        dict(parse_qsl(parts.query)),
    )
