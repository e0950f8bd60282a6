"""The digest handed to the mail server (earshot.core.mail), to the profile's recipients."""

from __future__ import annotations

from earshot.core.mail import Delivery, DeliveryError, send_mail
from earshot.digest.message import as_email
from earshot.digest.model import Chart
from earshot.digest.render import Rendered

__all__ = ["Delivery", "DeliveryError", "send"]


def send(
    rendered: Rendered,
    charts: tuple[Chart, ...],
    recipients: list[str],
    *,
    attempts: int = 3,
    pause_seconds: float = 5.0,
) -> Delivery:
    if not recipients:
        raise DeliveryError("no recipients: set recipients.digest in the profile, or use --to")
    return send_mail(
        lambda sender: as_email(rendered, charts, sender=sender, recipients=recipients),
        recipients,
        what="digest",
        attempts=attempts,
        pause_seconds=pause_seconds,
    )
