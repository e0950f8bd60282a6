"""`earshot digest`: build and mail a day's digest by hand, or write a preview of it."""

from __future__ import annotations

import shlex
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.markup import escape

from earshot.core.clock import FORCE_TIME_ZONE, LocalDay, day_before

if TYPE_CHECKING:
    from earshot.core.mail import Delivery

console = Console()


def digest(
    day: Annotated[
        str | None,
        typer.Option("--date", help="The day, YYYY-MM-DD on UK clocks (default: yesterday)."),
    ] = None,
    to: Annotated[
        list[str] | None,
        typer.Option("--to", help="Mail this address instead of recipients.digest (repeatable)."),
    ] = None,
    preview: Annotated[
        Path | None,
        typer.Option("--preview", help="Write the digest as HTML to this file; mail nothing."),
    ] = None,
) -> None:
    """Build the daily digest for a day and mail it through the smtp_default connection
    (kept in earshot-digests), or write it to a file to look at."""
    from earshot.core.mail import MayHaveArrived
    from earshot.digest.archive import mark_sent
    from earshot.digest.daily import RefusedForNow, build_and_keep, send_kept
    from earshot.digest.daily import preview as write_preview
    from earshot.store.connection import connect
    from listeners import load_profile

    local_day = _day(day)
    es, profile = connect(), load_profile()
    if preview:
        written = write_preview(es, profile, local_day, preview)
        console.print(f"Digest for {local_day.day} written to {escape(str(written))}")
        return
    run = f"manual-{datetime.now(UTC):%Y%m%dT%H%M%SZ}"
    digest_id = build_and_keep(es, profile, local_day, run=run, to=to)
    try:
        delivery = send_kept(es, digest_id)
    except RefusedForNow as e:  # kept as sent to the others; no Airflow retries here
        _report(local_day, e.delivery, sent="sent to")
    except MayHaveArrived as e:  # fails, saying so, after the command for those refused
        _report(local_day, e.delivery, sent="may have reached")
        raise
    else:
        _report(local_day, delivery, sent="sent to")  # said before it is kept, which may fail
        mark_sent(es, digest_id, delivery)
    console.print(f"Kept in earshot-digests as {escape(digest_id)}")


def _report(day: LocalDay, delivery: Delivery, *, sent: str) -> None:
    """Who has the digest, who the mail server refused, and the command that mails those it
    refused for now."""
    console.print(f"Digest for {day.day} {sent} {escape(', '.join(delivery.accepted))}")
    if delivery.refused_for_good:
        console.print(
            "[red]Refused for good by the mail server (check the address):[/red] "
            + escape(", ".join(delivery.refused_for_good))
        )
    if later := delivery.refused_for_now:
        to_each = [arg for reader in later for arg in ("--to", reader)]
        console.print(
            f"[yellow]Refused for now by the mail server:[/yellow] {escape(', '.join(later))} "
            "(it asked to be tried later). Send it to them then with:"
        )
        # On a line of its own, never wrapped: pasted, a wrapped command would run without
        # its --to and mail everyone again.
        command = shlex.join(["earshot", "digest", "--date", str(day.day), *to_each])
        console.print(f"  {escape(command)}", soft_wrap=True, highlight=False)


def _day(text: str | None) -> LocalDay:
    if text is None:
        return day_before(datetime.now(FORCE_TIME_ZONE))
    try:
        return LocalDay(date.fromisoformat(text))
    except ValueError as e:
        raise typer.BadParameter(
            f"{text!r} is not a date like 2026-11-20", param_hint="--date"
        ) from e
