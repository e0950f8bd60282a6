"""The `earshot` command: the local Elasticsearch node, figures from the store, the demo."""

# Each command imports what it uses when it runs, so `earshot --help` starts at once
# (tests/policy/test_cli_imports.py).

from __future__ import annotations

import json
from dataclasses import asdict
from typing import Annotated

import typer
from rich.console import Console

from earshot.app.alerts_cli import alerts_app
from earshot.app.background_desk import DESK_PORT
from earshot.app.digest_cli import digest
from earshot.app.erase_cli import audit_command, erase_command
from earshot.app.failures import OneLineFailures
from earshot.app.own_credentials import AnalystOption, connect_as
from earshot.app.setup import deploy_app
from earshot.app.stack_cli import stack_app
from earshot.core.model import WorkflowStatus

# No rich tracebacks: they print every frame's local variables, passwords included.
app = typer.Typer(
    cls=OneLineFailures, no_args_is_help=True, help=__doc__, pretty_exceptions_enable=False
)
es_app = typer.Typer(no_args_is_help=True, help="The local Elasticsearch node (development, demo).")
app.add_typer(es_app, name="es", cls=OneLineFailures)
app.command()(digest)
app.command("erase")(erase_command)
app.command("audit")(audit_command)
app.add_typer(deploy_app)  # `earshot setup` and `earshot kibana export | import`
app.add_typer(alerts_app, name="alerts", cls=OneLineFailures)
app.add_typer(stack_app, name="stack", cls=OneLineFailures)
console = Console()


@app.callback()
def main(
    debug: Annotated[
        bool, typer.Option("--debug", help="Show the traceback when a command fails.")
    ] = False,
) -> None:
    """--debug is read where failures are explained (earshot/app/failures.py)."""


@es_app.command("start")
def es_start() -> None:
    """Fetch (first time), start and wait for a local node; reuse it if running."""
    from earshot.store.local_node import LocalNode

    node = LocalNode.default()
    running = node.start()
    console.print(f"Elasticsearch {running.url} (pid {running.pid})")
    console.print(f"user elastic, password in {node.home / 'elastic-password'}")


@es_app.command("stop")
def es_stop() -> None:
    from earshot.store.local_node import LocalNode

    stopped = LocalNode.default().stop()
    console.print("Elasticsearch stopped." if stopped else "Elasticsearch was not running.")


@es_app.command("destroy")
def es_destroy() -> None:
    """Stop the local node and delete it with all its data."""
    from earshot.store.local_node import LocalNode

    LocalNode.default().destroy()
    console.print("Local Elasticsearch node and its data deleted.")


@es_app.command("status")
def es_status() -> None:
    """Exit status 1 when the local node is not running."""
    from earshot.store.local_node import LocalNode

    running = LocalNode.default().status()
    if running is None:
        console.print("Elasticsearch is not running.")
        raise typer.Exit(1)
    console.print(f"Elasticsearch {running.url} (pid {running.pid})")


@app.command()
def stats(
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
) -> None:
    """Mentions by source and by tone, and each source's health, from Elasticsearch."""
    from datetime import UTC, datetime

    from earshot.app.report import print_counts, print_health
    from earshot.app.source_health import source_health
    from earshot.store.connection import connect
    from earshot.store.queries import mention_counts
    from listeners import load_profile

    es = connect()
    counts = mention_counts(es)
    sources = source_health(es, load_profile(), datetime.now(UTC))
    if as_json:
        health = None if sources is None else [asdict(s) for s in sources]
        figures = asdict(counts) | {"sources": health}
        print(json.dumps(figures, indent=2, sort_keys=True))
    else:
        print_counts(console, counts)
        print_health(console, sources)


@app.command()
def status(
    mention_id: Annotated[str, typer.Argument(help="The mention's id (its Elasticsearch _id).")],
    new_status: Annotated[WorkflowStatus, typer.Argument(help="new, in-hand or done.")],
    analyst: AnalystOption = None,
) -> None:
    """Set a mention's workflow status, as the response queue moves on."""
    from earshot.store.mentions import set_status

    set_status(connect_as(analyst), mention_id, new_status, actor=analyst)
    console.print(f"{mention_id}: {new_status}")


@app.command()
def desk(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = DESK_PORT,
) -> None:
    """Serve the response desk: analysts sign in with their Elasticsearch credentials."""
    import uvicorn

    from earshot.desk.app import create_app, secret_from_environment

    # The cookie may travel over plain HTTP only on this machine; else HTTPS (a proxy) only.
    # On this machine too it is Secure for a request a TLS proxy here forwarded from HTTPS:
    # uvicorn takes the scheme from X-Forwarded-Proto sent from 127.0.0.1.
    local = host in ("127.0.0.1", "localhost", "::1")
    desk_app = create_app(secret_from_environment(), secure_cookie=not local)
    # No access log: a request line is enough to leak a query someone typed.
    uvicorn.run(desk_app, host=host, port=port, access_log=False, proxy_headers=True)


@app.command("desk-stop")
def desk_stop() -> None:
    """Stop the desk `earshot demo` left running."""
    from earshot.app.background_desk import BackgroundDesk
    from earshot.store.local_node import earshot_home

    stopped = BackgroundDesk(earshot_home()).stop()
    console.print("The desk stopped." if stopped else "The desk was not running.")


@app.command()
def demo() -> None:
    """Collect the bundled sample feeds through Airflow and show what was heard."""
    from earshot.app.demo import run_demo

    run_demo()
