"""Credentials for a connection id, from Airflow, never from the profile or code.

Airflow is asked, so a connection works wherever the force keeps it: a secrets backend
(Vault, a cloud secrets manager, a local file), an AIRFLOW_CONN_<ID> environment variable,
or Airflow's metadata database (the UI, `airflow connections add`). Inside a running task
the Task SDK asks the API server; anywhere else (the CLI, a script, a test) Airflow's own
search path is read in this process, and it includes the environment variable. Airflow is
imported only when a connection is needed, so the CLI starts fast.

A connection that is defined nowhere will not appear by trying again: inside a task it
fails the task for good (AirflowFailException), elsewhere it is a MissingCredentials.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from earshot.core.errors import EarshotError

if TYPE_CHECKING:
    from airflow.sdk import Connection


class MissingCredentials(EarshotError):
    """The connection a source names is not defined, or lacks what the source needs."""


@dataclass(frozen=True)
class Credentials:
    login: str | None
    password: str | None
    extra: dict[str, str] = field(default_factory=dict)
    # Where the service is, for connections that name one (a webhook's URL).
    conn_type: str | None = None
    host: str | None = None
    port: int | None = None
    schema: str | None = None

    def __repr__(self) -> str:
        return "Credentials(***)"  # never in a log or a traceback


def credentials(conn_id: str) -> Credentials:
    """The connection as Airflow resolves it; a permanent failure naming where it was looked
    for when it is defined nowhere."""
    connection = airflow_connection(conn_id)
    return Credentials(
        login=connection.login,
        password=connection.password,
        extra={k: str(v) for k, v in connection.extra_dejson.items()},
        conn_type=connection.conn_type,
        host=connection.host,
        port=connection.port,
        schema=connection.schema,
    )


def airflow_connection(conn_id: str) -> Connection:
    """Airflow's own Connection, for Airflow's hooks (SMTP): their lookup outside a task skips
    the metadata database."""
    connection = _lookup(conn_id)
    if connection is None:
        message = _not_found(conn_id)
        if _in_task():
            from airflow.sdk.exceptions import AirflowFailException

            raise AirflowFailException(message)
        raise MissingCredentials(message)
    return connection


def is_defined(conn_id: str) -> bool:
    """For what is optional (an alerts webhook): used when defined, skipped when not."""
    return _lookup(conn_id) is not None


def _lookup(conn_id: str) -> Connection | None:
    from airflow.sdk.exceptions import AirflowNotFoundException

    try:
        if _in_task():
            from airflow.sdk import Connection

            return Connection.get(conn_id)
        # Outside a task the Task SDK would skip the metadata database; this reads it too.
        from airflow.models.connection import Connection as StoredConnection

        return StoredConnection.get_connection_from_secrets(conn_id)  # type: ignore[return-value]
    except AirflowNotFoundException:
        return None


def _in_task() -> bool:
    """A task runner talks to its supervisor; dag.test() runs one in this process too."""
    runner = sys.modules.get("airflow.sdk.execution_time.task_runner")
    return getattr(runner, "SUPERVISOR_COMMS", None) is not None


def _not_found(conn_id: str) -> str:
    variable = f"AIRFLOW_CONN_{conn_id.upper()}"
    if os.environ.get(variable):
        return f"connection {conn_id!r}: {variable} is set but is not valid connection JSON or URI"
    return (
        f"connection {conn_id!r} is not defined: looked in {', '.join(_searched())} "
        f"(environment variable {variable}); add it in the Airflow UI, with "
        "`airflow connections add`, or in the secrets backend"
    )


def _searched() -> list[str]:
    """The secrets backends Airflow asked, by class name (LocalFilesystemBackend, …)."""
    if _in_task():
        from airflow.sdk.execution_time.supervisor import ensure_secrets_backend_loaded

        backends = ensure_secrets_backend_loaded()
    else:
        from airflow.configuration import ensure_secrets_loaded

        backends = ensure_secrets_loaded()
    return [type(backend).__name__ for backend in backends]
