"""The digest handed to the mail server (earshot.core.mail), to the profile's recipients."""

from __future__ import annotations

from earshot.core.mail import FINAL_REPLY_SECONDS, Delivery, DeliveryError, send_mail
from earshot.digest.message import as_email
from earshot.digest.model import Chart
from earshot.digest.render import Rendered

__all__ = ["Delivery", "DeliveryError", "send"]


def send(
    rendered: Rendered,
    charts: tuple[Chart, ...],
    recipients: list[str],
    *,
    key: str,
    only_to: tuple[str, ...] = (),
    attempts: int = 3,
    pause_seconds: float = 5.0,
    final_reply_seconds: float = FINAL_REPLY_SECONDS,
) -> Delivery:
    """`key` names this digest (its archive id): every try carries one Message-ID, the
    tries `only_to` those refused for now too."""
    if not recipients:
        raise DeliveryError("no recipients: set recipients.digest in the profile, or use --to")
    return send_mail(
        lambda sender: as_email(rendered, charts, sender=sender, recipients=recipients, key=key),
        recipients,
        what="digest",
        only_to=only_to,
        attempts=attempts,
        pause_seconds=pause_seconds,
        final_reply_seconds=final_reply_seconds,
    )
