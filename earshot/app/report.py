"""How figures from the store are shown in a terminal.

Titles, links and even source names come from the store, and so (through the feeds) from the
public: each goes through `for_console` / `safe_link` so a post cannot clear the screen,
plant a hyperlink or restyle the output (earshot/core/safe_text.py).
"""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from earshot.app.source_health import SourceHealth
from earshot.core.safe_text import for_console, safe_link
from earshot.store.queries import Listed, MentionCounts

NO_HEALTH = (
    "these credentials may not read earshot-cursors; each source's health is shown with "
    "the pipeline's key"
)


def print_counts(console: Console, counts: MentionCounts) -> None:
    console.print(f"Mentions indexed: [bold]{counts.total}[/bold]")
    for title, figures in (
        ("source", counts.by_source),
        ("tone", counts.by_tone),
        ("tone toward the force", counts.by_toward_force),
        ("why it was kept", counts.by_relevance),
    ):
        table = Table(title=f"Mentions by {title}")
        table.add_column(title)
        table.add_column("mentions", justify="right")
        for key, count in sorted(figures.items(), key=lambda kv: -kv[1]):
            table.add_row(for_console(key), str(count))
        console.print(table)


def print_health(console: Console, sources: list[SourceHealth] | None) -> None:
    """Errors and limits are the platforms' own words: shown like any text from outside."""
    if sources is None:
        console.print(f"Sources: {NO_HEALTH}")
        return
    table = Table(title="Sources (times UK)")
    for column in ("source", "last success", "last error", "heard last run", "limits"):
        table.add_column(column)
    for s in sources:
        table.add_row(
            for_console(s.source),
            s.last_success or "never",
            for_console(s.last_error or "none"),
            "" if s.heard_last_run is None else str(s.heard_last_run),
            for_console("; ".join(s.limits)),
        )
    console.print(table)


def print_most_negative(console: Console, mentions: list[Listed]) -> None:
    console.print("\n[bold]Most negative toward the force[/bold]")
    for m in mentions:
        console.print(
            f"  {m.toward_force:+.2f}  {for_console(f'[{m.source}]')} {for_console(m.title)}",
            soft_wrap=True,
        )
        console.print(f"         {_link(m)}", soft_wrap=True)


def print_response_queue(console: Console, mentions: list[Listed]) -> None:
    console.print("\n[bold]Needs a response, most urgent first[/bold]")
    for m in mentions:
        console.print(f"  {m.priority:>3}  {m.action:<22} {for_console(m.title)}", soft_wrap=True)
        console.print(f"       {for_console('; '.join(m.reasons))}", soft_wrap=True)
        console.print(f"       {_link(m)}", soft_wrap=True)


def _link(m: Listed) -> str:
    return for_console(safe_link(m.url) or "(no link)")
