"""`earshot alerts`: what is open, and acknowledging or resolving it (each audited)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Column, Table

from earshot.app.own_credentials import AnalystOption, connect_as
from earshot.core.clock import FORCE_TIME_ZONE
from earshot.core.safe_text import neutral

if TYPE_CHECKING:
    from collections.abc import Callable

    from earshot.alerts.model import Alert

alerts_app = typer.Typer(no_args_is_help=True, help=__doc__)
MESSAGE_LIMIT = 160


@alerts_app.command("list")
def list_command(
    show_all: Annotated[
        bool, typer.Option("--all", help="Resolved alerts too (default: open and acknowledged).")
    ] = False,
) -> None:
    """Newest first, times on UK clocks."""
    from earshot.alerts.lifecycle import list_alerts
    from earshot.store.connection import connect

    alerts = list_alerts(connect(), include_resolved=show_all)
    if not alerts:
        Console().print("No alerts." if show_all else "No open or acknowledged alerts.")
        return
    # The id and the figures are never wrapped, however narrow the terminal: an officer
    # types the id to acknowledge, and "9 vs 1.5" split over two lines misreads.
    table = Table(
        Column("id", no_wrap=True),
        "status",
        "rule",
        "key",
        "opened",
        Column("count vs usual", no_wrap=True),
        "message",
    )
    for alert in alerts:
        table.add_row(
            alert.id,
            alert.status,
            alert.rule,
            _shown(alert.key, 60),
            f"{alert.opened.astimezone(FORCE_TIME_ZONE):%a %d %b %H:%M}",
            f"{alert.evidence.count} vs {alert.evidence.baseline:.1f}",
            _shown(alert.message, MESSAGE_LIMIT),
        )
    Console().print(table)  # made now: the terminal's width is read when a console is made


@alerts_app.command("ack")
def ack_command(
    alert_id: Annotated[str, typer.Argument(help="The alert's id.")], analyst: AnalystOption = None
) -> None:
    """Say you have seen it and are on it (stops further notifications)."""
    from earshot.alerts.lifecycle import acknowledge

    _change(acknowledge, alert_id, analyst)


@alerts_app.command("resolve")
def resolve_command(
    alert_id: Annotated[str, typer.Argument(help="The alert's id.")], analyst: AnalystOption = None
) -> None:
    """Close it by hand (Earshot also resolves alerts whose situation has calmed)."""
    from earshot.alerts.lifecycle import resolve

    _change(resolve, alert_id, analyst)


def _change(change: Callable[..., Alert], alert_id: str, analyst: str | None) -> None:
    alert = change(connect_as(analyst), alert_id, by=analyst)
    Console().print(f"{alert.id}: {alert.status}")


def _shown(text: str, limit: int) -> str:
    """Text that may come from the public (topics, places, titles): one plain line, no
    markup or terminal escapes."""
    return escape(neutral(text, limit))
