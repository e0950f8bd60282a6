"""The digest as one MIME message: multipart/related holding a multipart/alternative
(text/plain, then text/html) and the charts as inline image/png parts whose Content-IDs
the HTML references with cid:, so no client has to fetch anything from outside.
"""

from __future__ import annotations

from email.message import EmailMessage

from earshot.core.mail import addressed, text_and_html
from earshot.digest.model import Chart
from earshot.digest.render import Rendered


def as_email(
    rendered: Rendered, charts: tuple[Chart, ...], *, sender: str, recipients: list[str], key: str
) -> EmailMessage:
    body = text_and_html(rendered.text, rendered.html)
    if charts:
        message = EmailMessage()
        message.make_related()  # empty, so the alternative goes in whole as its first part
        message.set_param("type", "multipart/alternative")
        message.attach(body)
        for chart in charts:
            message.add_related(
                chart.png,
                "image",
                "png",
                cid=f"<{chart.cid}>",
                disposition="inline",  # shown where the HTML puts it, not listed as attached
                filename=chart.filename,
            )
    else:
        message = body  # a quiet day has no charts: text and HTML alone
    return addressed(
        message, subject=rendered.subject, sender=sender, recipients=recipients, key=key
    )
