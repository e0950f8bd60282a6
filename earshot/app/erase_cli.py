"""`earshot erase` (a person's right to erasure) and `earshot audit` (who changed what)."""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from earshot.core.safe_text import for_console

console = Console()


def erase_command(
    url: Annotated[str | None, typer.Option("--url", help="The address of one post.")] = None,
    author: Annotated[
        str | None, typer.Option("--author", help="A handle, with or without @.")
    ] = None,
    yes: Annotated[
        bool, typer.Option("--yes", help="Erase. Without it, only count what would go.")
    ] = False,
) -> None:
    """Remove a person's mentions from mentions, alert evidence and kept digests.

    Without --yes nothing changes and only counts are shown, so that a look before
    erasing cannot become a way to list one person's posts; for --url, the mentions at that
    address are listed too (the address is already known), to check the erasure reaches
    that post and no other before it is done."""
    from earshot.governance.erasure import by_author, by_url, erase
    from earshot.store.connection import connect

    if (url is None) == (author is None):
        raise typer.BadParameter("give exactly one of --url URL or --author HANDLE")
    try:
        person = by_url(url) if url is not None else by_author(author or "")
    except ValueError as e:  # what was typed: empty, or not an address
        raise typer.BadParameter(str(e)) from e
    done = erase(connect(), person, apply=yes)
    counts = done.counts()
    summary = (
        f"{counts['mentions']} mentions, {counts['alert_evidence']} alert evidence entries "
        f"in {counts['alerts']} alerts, {counts['digests']} kept digests"
    )
    if not yes:
        console.print(f"Would erase {summary}.")
        if url is not None:
            for mention in done.found:
                console.print(f"  mention {mention.id} {for_console(mention.link or '')}")
        console.print("Run again with --yes to erase.")
        return
    if not done.recorded:
        console.print("Nothing to erase: no mention, alert or digest holds it. Nothing recorded.")
        return
    console.print(f"Erased {summary}; recorded in the audit trail as {done.target}.")
    for place, ids in done.changed().items():
        for item in ids:
            console.print(f"  {place} {for_console(item)}")


def audit_command(
    action: Annotated[
        str | None, typer.Option("--action", help="Only this action, e.g. erasure.")
    ] = None,
    limit: Annotated[int, typer.Option("--limit", min=1, max=10_000)] = 50,
) -> None:
    """The audit trail, newest first: who changed what, when, from what to what."""
    from earshot.store import audit as audit_trail
    from earshot.store.connection import connect

    records = audit_trail.history(connect(), action=action, size=limit)
    if not records:
        console.print("No audit records" + (f" of {for_console(action)}." if action else "."))
        return
    table = Table("when (UTC)", "action", "target", "who", "before", "after")
    for r in records:
        table.add_row(
            *(
                for_console(cell)
                for cell in (
                    r["@timestamp"][:19].replace("T", " "),
                    r["action"],
                    r["target"],
                    f"{r.get('actor', {}).get('name')} ({audit_trail.principal(r)})",
                    _compact(r.get("before")),
                    _compact(r.get("after")),
                )
            )
        )
    console.print(table)


def _compact(change: dict | None) -> str:
    return json.dumps(change, sort_keys=True, separators=(",", ":")) if change else ""
