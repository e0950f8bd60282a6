"""How figures from the store are shown in a terminal."""

from __future__ import annotations

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from store.queries import Listed, MentionCounts


def print_counts(console: Console, counts: MentionCounts) -> None:
    console.print(f"Mentions indexed: [bold]{counts.total}[/bold]")
    for title, figures in (
        ("source", counts.by_source),
        ("tone", counts.by_tone),
        ("tone toward the force", counts.by_toward_force),
    ):
        table = Table(title=f"Mentions by {title}")
        table.add_column(title)
        table.add_column("mentions", justify="right")
        for key, count in sorted(figures.items(), key=lambda kv: -kv[1]):
            table.add_row(escape(key), str(count))
        console.print(table)


def print_most_negative(console: Console, mentions: list[Listed]) -> None:
    console.print("\n[bold]Most negative toward the force[/bold]")
    for m in mentions:
        console.print(
            f"  {m.toward_force:+.2f}  {escape(f'[{m.source}]')} {escape(m.title)}", soft_wrap=True
        )
        console.print(f"         {escape(m.url or '(no link)')}", soft_wrap=True)


def print_response_queue(console: Console, mentions: list[Listed]) -> None:
    console.print("\n[bold]Needs a response, most urgent first[/bold]")
    for m in mentions:
        console.print(f"  {m.priority:>3}  {m.action:<22} {escape(m.title)}", soft_wrap=True)
        console.print(f"       {escape('; '.join(m.reasons))}", soft_wrap=True)
        console.print(f"       {escape(m.url or '(no link)')}", soft_wrap=True)
