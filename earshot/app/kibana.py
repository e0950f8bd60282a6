"""`earshot kibana export | import`: the analysts' saved searches and dashboards, into Kibana."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console

if TYPE_CHECKING:
    from dashboards.kibana_import import ImportReport, KibanaAuth

app = typer.Typer(
    no_args_is_help=True,
    help="Kibana: data views, saved searches, visualizations and dashboards for the comms desk.",
)
console = Console(soft_wrap=True)
problems = Console(stderr=True, soft_wrap=True)

# Shared with `earshot setup`, which imports the dashboards too when it is given a Kibana.
KibanaUrl = Annotated[
    str | None,
    typer.Option(envvar="EARSHOT_KIBANA_URL", help="Kibana's base URL."),
]
KibanaSpace = Annotated[
    str | None,
    typer.Option(envvar="EARSHOT_KIBANA_SPACE", help="Kibana space id (default: the default)."),
]
KibanaUser = Annotated[str | None, typer.Option(envvar="EARSHOT_KIBANA_USER")]
KibanaPassword = Annotated[
    str | None,
    typer.Option(envvar="EARSHOT_KIBANA_PASSWORD", help="Prefer the environment variable."),
]
KibanaApiKey = Annotated[
    str | None,
    typer.Option(envvar="EARSHOT_KIBANA_API_KEY", help="Encoded API key, instead of a user."),
]
Attempts = Annotated[int, typer.Option(help="Tries on 5xx or no connection, with back-off.")]


@app.command("export")
def export(
    file: Annotated[
        Path | None, typer.Argument(help="Where to write the NDJSON (standard output if omitted).")
    ] = None,
) -> None:
    """Write the saved objects as NDJSON, as Kibana's import (or Stack Management) reads it."""
    import dashboards

    text = dashboards.rendered()
    if file is None:
        sys.stdout.write(text)
        return
    file.write_text(text, encoding="utf-8")
    console.print(f"{len(dashboards.saved_objects())} saved objects written to {file}")


@app.command("import")
def import_objects(
    url: KibanaUrl = None,
    space: KibanaSpace = None,
    user: KibanaUser = None,
    password: KibanaPassword = None,
    api_key: KibanaApiKey = None,
    attempts: Attempts = 6,
) -> None:
    """Import (overwriting) every saved object into Kibana; exit 1 naming each one refused."""
    from dashboards.kibana_import import KibanaAuth

    if not url:
        sys.exit("earshot kibana import: give --url or set EARSHOT_KIBANA_URL")
    auth = KibanaAuth(user=user, password=password, api_key=api_key)
    report = import_to_kibana(url, space=space, auth=auth, attempts=attempts)
    print_report(report)
    if not report.ok:
        raise typer.Exit(1)


def import_to_kibana(
    url: str, *, space: str | None, auth: KibanaAuth, attempts: int = 6
) -> ImportReport:
    """What `earshot kibana import` and `earshot setup` both post: the rendered definitions,
    each mention linked to the response desk when EARSHOT_DESK_URL is set."""
    import dashboards
    from dashboards.kibana_import import import_saved_objects
    from earshot.core.desk_links import desk_url

    return import_saved_objects(
        url, dashboards.rendered(desk_url()), space=space, auth=auth, attempts=attempts
    )


def print_report(report: ImportReport) -> None:
    console.print(f"Kibana imported {report.imported} saved objects.")
    if report.errors:
        problems.print(f"{len(report.errors)} saved objects were not imported:", style="red")
        for error in report.errors:
            problems.print(f"  {error}", markup=False, highlight=False)
