"""What a person sees when an `earshot` command fails: one line on stderr and a non-zero exit,
for every Earshot error and for a cluster that cannot be reached or refuses; the traceback
only with `earshot --debug …`. Anything else is a bug, and keeps its traceback."""

from __future__ import annotations

import sys

import typer
from typer.core import TyperGroup

from earshot.core.errors import EarshotError

LIMIT = 300  # characters: a server's explanation can be long


class OneLineFailures(TyperGroup):
    """`earshot` and its groups: every command runs inside its group's `invoke`, so the
    innermost group names the command (`earshot alerts list: …`)."""

    def invoke(self, ctx: typer.Context):
        try:
            return super().invoke(ctx)
        except Exception as e:
            reason = explained(e)
            if reason is None or ctx.find_root().params.get("debug"):
                raise
            typer.echo(f"{ctx.command_path} {ctx.invoked_subcommand}: {reason}", err=True)
            raise typer.Exit(1) from None


def explained(error: Exception) -> str | None:
    """One line for what a user can act on; None for a bug."""
    if isinstance(error, EarshotError):
        return _one_line(str(error))
    if "elasticsearch" not in sys.modules:  # not the cluster's error (`--help` ends this way)
        return None
    from elasticsearch import (
        ApiError,
        AuthenticationException,
        AuthorizationException,
        TransportError,
    )
    from elasticsearch import ConnectionError as Unreachable

    if isinstance(error, AuthenticationException):
        return (
            "Elasticsearch refused the credentials (401): check EARSHOT_ELASTICSEARCH_USER "
            "and _PASSWORD, or _API_KEY"
        )
    if isinstance(error, AuthorizationException):
        return _one_line(f"Elasticsearch refused this user the request (403): {_reason(error)}")
    if isinstance(error, ApiError):
        return _one_line(f"Elasticsearch answered {error.meta.status}: {_reason(error)}")
    if isinstance(error, Unreachable):
        return _one_line(f"cannot reach Elasticsearch: {error.message}")
    if isinstance(error, TransportError):
        return _one_line(f"Elasticsearch: {error.message}")
    return None


def _reason(error) -> str:
    body = error.body if isinstance(error.body, dict) else {}
    cause = body.get("error", {})
    return str(cause.get("reason") if isinstance(cause, dict) else cause or error.message)


def _one_line(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= LIMIT else text[: LIMIT - 1] + "…"
