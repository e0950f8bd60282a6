"""An analyst's change made as herself: `--analyst` on the commands that change what Earshot
keeps. On a deployment's shared machine (a compose container, the stack's VM) the login and
the configured key are the pipeline's; only the analyst's own Elasticsearch credentials say
who moved a mention on or acknowledged an alert, and hold her to her role's privileges."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from elasticsearch import Elasticsearch

AnalystOption = Annotated[
    str | None,
    typer.Option(
        "--analyst",
        help="Your own Elasticsearch user (its password is asked for): the change is made "
        "with your privileges and the audit trail names you.",
    ),
]


def connect_as(user: str | None) -> Elasticsearch:
    """The configured cluster, with `user`'s credentials when given."""
    from earshot.store.connection import connect

    es = connect()
    if not user:
        return es
    password = typer.prompt(f"Elasticsearch password for {user}", hide_input=True)
    return es.options(basic_auth=(user, password))
