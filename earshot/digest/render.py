"""The digest as an email: an HTML body that Outlook and Gmail both render (tables, inline
styles, nothing fetched from outside) and a plain-text body with the same content.

Templates live in digest/templates/. The HTML one is autoescaped; every piece of the
public's text also passes the `public` filter first (privacy.neutral), so neither body can
carry markup, control characters or a forged layout, whatever a post contained.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from dataclasses import dataclass

from jinja2 import Environment

from earshot.core.desk_links import alerts_link, item_link
from earshot.core.kibana_links import discover_url, flag_query
from earshot.core.safe_text import SNIPPET_CHARS, neutral
from earshot.core.templates import template_environment
from earshot.digest import words
from earshot.digest.model import Chart, Figures

ALL_FLAGGED = "_exists_:earshot.risk_flags"


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    html: str


def by_content_id(chart: Chart) -> str:
    """As mailed: the image travels in the email, referenced by its Content-ID."""
    return f"cid:{chart.cid}"


def as_data_uri(chart: Chart) -> str:
    """For a file opened in a browser (the preview), which cannot follow cid: references."""
    return "data:image/png;base64," + base64.b64encode(chart.png).decode("ascii")


def render(
    figures: Figures,
    charts: tuple[Chart, ...],
    *,
    kibana: str | None,
    desk: str | None = None,
    image_src: Callable[[Chart], str] = by_content_id,
) -> Rendered:
    """`desk`: the response desk's address; each listed mention and the alerts then link
    to it, where the reader can act on them."""
    context = {
        "f": figures,
        "h": figures.headline,
        "charts": {chart.cid.split("@")[0]: chart for chart in charts},
        "image_src": image_src,
        "flag_links": _flag_links(figures, kibana),
        "all_flagged_link": _link(figures, kibana, ALL_FLAGGED),
        "all_flagged_query": ALL_FLAGGED,
        "desk_link": lambda item: item_link(desk, item.id) if desk else None,
        "desk_alerts": alerts_link(desk) if desk else None,
        "date": f"{figures.day.day:%A} {figures.day.day.day} {figures.day.day:%B %Y}",
        "clock_note": _clock_note(figures),
        "words": words,
        "rows": {
            "topics": [(words.topic(t.name), t.mentions) for t in figures.topics],
            "places": [(t.name, t.mentions) for t in figures.places],
            "sources": [(words.source(t.name, t.platform), t.mentions) for t in figures.sources],
        },
    }
    return Rendered(
        subject=subject(figures),
        text=_ENV.get_template("digest.txt.j2").render(context),
        html=_ENV.get_template("digest.html.j2").render(context),
    )


def subject(figures: Figures) -> str:
    """The numbers a reader decides on, before opening the email."""
    day = figures.headline.day
    when = f"{figures.day.day:%a} {figures.day.day.day} {figures.day.day:%b}"
    if figures.quiet:
        return f"Earshot digest, {when}: a quiet day ({_mentions(day.mentions)})"
    negative = f", {pct(day.share_negative)} negative" if day.mentions else ""
    return (
        f"Earshot digest, {when}: {_mentions(day.mentions)}{negative}, "
        f"{day.needing_response} needing a response"
    )


def pct(share: float | None) -> str:
    return "\u2013" if share is None else f"{share:.0%}"  # an en dash: no figure


def num(value: float) -> str:
    """Whole numbers as they are; averages to one decimal place."""
    return str(int(value)) if float(value).is_integer() else f"{value:.1f}"


def change(now: float | None, before: float | None, *, share: bool = False) -> str:
    """ "▲ 3" / "▼ 4 pts" / "same": the direction first, for a reader who only glances."""
    if now is None or before is None:
        return ""
    diff = (now - before) * (100 if share else 1)
    if abs(diff) < 0.05:
        return "same"
    unit = " pts" if share else ""
    return f"{'▲' if diff > 0 else '▼'} {num(round(abs(diff), 1))}{unit}"


def _mentions(count: int) -> str:
    return f"{count} mention" + ("" if count == 1 else "s")


def _clock_note(figures: Figures) -> str:
    hours = figures.day.hours
    if hours == 24:
        return ""
    went = "back" if hours == 25 else "forward"
    return f"{hours} hours: the clocks went {went}"


def _flag_links(figures: Figures, kibana: str | None) -> list[tuple[str, int, str, str | None]]:
    """(label, count, Lucene query, Discover link or None) for each flag of the day."""
    return [
        (
            words.risk_flag(flag.flag),
            flag.mentions,
            flag_query(flag.flag),
            _link(figures, kibana, flag_query(flag.flag)),
        )
        for flag in figures.risk_flags
    ]


def _link(figures: Figures, kibana: str | None, lucene: str) -> str | None:
    if not kibana:
        return None
    return discover_url(kibana, lucene, figures.day.start, figures.day.end)


def _environment() -> Environment:
    env = template_environment("earshot.digest")
    env.filters["public"] = lambda text, limit=SNIPPET_CHARS: neutral(text, limit)
    env.filters["pct"] = pct
    env.filters["num"] = num
    env.filters["flag"] = words.risk_flag
    env.globals["change"] = change
    return env


_ENV = _environment()
