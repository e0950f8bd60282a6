"""`earshot stack start | stop | status`: the production shape on one VM (earshot/app/stack.py)."""

from __future__ import annotations

import typer
from rich.console import Console

stack_app = typer.Typer(
    no_args_is_help=True,
    help="Elasticsearch, PostgreSQL, Airflow (scheduler, dag-processor, triggerer, API "
    "server) and a mail sink on this machine, started and stopped together.",
)
console = Console()


@stack_app.command("start")
def start() -> None:
    """Start what is not running (running parts are left alone) and wait until healthy."""
    from earshot.app.stack import Stack

    stack = Stack.default()
    _show(stack.start())
    console.print(
        f"Logs: {stack.logs}\nAirflow's UI: {stack.api_url} (user admin, password in "
        f"{stack.admin_password_file}). The DAGs start paused: unpause them there once "
        "EARSHOT_PROFILE is the force's own."
    )


@stack_app.command("stop")
def stop() -> None:
    from earshot.app.stack import Stack

    stopped = Stack.default().stop()
    console.print(f"Stopped: {', '.join(stopped)}." if stopped else "Nothing was running.")


@stack_app.command("status")
def status() -> None:
    """Exit status 1 unless every part is running."""
    from earshot.app.stack import Stack

    parts = Stack.default().status()
    _show(parts)
    if not all(p.running for p in parts):
        raise typer.Exit(1)


def _show(parts) -> None:
    for part in parts:
        state = "running" if part.running else "stopped"
        console.print(f"{part.name:<14} {state:<8} {part.detail}".rstrip(), soft_wrap=True)
