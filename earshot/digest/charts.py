"""The digest's charts as PNG images, drawn from the figures alone.

Email clients show neither SVG nor scripts, so each chart is a PNG sent inside the email
and referenced by Content-ID. Drawn with matplotlib's object API on the Agg canvas (no
pyplot, no display, no global state), at twice the size it is shown for sharp screens.
Each chart carries an alt text with its numbers, for readers who block images.
"""

from __future__ import annotations

import io
from collections.abc import Sequence

from matplotlib.figure import Figure

from earshot.digest import words
from earshot.digest.model import Chart, Figures, Hour, Tally

WIDTH_PX = 600  # as shown in the email
DPI = 200
NEGATIVE = "#b03a2e"
NEUTRAL = "#b8c0c8"
POSITIVE = "#2e7d4f"
BARS = "#1f4e79"
USUAL = "#1b2633"
INK = "#333333"


def draw(figures: Figures) -> tuple[Chart, ...]:
    """The charts worth drawing: none on a quiet day, none for an empty tally."""
    if figures.quiet:
        return ()
    charts = [tone_by_hour(figures.hours)]
    for name, title, tallies, label in (
        ("topics", "Mentions by topic", figures.topics, lambda t: words.topic(t.name)),
        ("places", "Mentions by place", figures.places, lambda t: t.name),
        ("sources", "Mentions by platform and source", figures.sources, _source),
    ):
        if tallies:
            charts.append(bars(name, title, tallies, label))
    return tuple(charts)


def tone_by_hour(hours: Sequence[Hour]) -> Chart:
    """Stacked bars of the day's mentions per local hour by tone toward the force, over the
    range of negative mentions seen in the same hour on the seven days before."""
    x = list(range(len(hours)))
    negative = [h.negative for h in hours]
    neutral = [h.neutral for h in hours]
    positive = [h.positive for h in hours]
    low = [h.usual_negative_low for h in hours]
    high = [h.usual_negative_high for h in hours]
    fig, ax = _canvas(2.9)
    ax.bar(x, negative, color=NEGATIVE, label="negative", zorder=2)
    ax.bar(x, neutral, bottom=negative, color=NEUTRAL, label="neutral", zorder=2)
    ax.bar(
        x,
        positive,
        bottom=[n + u for n, u in zip(negative, neutral, strict=True)],
        color=POSITIVE,
        label="positive",
        zorder=2,
    )
    # The week's band goes over the bars, so a red bar standing above it stands out.
    ax.fill_between(
        x,
        low,
        high,
        step="mid",
        color=USUAL,
        alpha=0.13,
        linewidth=0,
        zorder=3,
        label="usual range of negative (7 days before)",
    )
    ax.step(x, high, where="mid", color=USUAL, linewidth=0.8, zorder=3)
    ax.step(
        x,
        [h.usual_negative_mean for h in hours],
        where="mid",
        color=USUAL,
        linestyle="--",
        linewidth=1,
        label="usual negative (7-day average)",
        zorder=3,
    )
    ticks = [i for i, h in enumerate(hours) if h.start.hour % 3 == 0 and h.start.minute == 0]
    ax.set_xticks(ticks, [f"{hours[i].start:%H:%M}" for i in ticks])
    ax.set_xlim(-0.6, len(hours) - 0.4)
    ax.set_ylabel("mentions", color=INK, fontsize=8)
    ax.yaxis.get_major_locator().set_params(integer=True)
    ax.legend(fontsize=7.5, frameon=False, ncols=3, loc="lower left", bbox_to_anchor=(0, 1.0))
    busiest = max(hours, key=lambda h: h.mentions, default=None)
    alt = (
        f"Tone toward the force hour by hour over {len(hours)} hours: "
        f"{sum(negative)} negative, {sum(neutral)} neutral, {sum(positive)} positive"
        + (
            f"; busiest hour {busiest.start:%H:%M} with {busiest.mentions}"
            if busiest and busiest.mentions
            else ""
        )
    )
    return Chart(
        "tone-by-hour@earshot", "tone-by-hour.png", "Tone toward the force", alt, _png(fig)
    )


def bars(name: str, title: str, tallies: Sequence[Tally], label) -> Chart:
    """Horizontal bars, largest at the top, each with its count at its end."""
    shown = list(tallies)[::-1]
    fig, ax = _canvas(0.6 + 0.28 * len(shown))
    positions = range(len(shown))
    ax.barh(positions, [t.mentions for t in shown], color=BARS, height=0.65)
    ax.set_yticks(list(positions), [label(t) for t in shown], fontsize=8.5)
    ax.tick_params(left=False)
    for y, tally in zip(positions, shown, strict=True):
        ax.text(tally.mentions, y, f" {tally.mentions}", va="center", fontsize=8, color=INK)
    ax.set_xlim(0, max(t.mentions for t in shown) * 1.15)
    ax.xaxis.set_visible(False)
    ax.spines["bottom"].set_visible(False)
    alt = f"{title}: " + ", ".join(f"{label(t)} {t.mentions}" for t in tallies)
    return Chart(f"{name}@earshot", f"{name}.png", title, alt, _png(fig))


def _source(tally: Tally) -> str:
    return words.source(tally.name, tally.platform)


def _canvas(height_in: float):
    fig = Figure(figsize=(WIDTH_PX / 100, height_in), dpi=DPI, layout="constrained")
    ax = fig.add_subplot()
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.tick_params(labelsize=8, colors=INK)
    return fig, ax


def _png(fig: Figure) -> bytes:
    out = io.BytesIO()
    fig.savefig(out, format="png", dpi=DPI, metadata={"Software": None})
    return out.getvalue()
