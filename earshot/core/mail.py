"""Every Earshot email goes out here, through the Airflow SMTP connection (`smtp_default`)
the one Airflow's own emails use, so IT configures mail once: AIRFLOW_CONN_SMTP_DEFAULT,
e.g. smtp://user:pass@mail.example:587?from_email=earshot%40force.example (STARTTLS), with
`disable_tls=true&disable_ssl=true` only for a plain relay on the same host.

Transient failures (connection refused or dropped, a 4xx reply) are tried again a few
times here; the DAG's task retries cover longer outages. A 5xx reply (bad address,
authentication refused) is not tried again: it will not mend itself. Once the message itself
has gone out it is never sent again: a slow relay may answer its end late (RFC 5321
§4.5.3.2.6 allows 10 minutes), and a timeout or dropped connection then is OutcomeUnknown,
since the relay may well deliver it. So recipients refused while others were taken (in
this try, or an earlier one: `only_to`) are only returned (with those refused for now, by a
4yz, apart: RFC 5321 §4.2.1), for the caller to try again later on their own. Every try of
one email carries one Message-ID, so a copy that does arrive twice is recognisable.
"""

from __future__ import annotations

import hashlib
import logging
import smtplib
import time
from collections.abc import Callable
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate

from earshot.core.connections import airflow_connection, credentials
from earshot.core.errors import EarshotError, OutcomeUnknown

SMTP_CONNECTION = "smtp_default"
FINAL_REPLY_SECONDS = 600.0  # RFC 5321 §4.5.3.2.6: the reply to the message's end

log = logging.getLogger(__name__)


class DeliveryError(EarshotError):
    """A message could not be handed to the mail server."""


class RefusedForGood(DeliveryError):
    """A 5yz reply (authentication refused, no such address): the same request would be
    refused again (RFC 5321 §4.2.1), so no retry, here or the task's, is made."""


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
    refused: tuple[str, ...]  # refused while others have it (now, or on an earlier try)
    refused_for_now: tuple[str, ...] = ()  # of those, refused with a 4yz: try again later

    @property
    def refused_for_good(self) -> tuple[str, ...]:
        """Refused with a 5yz: asking again gets the same answer (RFC 5321 §4.2.1)."""
        return tuple(r for r in self.refused if r not in self.refused_for_now)

    def and_retry(self, retry: Delivery) -> Delivery:
        """This delivery once `retry` (the same email sent `only_to` those it refused for
        now) is done: who has it now, and who still has not."""
        return Delivery(
            message_id=self.message_id,
            accepted=(*self.accepted, *retry.accepted),
            refused=tuple(sorted({*self.refused_for_good, *retry.refused})),
            refused_for_now=retry.refused_for_now,
        )


def text_and_html(text: str, html: str) -> EmailMessage:
    """multipart/alternative: clients that cannot or will not show HTML show the text."""
    body = EmailMessage()
    body.set_content(text, subtype="plain", cte="quoted-printable")
    body.add_alternative(html, subtype="html", cte="quoted-printable")
    return body


def addressed(
    message: EmailMessage, *, subject: str, sender: str, recipients: list[str], key: str
) -> EmailMessage:
    """The headers every Earshot email carries. `key` says which email it is (the digest's
    archive id, the alert's id): with the recipients it makes the Message-ID, the same on
    every try, so mail clients and staff see a duplicate as one email."""
    digest = hashlib.sha256("\n".join([key, *recipients]).encode()).hexdigest()[:32]
    message["Subject"] = subject
    message["From"] = sender
    message["To"] = ", ".join(recipients)
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = f"<earshot.{digest}@{sender.rpartition('@')[2] or 'earshot'}>"
    message["Auto-Submitted"] = "auto-generated"  # RFC 3834: no out-of-office replies
    return message


def each_once(addresses: list[str]) -> list[str]:
    """A mailbox listed twice gets one copy, not two. A domain is the same in any case (RFC
    5321 §2.4); a local part may not be, so a second spelling of it is a second reader."""
    first: dict[tuple[str, str], str] = {}
    for address in addresses:
        local, _, domain = address.rpartition("@")
        first.setdefault((local, domain.casefold()), address)
    return list(first.values())


def send_mail(
    compose: Callable[[str], EmailMessage],
    recipients: list[str],
    *,
    what: str,
    only_to: tuple[str, ...] = (),
    conn_id: str = SMTP_CONNECTION,
    attempts: int = 3,
    pause_seconds: float = 5.0,
    final_reply_seconds: float = FINAL_REPLY_SECONDS,
) -> Delivery:
    """Any Earshot email (the digest, an alert): `compose` builds it for the sender address
    the connection names, so every email comes from where IT configured mail once. Given
    `only_to` (those a Delivery refused for now), it goes to them alone, still addressed to
    all `recipients`: the same email with the same Message-ID, and no second copy for those
    who have it; those it refuses again are returned, since the email reached the others.
    Raises DeliveryError when it was taken for nobody, OutcomeUnknown when it went out and no
    answer came within `final_reply_seconds` (keep that inside the task's execution_timeout)."""
    envelope = list(only_to or recipients)
    for attempt in range(1, attempts + 1):
        try:
            delivery = _send_once(compose, envelope, conn_id, final_reply_seconds)
        except smtplib.SMTPResponseException as e:
            said = f"mail server said {e.smtp_code} {e.smtp_error!r}"
            if e.smtp_code >= 500:
                raise RefusedForGood(said) from e
            if e.smtp_code < 400 or attempt == attempts:
                raise DeliveryError(said) from e
            error: Exception = e
        except OSError as e:  # refused, reset, timed out, disconnected (smtplib's too)
            if attempt == attempts:
                raise DeliveryError(f"cannot reach the mail server: {e}") from e
            error = e
        else:
            if delivery.accepted or only_to:
                return delivery
            failure = DeliveryError if delivery.refused_for_now else RefusedForGood
            raise failure(f"the mail server refused every recipient: {', '.join(envelope)}")
        log.warning("%s not sent (attempt %d of %d): %s", what, attempt, attempts, error)
        time.sleep(pause_seconds * attempt)
    raise AssertionError("unreachable")


def _send_once(
    compose: Callable[[str], EmailMessage],
    recipients: list[str],
    conn_id: str,
    final_reply_seconds: float,
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
        refused = _hand_over(hook._smtp_client, message, sender, recipients, final_reply_seconds)
    return _delivery(message, recipients, refused)


def _delivery(
    message: EmailMessage, recipients: list[str], refused: dict[str, tuple[int, bytes]]
) -> Delivery:
    """Who the mail server took the message for, and who it refused (logged)."""
    for recipient, (code, reply) in sorted(refused.items()):
        log.warning(
            "the mail server refused %s: %d %s", recipient, code, reply.decode(errors="replace")
        )
    return Delivery(
        message_id=message["Message-ID"],
        accepted=tuple(r for r in recipients if r not in refused),
        refused=tuple(sorted(refused)),
        refused_for_now=tuple(sorted(r for r, (code, _) in refused.items() if 400 <= code < 500)),
    )


class MayHaveArrived(OutcomeUnknown):
    """OutcomeUnknown once the envelope was answered: `delivery` names those the message
    may have reached (accepted) and those refused before it went out, who cannot have it."""

    def __init__(self, message: str, delivery: Delivery):
        super().__init__(message)
        self.delivery = delivery


def _hand_over(
    client: smtplib.SMTP,
    message: EmailMessage,
    sender: str,
    recipients: list[str],
    final_reply_seconds: float,
) -> dict[str, tuple[int, bytes]]:
    """smtplib's send_message, except that from DATA on a lost or late answer is
    OutcomeUnknown, not an error to try again: the relay may have the message already. The
    refused recipients are returned, as send_message does; refused all, nothing is sent."""
    client.ehlo_or_helo_if_needed()
    code, reply = client.mail(sender)
    if code != 250:
        raise smtplib.SMTPSenderRefused(code, reply, sender)
    refused = {}
    for recipient in recipients:
        code, reply = client.rcpt(recipient)
        if code not in (250, 251):
            refused[recipient] = (code, reply)
    if len(refused) == len(recipients):
        return refused
    assert client.sock is not None  # connected: the envelope was just accepted
    client.sock.settimeout(final_reply_seconds)
    try:
        code, reply = client.data(message.as_bytes(policy=message.policy.clone(linesep="\r\n")))
    except smtplib.SMTPResponseException:
        raise  # a reply came: the relay said what happened
    except OSError as e:  # no reply: timed out, or the connection dropped
        raise MayHaveArrived(
            f"the mail server was sent {message['Message-ID']} but did not answer ({e}): it "
            "may deliver it, so it is not sent again",
            _delivery(message, recipients, refused),
        ) from e
    if code != 250:
        raise smtplib.SMTPDataError(code, reply)
    return refused
