"""An alert as an email (plain text + HTML), sent through the same Airflow SMTP connection
as the digest (`smtp_default`), so IT configures mail once.

Only a few quick tries here: a delivery that still fails is recorded on the alert and
tried again on the next run (alerts/notify.py), so a mail outage loses nothing.
"""

from __future__ import annotations

from earshot.alerts.summary import Summary
from earshot.core.mail import Delivery, addressed, send_mail, text_and_html
from earshot.core.templates import template_environment

TRIES = 2
PAUSE_SECONDS = 1.0
# Shorter than the 10 minutes RFC 5321 allows: alert deliveries share a 5-minute task, and
# an email without an answer by then is recorded as unknown, never sent twice.
FINAL_REPLY_SECONDS = 120.0

_ENV = template_environment("earshot.alerts")


def subject(summary: Summary) -> str:
    return f"Earshot alert: {summary.headline}"


def send_alert_email(
    summary: Summary, recipients: list[str], *, only_to: tuple[str, ...] = ()
) -> Delivery:
    """To `only_to` alone when given (those the mail server refused for now last time), as
    earshot.core.mail.send_mail says. Raises DeliveryError when the mail server will not take
    it, and OutcomeUnknown when it was sent but not answered."""
    text = _ENV.get_template("alert.txt.j2").render(s=summary)
    html = _ENV.get_template("alert.html.j2").render(s=summary)
    return send_mail(
        lambda sender: addressed(
            text_and_html(text, html),
            subject=subject(summary),
            sender=sender,
            recipients=recipients,
            key=f"alert {summary.alert_id}",
        ),
        recipients,
        what=f"alert {summary.alert_id} email",
        only_to=only_to,
        attempts=TRIES,
        pause_seconds=PAUSE_SECONDS,
        final_reply_seconds=FINAL_REPLY_SECONDS,
    )
