"""An alert as a JSON webhook post, for a Slack channel or a Microsoft Teams channel.

The webhook is the Airflow Connection `earshot_alerts_webhook`, found wherever Airflow
keeps connections, like every Earshot credential (earshot/core/connections.py):
JSON form `{"conn_type": "http", "host": "<webhook URL>", "extra": {"format": "teams"}}`,
or URI form `https://hooks.slack.com/services/T…/B…/…?format=slack`. The URL carries the
webhook's token, so it is a secret: it never reaches a log, an error or the alert record.

Public text cannot turn into links or mentions: Slack's `&`, `<` and `>` are escaped (so
no `<!channel>`, no `<url|lure>`); a Teams card holds only RichTextBlock text runs, which
Adaptive Cards never read as markdown.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal, get_args
from urllib.parse import quote, urlencode, urlsplit, urlunsplit

import httpx

from earshot.alerts.summary import Summary
from earshot.core.connections import MissingCredentials, credentials, is_defined
from earshot.core.errors import EarshotError, OutcomeUnknown
from earshot.core.fetch import USER_AGENT, retry_after
from earshot.core.safe_text import neutral

WEBHOOK_CONNECTION = "earshot_alerts_webhook"
TIMEOUT_SECONDS = 10.0
TRIES = 3
PAUSE_SECONDS = 0.5  # doubled after each try: a brief blip mends within the run
MAX_RETRY_AFTER_SECONDS = 10.0  # a longer wait is the next run's job
ERROR_CHARS = 200
SECTION_CHARS = 2900  # Slack takes 3,000 characters in a section's text
HIDDEN = "[webhook URL]"
# Failures before the request could reach the receiver: safe to post again.
NEVER_ARRIVED = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)

Format = Literal["slack", "teams"]

log = logging.getLogger(__name__)


class WebhookError(EarshotError):
    """The webhook is not set up right, or did not take the alert."""


class WebhookRefused(WebhookError):
    """The receiver answered, and refused this alert (4xx): it is up, and may take others."""


@dataclass(frozen=True)
class Webhook:
    url: str
    format: Format

    def __repr__(self) -> str:
        return f"Webhook(***, format={self.format!r})"  # never in a log or a traceback


def webhook_configured() -> bool:
    return is_defined(WEBHOOK_CONNECTION)


def webhook() -> Webhook:
    """The webhook the connection names; a clear error (never the URL) when it is unusable."""
    try:
        found = credentials(WEBHOOK_CONNECTION)
    except MissingCredentials as e:
        raise WebhookError(str(e)) from e
    # JSON form names the whole URL as host; Airflow splits URI form into its parts, the
    # URL's own query landing among the extras.
    extra = found.extra
    url = found.host or ""
    if "://" not in url and found.conn_type in {"http", "https"} and "/" not in url:
        port = f":{found.port}" if found.port else ""
        query = urlencode([(k, v) for k, v in extra.items() if k != "format"])
        url = urlunsplit((found.conn_type, url + port, f"/{found.schema or ''}", query, ""))
    hook_format = str(extra.get("format", "slack")).lower()
    if hook_format not in get_args(Format):
        raise WebhookError(
            f"connection {WEBHOOK_CONNECTION!r}: extra format {hook_format!r} is not one of "
            f"{', '.join(get_args(Format))}"
        )
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"} or not parts.netloc:
        raise WebhookError(
            f"connection {WEBHOOK_CONNECTION!r} has no http(s) webhook URL as its host"
        )
    _HIDE.add(url)
    return Webhook(url=url, format=hook_format)  # type: ignore[arg-type]


def post_alert(summary: Summary, hook: Webhook) -> None:
    """POST the alert. A post that never arrived (no connection), a busy receiver (429) or a
    broken one (5xx) is tried TRIES times, a refusal (4xx) or a redirect (3xx) once. A post
    sent but not answered (a read timeout) is never sent again: a POST is not idempotent
    (RFC 9110 §9.2.2), and the card may already be in the channel. Raises WebhookError when it was
    not taken, OutcomeUnknown when it may have been; the URL is hidden in both."""
    payload = PAYLOADS[hook.format](summary)
    for attempt in range(1, TRIES + 1):
        wait = PAUSE_SECONDS * 2 ** (attempt - 1)
        try:
            response = httpx.post(
                hook.url,
                json=payload,
                headers={"User-Agent": USER_AGENT},
                timeout=TIMEOUT_SECONDS,
            )
        except NEVER_ARRIVED as e:
            error = f"could not reach the webhook: {type(e).__name__}: {e}"
        except httpx.HTTPError as e:  # sent, and then no answer
            raise OutcomeUnknown(
                hide_webhook_url(
                    f"webhook was sent the alert but did not answer ({type(e).__name__}): "
                    "it may be in the channel, so it is not posted again"
                )
            ) from e
        else:
            if response.status_code < 300:
                return
            error = f"HTTP {response.status_code} {response.reason_phrase}"
            if response.status_code < 400:
                # Where it moved is the connection's to say, and its body (like its Location)
                # names the new address, as secret as the old: never in a log.
                raise WebhookError(
                    hide_webhook_url(
                        f"webhook answered with a redirect ({error}): set the connection to "
                        "the webhook's current address"
                    )
                )
            said = neutral(response.text, ERROR_CHARS)
            error += f": {said}" if said else ""
            if response.status_code == 429:
                wait = max(wait, asked_wait(response, datetime.now(UTC)))
            elif response.status_code < 500 and response.status_code != 408:
                raise WebhookRefused(hide_webhook_url(f"webhook refused the alert: {error}"))
        if attempt < TRIES:
            log.warning("webhook try %d of %d failed: %s", attempt, TRIES, hide_webhook_url(error))
            time.sleep(wait)
    raise WebhookError(hide_webhook_url(f"webhook failed after {TRIES} tries: {error}"))


def asked_wait(response: httpx.Response, now: datetime) -> float:
    """Seconds a 429's Retry-After asks for, in either of its forms (as every listener reads
    it), up to MAX_RETRY_AFTER_SECONDS: a longer wait is the next run's."""
    lifts = retry_after(response.headers.get("retry-after", ""), now)
    asked = (lifts - now).total_seconds() if lifts else 0.0
    return min(max(asked, 0.0), MAX_RETRY_AFTER_SECONDS)


# -- keeping the URL secret ------------------------------------------------------------

_HIDE: set[str] = set()  # webhook URLs read this process


def hide_webhook_url(text: str) -> str:
    """`text` with any webhook URL, or its secret path or query alone, shown as HIDDEN."""
    for url in _HIDE:
        parts = urlsplit(url)
        path_and_query = parts.path + ("?" + parts.query if parts.query else "")
        for secret in (url, path_and_query, parts.path, parts.query):
            if len(secret) > 1:
                text = text.replace(secret, HIDDEN)
    return text


class _HideWebhookUrl(logging.Filter):
    """httpx logs every request URL at INFO, which Airflow writes to the task log."""

    def filter(self, record: logging.LogRecord) -> bool:
        if _HIDE:
            record.msg, record.args = hide_webhook_url(record.getMessage()), None
        return True


logging.getLogger("httpx").addFilter(_HideWebhookUrl())


# -- Slack -------------------------------------------------------------------------------


def slack_escape(text: str) -> str:
    """Slack reads `<…>` as links and mentions (`<!channel>`) and `&` as entities."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


_URL_SAFE = ":/?#@!$&'()*+,;=%~"  # all but `|`, `<`, `>` and spaces stay as they are


def _slack_link(text: str, url: str | None) -> str:
    if not url:
        return slack_escape(text)
    return f"<{slack_escape(quote(url, safe=_URL_SAFE))}|{slack_escape(text)}>"


def slack_payload(s: Summary) -> dict:
    """Incoming-webhook JSON: `text` is the notification line, `blocks` the message."""
    blocks: list[dict] = [
        _mrkdwn_section(f":rotating_light: *{slack_escape(s.headline)}*"),
        {
            "type": "section",
            "fields": [
                {"type": "mrkdwn", "text": f"*{label}*\n{slack_escape(value)}"}
                for label, value in s.facts
            ],
        },
    ]
    if s.mentions:
        lines = [
            f"• {_slack_link(m.title, m.link)} ({slack_escape(m.source)})"
            + (f" · {_slack_link('open in the desk', m.desk)}" if m.desk else "")
            for m in s.mentions
        ]
        blocks.append(_mrkdwn_section(_whole_lines("*Top negative mentions*", lines)))
    words = [
        f"*{label}:* {slack_escape(', '.join(values))}"
        for label, values in _word_lists(s)
        if values
    ]
    if words:
        blocks.append({"type": "context", "elements": [_mrkdwn(w) for w in words]})
    in_desk = f"{_slack_link('in the desk', s.desk)}, or " if s.desk else ""
    blocks.append(_mrkdwn_section(f"To acknowledge: {in_desk}`{s.ack}`"))
    return {"text": f"Earshot alert: {slack_escape(s.headline)}", "blocks": blocks}


def _whole_lines(heading: str, lines: list[str]) -> str:
    """As many whole lines as one section holds, and how many more there were: a line cut
    short could end inside a `<url|text>` link, and mentions dropped unsaid look like none."""
    room = SECTION_CHARS - len(f"\n…and {len(lines)} more")
    text = heading
    for shown, line in enumerate(lines):
        if len(text) + 1 + len(line) > room:
            return f"{text}\n…and {len(lines) - shown} more"
        text += "\n" + line
    return text


def _mrkdwn(text: str) -> dict:
    return {"type": "mrkdwn", "text": text[:SECTION_CHARS]}


def _mrkdwn_section(text: str) -> dict:
    return {"type": "section", "text": _mrkdwn(text)}


# -- Microsoft Teams (Workflows: "post to a channel when a webhook request is received") ---


def teams_payload(s: Summary) -> dict:
    """A message with one Adaptive Card attachment, as the Teams workflow trigger expects.
    Only RichTextBlock runs, which are never read as markdown: the markdown-reading elements
    (TextBlock, FactSet) would need backslash escapes, which Teams on phones shows as typed
    (microsoft/AdaptiveCards#5590), and on-call staff read alerts on their phones."""
    body: list[dict] = [
        _rich([_run(s.headline, weight="Bolder", size="Medium", color="Attention")]),
        *(_rich([_run(f"{label}: ", weight="Bolder"), _run(value)]) for label, value in s.facts),
    ]
    if s.mentions:
        body.append(_rich([_run("Top negative mentions", weight="Bolder")], spacing="Medium"))
        for m in s.mentions:
            title = _opens(_run(m.title, color="Accent"), m.link)
            desk = [_opens(_run(" · open in the desk", color="Accent"), m.desk)] if m.desk else []
            body.append(_rich([title, _run(f" · {m.source}", isSubtle=True), *desk]))
    for label, values in _word_lists(s):
        if values:
            body.append(_rich([_run(f"{label}: ", weight="Bolder"), _run(", ".join(values))]))
    in_desk = [_opens(_run("in the desk", color="Accent"), s.desk), _run(", or ")] if s.desk else []
    body.append(
        _rich(
            [_run("To acknowledge: "), *in_desk, _run(s.ack, fontType="Monospace")],
            spacing="Medium",
        )
    )
    card = {
        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
        "type": "AdaptiveCard",
        "version": "1.4",
        "body": body,
        "msteams": {"width": "Full"},
    }
    return {
        "type": "message",
        "attachments": [
            {
                "contentType": "application/vnd.microsoft.card.adaptive",
                "contentUrl": None,
                "content": card,
            }
        ],
    }


def _run(text: str, **style) -> dict:
    return {"type": "TextRun", "text": text, **style}


def _opens(run: dict, url: str | None) -> dict:
    """A text run that opens `url` when clicked; as it was when there is no link."""
    return run | ({"selectAction": {"type": "Action.OpenUrl", "url": url}} if url else {})


def _rich(inlines: list[dict], **options) -> dict:
    return {"type": "RichTextBlock", "inlines": inlines, **options}


def _word_lists(s: Summary) -> list[tuple[str, tuple[str, ...]]]:
    return [("Words standing out", s.terms), ("Places", s.places), ("Sources", s.sources)]


PAYLOADS: dict[str, Callable[[Summary], dict]] = {"slack": slack_payload, "teams": teams_payload}
