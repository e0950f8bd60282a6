"""The digest's steps, as the DAG's tasks and the `earshot digest` command run them:
build (figures → charts → email bodies, kept in the archive) → send → mark sent.
"""

from __future__ import annotations

import logging
from pathlib import Path

from elasticsearch import ApiError, Elasticsearch, TransportError

from earshot.core.clock import LocalDay
from earshot.core.desk_links import desk_url
from earshot.core.kibana_links import kibana_url
from earshot.core.mail import MayHaveArrived, each_once
from earshot.core.profile import Profile
from earshot.digest import archive
from earshot.digest.charts import draw
from earshot.digest.figures import gather
from earshot.digest.model import Chart, Figures
from earshot.digest.render import Rendered, as_data_uri, render
from earshot.digest.send import Delivery, DeliveryError, send

log = logging.getLogger(__name__)


def build(
    es: Elasticsearch, profile: Profile, day: LocalDay
) -> tuple[Figures, tuple[Chart, ...], Rendered]:
    figures = gather(es, profile, day)
    charts = draw(figures)
    return figures, charts, render(figures, charts, kibana=kibana_url(), desk=desk_url())


def build_and_keep(
    es: Elasticsearch, profile: Profile, day: LocalDay, *, run: str, to: list[str] | None = None
) -> str:
    """Build the day's digest for the profile's digest recipients (or `to`) and keep it;
    returns its archive id. With nobody to send to it fails here, before any work."""
    recipients = each_once(to or profile.recipients.digest)
    if not recipients:
        raise DeliveryError("no recipients: set recipients.digest in the profile, or use --to")
    digest_id = archive.id_of(day, run)
    if archive.was_sent(es, digest_id):
        log.info("digest %s was already sent; kept as it was mailed, not built again", digest_id)
        return digest_id
    figures, charts, rendered = build(es, profile, day)
    return archive.keep_built(es, figures, charts, rendered, recipients=recipients, run=run)


class RefusedForNow(DeliveryError):
    """The mail server took the digest for some recipients and refused others for now (a
    4yz: greylisting, a full mailbox), which RFC 5321 §4.5.4.1 says to try again later. The
    delivery so far is already in the archive, so the send task's retries mail them alone."""

    def __init__(self, digest_id: str, delivery: Delivery):
        super().__init__(
            f"digest {digest_id} went to {', '.join(delivery.accepted)}; the mail server "
            f"refused it for now to {', '.join(delivery.refused_for_now)}, to be tried alone"
        )
        self.delivery = delivery


class NotRecorded(MayHaveArrived):
    """The digest went out, and the archive could not record to whom: a retry, which reads
    the archive, would mail them again, so, as for a send never answered, none is made."""


def send_kept(es: Elasticsearch, digest_id: str, **send_options) -> Delivery:
    """Mail a kept digest exactly as it was built, unless the archive says it was sent: a
    retried or cleared send task then succeeds with that delivery, and command get no
    second copy; those it records as refused for now are sent the same email alone. Raises
    RefusedForNow while anyone is refused for now, once the archive says who has it. A send
    (the first or such a retry) that went out and was not answered may have reached those
    the mail server took it for: the archive then counts it as sent to them before
    MayHaveArrived is raised, so a cleared send task mails them no second copy."""
    kept = archive.load(es, digest_id)
    earlier = kept.delivery
    if earlier and not earlier.refused_for_now:
        log.info("digest %s was already sent (%s); not sent again", digest_id, earlier)
        return earlier

    def so_far(mailed: Delivery) -> Delivery:
        return earlier.and_retry(mailed) if earlier else mailed

    try:
        mailed = send(
            kept.rendered,
            kept.charts,
            kept.recipients,
            key=digest_id,
            only_to=earlier.refused_for_now if earlier else (),
            **send_options,
        )
    except MayHaveArrived as e:
        still = e.delivery.refused_for_now
        told = f"digest {digest_id}: to {', '.join(e.delivery.accepted)} it may have arrived" + (
            f" ({', '.join(still)} still refused it for now)" if still else ""
        )
        _keep_sent(es, digest_id, so_far(e.delivery), told=told)
        raise MayHaveArrived(
            f"{told}, so the archive counts it as sent to them; {e}", so_far(e.delivery)
        ) from e
    delivery = so_far(mailed)
    if delivery.refused_for_now:
        refused = RefusedForNow(digest_id, delivery)
        _keep_sent(es, digest_id, delivery, told=str(refused))
        raise refused
    return delivery


def _keep_sent(es: Elasticsearch, digest_id: str, delivery: Delivery, *, told: str) -> None:
    """mark_sent once the digest went out: should the archive fail, the run still says what
    went out (`told`), and that clearing the send step would mail them again."""
    try:
        archive.mark_sent(es, digest_id, delivery)
    except (ApiError, TransportError) as e:
        raise NotRecorded(
            f"{told}; the archive could not record it, so clearing the send step would mail "
            f"them again: {e}",
            delivery,
        ) from e


def preview(es: Elasticsearch, profile: Profile, day: LocalDay, path: Path) -> Path:
    """The day's digest as one HTML file a browser opens (images inline as data: URIs);
    nothing is sent or kept."""
    figures = gather(es, profile, day)
    return write_preview(figures, path)


def write_preview(figures: Figures, path: Path, *, kibana: str | None = None) -> Path:
    charts = draw(figures)
    rendered = render(
        figures, charts, kibana=kibana or kibana_url(), desk=desk_url(), image_src=as_data_uri
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(rendered.html, encoding="utf-8")
    return path
