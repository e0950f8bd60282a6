"""The digest's steps, as the DAG's tasks and the `earshot digest` command run them:
build (figures → charts → email bodies, kept in the archive) → send → mark sent.
"""

from __future__ import annotations

import logging
from pathlib import Path

from elasticsearch import Elasticsearch

from earshot.core.clock import LocalDay
from earshot.core.desk_links import desk_url
from earshot.core.kibana_links import kibana_url
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
    recipients = list(to or profile.recipients.digest)
    if not recipients:
        raise DeliveryError("no recipients: set recipients.digest in the profile, or use --to")
    figures, charts, rendered = build(es, profile, day)
    return archive.keep_built(es, figures, charts, rendered, recipients=recipients, run=run)


def send_kept(es: Elasticsearch, digest_id: str, **send_options) -> Delivery:
    """Mail a kept digest exactly as it was built, unless the archive says it was sent: a
    retried or cleared send task then succeeds with that delivery, and command get no
    second copy."""
    kept = archive.load(es, digest_id)
    if kept.delivery:
        log.info("digest %s was already sent (%s); not sent again", digest_id, kept.delivery)
        return kept.delivery
    return send(kept.rendered, kept.charts, kept.recipients, key=digest_id, **send_options)


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
