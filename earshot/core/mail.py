"""Every Earshot email goes out here, through the Airflow SMTP connection (`smtp_default`)
the one Airflow's own emails use, so IT configures mail once: AIRFLOW_CONN_SMTP_DEFAULT,
e.g. smtp://user:pass@mail.example:587?from_email=earshot%40force.example (STARTTLS), with
`disable_tls=true&disable_ssl=true` only for a plain relay on the same host.

Transient failures (connection refused or dropped, a 4xx reply) are tried again a few
times here; the DAG's task retries cover longer outages. A 5xx reply (bad address,
authentication refused) is not tried again: it will not mend itself.
"""

from __future__ import annotations

import logging
import smtplib
import time
from collections.abc import Callable
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from earshot.core.connections import airflow_connection, credentials
from earshot.core.errors import EarshotError

SMTP_CONNECTION = "smtp_default"

log = logging.getLogger(__name__)


class DeliveryError(EarshotError):
    """A message could not be handed to the mail server."""


class SenderMissing(DeliveryError):
    """The mail connection names no sender: no email could ever go out, so nothing retries."""


def mail_sender(conn_id: str = SMTP_CONNECTION) -> str:
    """The address every Earshot email comes from: the connection's `from_email` extra, set
    once where IT sets mail up. Checked before a digest is built, not only when it is sent."""
    sender = credentials(conn_id).extra.get("from_email")
    if not sender:
        raise SenderMissing(
            f"connection {conn_id!r} has no from_email: add ?from_email=<address> to "
            f"AIRFLOW_CONN_{conn_id.upper()} (URL-encode the @ as %40)"
        )
    return sender


@dataclass(frozen=True)
class Delivery:
    message_id: str
    accepted: tuple[str, ...]
    refused: tuple[str, ...]  # refused by the server while others were accepted


def text_and_html(text: str, html: str) -> EmailMessage:
    """multipart/alternative: clients that cannot or will not show HTML show the text."""
    body = EmailMessage()
    body.set_content(text, subtype="plain", cte="quoted-printable")
    body.add_alternative(html, subtype="html", cte="quoted-printable")
    return body


def addressed(
    message: EmailMessage, *, subject: str, sender: str, recipients: list[str]
) -> EmailMessage:
    """The headers every Earshot email carries."""
    message["Subject"] = subject
    message["From"] = sender
    message["To"] = ", ".join(recipients)
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2] or None)
    message["Auto-Submitted"] = "auto-generated"  # RFC 3834: no out-of-office replies
    return message


def send_mail(
    compose: Callable[[str], EmailMessage],
    recipients: list[str],
    *,
    what: str,
    conn_id: str = SMTP_CONNECTION,
    attempts: int = 3,
    pause_seconds: float = 5.0,
) -> Delivery:
    """Any Earshot email (the digest, an alert): `compose` builds it for the sender address
    the connection names, so every email comes from where IT configured mail once."""
    for attempt in range(1, attempts + 1):
        try:
            return _send_once(compose, recipients, conn_id)
        except smtplib.SMTPRecipientsRefused as e:
            raise DeliveryError(f"every recipient was refused: {e.recipients}") from e
        except smtplib.SMTPResponseException as e:
            if not 400 <= e.smtp_code < 500 or attempt == attempts:
                raise DeliveryError(f"mail server said {e.smtp_code} {e.smtp_error!r}") from e
            error: Exception = e
        except OSError as e:  # refused, reset, timed out, disconnected (smtplib's too)
            if attempt == attempts:
                raise DeliveryError(f"cannot reach the mail server: {e}") from e
            error = e
        log.warning("%s not sent (attempt %d of %d): %s", what, attempt, attempts, error)
        time.sleep(pause_seconds * attempt)
    raise AssertionError("unreachable")


def _send_once(
    compose: Callable[[str], EmailMessage], recipients: list[str], conn_id: str
) -> Delivery:
    from airflow.providers.smtp.hooks.smtp import SmtpHook  # Airflow loads only to send

    sender = mail_sender(conn_id)
    hook = SmtpHook(smtp_conn_id=conn_id)
    # Its own lookup skips the metadata database outside a task, and is retried when missing.
    hook.get_connection = airflow_connection  # type: ignore[method-assign]
    with hook:
        message = compose(sender)
        # The hook connects and logs in the way the connection says (SSL, STARTTLS, OAuth2),
        # but its own send builds a mixed-HTML message with no text part and no inline
        # images; so the message is handed to the client the hook opened.
        refused = hook._smtp_client.send_message(message, from_addr=sender, to_addrs=recipients)
    return Delivery(
        message_id=message["Message-ID"],
        accepted=tuple(r for r in recipients if r not in refused),
        refused=tuple(sorted(refused)),
    )
