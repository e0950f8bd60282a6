"""What an alert says, in the duty officer's words: the same facts for the email, Slack and
Teams, so every channel tells the same story.

Everything that came from the public (titles, terms, places, source names) passes
`neutral` here, once: one line, no control characters, nothing tag-like. Each channel then
escapes for its own markup (HTML, Slack mrkdwn, Adaptive Card text); links pass
`safe_link`, so only web links can be clicked.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from earshot.alerts.model import Alert, Evidence
from earshot.alerts.registry import rule_named
from earshot.core.clock import FORCE_TIME_ZONE, on_force_clocks
from earshot.core.desk_links import alerts_link, item_link
from earshot.core.safe_text import TITLE_CHARS, neutral, safe_link

HEADLINE_CHARS = 150
WORD_CHARS = 60


@dataclass(frozen=True)
class MentionLine:
    title: str
    link: str | None
    source: str
    desk: str | None  # its page in the response desk, when the desk's address is set


@dataclass(frozen=True)
class Summary:
    alert_id: str
    headline: str  # the alert's own message, for subjects and titles
    facts: tuple[tuple[str, str], ...]  # (label, value), in reading order
    mentions: tuple[MentionLine, ...]
    terms: tuple[str, ...]
    places: tuple[str, ...]
    sources: tuple[str, ...]
    ack: str  # the command that acknowledges the alert
    desk: str | None  # the desk's alerts page, where it is acknowledged without a terminal


def summarise(alert: Alert, *, desk: str | None = None) -> Summary:
    """`desk`: the response desk's address (earshot.core.desk_links.desk_url)."""
    ev = alert.evidence
    return Summary(
        alert_id=alert.id,
        headline=neutral(alert.message, HEADLINE_CHARS) or rule_named(alert.rule).headline,
        facts=_facts(alert),
        mentions=tuple(
            MentionLine(
                title=neutral(m.shown_title, TITLE_CHARS) or "(untitled)",
                link=safe_link(m.url),
                source=neutral(m.source, WORD_CHARS),
                desk=item_link(desk, m.id) if desk else None,
            )
            for m in ev.mentions
        ),
        terms=_words(ev.terms),
        places=_words(ev.places),
        sources=_words(ev.sources),
        ack=f"earshot alerts ack {alert.id}",
        desk=alerts_link(desk) if desk else None,
    )


def _facts(alert: Alert) -> tuple[tuple[str, str], ...]:
    ev = alert.evidence
    rule = rule_named(alert.rule)
    watched = neutral(rule.watched(alert.key), WORD_CHARS)
    facts = [
        ("What fired", f"{rule.headline} ({watched})"),
        ("Count", rule.counted(alert.key, ev)),
        ("How unusual", _chance(ev.probability)),
    ]
    if ev.share is not None:
        usual = f" (usually {ev.baseline_share:.0%})" if ev.baseline_share is not None else ""
        facts.append(("Negative share", f"{ev.share:.0%}{usual}"))
    facts.append(("Window", _window(ev)))
    if ev.event is not None:
        e = ev.event
        facts.append(
            (
                "Known event",
                f"{neutral(e.name, HEADLINE_CHARS)} ({e.kind}), {on_force_clocks(e.start)} to "
                f"{on_force_clocks(e.end)}: judged against a raised threshold",
            )
        )
    facts.append(("Status", alert.status))
    return tuple(facts)


def _chance(probability: float) -> str:
    """Odds read faster than exponents at 3 a.m."""
    if probability < 1e-6:
        return "less than a 1 in a million chance at the usual rate"
    return f"a 1 in {round(1 / probability):,} chance at the usual rate"


def _window(ev: Evidence) -> str:
    """The zone once, unless the clocks changed inside the window: the night they go back,
    "01:00 to 01:00 GMT" would read as no time at all. Its length is the evidence's own: a
    source silent ten hours was not silent for its rule's six; and a window over more than
    one day (a silence) names both days."""
    length = _length(ev.window_end - ev.window_start)  # in UTC: on UK clocks, wall time
    start = ev.window_start.astimezone(FORCE_TIME_ZONE)
    end = ev.window_end.astimezone(FORCE_TIME_ZONE)
    if start.date() != end.date():
        return f"{length}, {_moment(start)} to {_moment(end)}"
    day = f"{start:%a} {start.day} {start:%b %Y}"
    begins = f"{start:%H:%M}" if start.tzname() == end.tzname() else f"{start:%H:%M %Z}"
    return f"{length}, {begins} to {end:%H:%M %Z} on {day}"


def _moment(at: datetime) -> str:
    return f"{at:%H:%M %Z} on {at:%a} {at.day} {at:%b %Y}"


def _length(span: timedelta) -> str:
    """Minutes for a spike's window, hours or days for a silence."""
    minutes = round(span / timedelta(minutes=1))
    if minutes < 120:
        return f"{minutes} minutes"
    hours = span / timedelta(hours=1)
    return f"{hours:.1f} hours" if hours < 72 else f"{hours / 24:.1f} days"


def _words(words: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(w for w in (neutral(w, WORD_CHARS) for w in words) if w)
