"""The `earshot` command: the local Elasticsearch node, figures from the store, the demo."""

from __future__ import annotations

import json
import sys
from dataclasses import asdict
from typing import Annotated

import typer
from rich.console import Console

from earshot.app.alerts_cli import alerts_app
from earshot.app.digest_cli import digest
from earshot.app.erase_cli import audit_command, erase_command
from earshot.app.report import print_counts
from earshot.app.setup import deploy_app
from earshot.core.model import WorkflowStatus
from earshot.store.connection import StoreUnavailable, connect
from earshot.store.local_node import LocalNode, NodeError
from earshot.store.mentions import set_status
from earshot.store.queries import mention_counts

app = typer.Typer(no_args_is_help=True, help=__doc__)
es_app = typer.Typer(no_args_is_help=True, help="The local Elasticsearch node (development, demo).")
app.add_typer(es_app, name="es")
app.command()(digest)
app.command("erase")(erase_command)
app.command("audit")(audit_command)
app.add_typer(deploy_app)  # `earshot setup` and `earshot kibana export | import`
app.add_typer(alerts_app, name="alerts")
console = Console()


@es_app.command("start")
def es_start() -> None:
    """Fetch (first time), start and wait for a local node; reuse it if running."""
    node = LocalNode.default()
    try:
        running = node.start()
    except NodeError as e:
        sys.exit(f"earshot es start: {e}")
    console.print(f"Elasticsearch {running.url} (pid {running.pid})")
    console.print(f"user elastic, password in {node.home / 'elastic-password'}")


@es_app.command("stop")
def es_stop() -> None:
    stopped = LocalNode.default().stop()
    console.print("Elasticsearch stopped." if stopped else "Elasticsearch was not running.")


@es_app.command("destroy")
def es_destroy() -> None:
    """Stop the local node and delete it with all its data."""
    LocalNode.default().destroy()
    console.print("Local Elasticsearch node and its data deleted.")


@es_app.command("status")
def es_status() -> None:
    """Exit status 1 when the local node is not running."""
    running = LocalNode.default().status()
    if running is None:
        console.print("Elasticsearch is not running.")
        raise typer.Exit(1)
    console.print(f"Elasticsearch {running.url} (pid {running.pid})")


@app.command()
def stats(
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
) -> None:
    """Mentions by source and by tone, from Elasticsearch."""
    try:
        counts = mention_counts(connect())
    except StoreUnavailable as e:
        sys.exit(f"earshot stats: {e}")
    if as_json:
        print(json.dumps(asdict(counts), indent=2, sort_keys=True))
    else:
        print_counts(console, counts)


@app.command()
def status(
    mention_id: Annotated[str, typer.Argument(help="The mention's id (its Elasticsearch _id).")],
    new_status: Annotated[WorkflowStatus, typer.Argument(help="new, in-hand or done.")],
) -> None:
    """Set a mention's workflow status, as the response queue moves on."""
    try:
        set_status(connect(), mention_id, new_status)
    except (StoreUnavailable, KeyError) as e:
        sys.exit(f"earshot status: {e}")
    console.print(f"{mention_id}: {new_status}")


@app.command()
def demo() -> None:
    """Collect the bundled sample feeds through Airflow and show what was heard."""
    from earshot.app.demo import run_demo

    run_demo()
