"""Every digest kept in Elasticsearch (index `earshot-digests`), exactly as mailed, so
command can look back at what they were told on any day, and so the DAG's send step
mails what the build step made (one small id passes between tasks, not the email).

A digest is kept when built (status "built") and marked "sent" once the mail server has it,
naming the recipients it refused (`refused`) and, of those, the ones refused for now, still
to be tried again (`refused_for_now`); one that could not be sent stays "built", which says
so. A send (the first, or a retry to those refused for now) that went out unanswered counts
as sent to those the mail server took it for: it may have arrived, and a second copy is worse
than a run that goes red to say so.
"""

from __future__ import annotations

import base64
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime

from elasticsearch import Elasticsearch

from earshot.core.clock import LocalDay
from earshot.core.mail import Delivery
from earshot.digest.model import Chart, Figures
from earshot.digest.render import Rendered
from earshot.store.indices import install_index, require_fields, require_installed

DIGESTS = "earshot-digests"

_KEYWORD = {"type": "keyword", "ignore_above": 1024}
_DATE = {"type": "date"}
_KEPT_NOT_SEARCHED = {"type": "object", "enabled": False}

MAPPING = {
    "dynamic": "strict",
    "properties": {
        "date": {"type": "date", "format": "yyyy-MM-dd"},
        "force": _KEYWORD,
        "period": {"properties": {"start": _DATE, "end": _DATE}},
        "run": _KEYWORD,
        "status": _KEYWORD,
        "built": _DATE,
        "sent": _DATE,
        "recipients": _KEYWORD,
        "refused": _KEYWORD,
        "refused_for_now": _KEYWORD,
        "message_id": _KEYWORD,
        "quiet": {"type": "boolean"},
        "subject": {"type": "text"},
        "text": {"type": "text"},
        "html": {"type": "text", "index": False},
        "headline": _KEPT_NOT_SEARCHED,
        "images": _KEPT_NOT_SEARCHED,
    },
}


@dataclass(frozen=True)
class Kept:
    """A digest as kept: enough to mail it again exactly."""

    id: str
    day: date
    recipients: list[str]  # whom it is addressed to: with the id, they make its Message-ID
    rendered: Rendered
    charts: tuple[Chart, ...]
    status: str
    delivery: Delivery | None  # what the mail server took, once it is marked sent


def ensure_archive(es: Elasticsearch) -> None:
    """Part of `earshot setup` (an administrator's key)."""
    install_index(es, DIGESTS, MAPPING)


def id_of(day: LocalDay, run: str) -> str:
    """The digest a run builds for a day: one each, built again when the run is cleared."""
    return f"{day.day.isoformat()}.{run}"


def was_sent(es: Elasticsearch, digest_id: str) -> bool:
    """Whether the digest went out, to anyone: a cleared run then keeps it as mailed, and
    its send step mails nobody who may have it a second copy."""
    kept = es.options(ignore_status=404).get(index=DIGESTS, id=digest_id, source=["status"])
    return bool(kept.get("found")) and kept["_source"]["status"] == "sent"


def keep_built(
    es: Elasticsearch,
    figures: Figures,
    charts: tuple[Chart, ...],
    rendered: Rendered,
    *,
    recipients: list[str],
    run: str,
) -> str:
    """Store a built digest; the same run building again replaces its own, nothing else
    (one already sent is not built again: `was_sent`). Every field the archive step writes
    once it is sent must be mapped before it goes."""
    require_installed(es, DIGESTS)
    require_fields(es, DIGESTS, MAPPING)
    digest_id = id_of(figures.day, run)
    es.index(
        index=DIGESTS,
        id=digest_id,
        refresh="wait_for",
        document={
            "date": figures.day.day.isoformat(),
            "force": figures.force,
            "period": {"start": _iso(figures.day.start), "end": _iso(figures.day.end)},
            "run": run,
            "status": "built",
            "built": _iso(datetime.now(UTC)),
            "recipients": recipients,
            "quiet": figures.quiet,
            "subject": rendered.subject,
            "text": rendered.text,
            "html": rendered.html,
            "headline": asdict(figures.headline),
            "images": [
                {
                    "cid": c.cid,
                    "filename": c.filename,
                    "title": c.title,
                    "alt": c.alt,
                    "png": base64.b64encode(c.png).decode("ascii"),
                }
                for c in charts
            ],
        },
    )
    return digest_id


def load(es: Elasticsearch, digest_id: str) -> Kept:
    doc = es.get(index=DIGESTS, id=digest_id)["_source"]
    recipients, refused = list(doc["recipients"]), tuple(doc.get("refused", ()))
    return Kept(
        id=digest_id,
        day=date.fromisoformat(doc["date"]),
        recipients=recipients,
        rendered=Rendered(subject=doc["subject"], text=doc["text"], html=doc["html"]),
        charts=tuple(
            Chart(
                cid=image["cid"],
                filename=image["filename"],
                title=image["title"],
                alt=image["alt"],
                png=base64.b64decode(image["png"]),
            )
            for image in doc["images"]
        ),
        status=doc["status"],
        delivery=Delivery(
            message_id=doc["message_id"],
            accepted=tuple(r for r in recipients if r not in refused),
            refused=refused,
            refused_for_now=tuple(doc.get("refused_for_now", ())),
        )
        if doc["status"] == "sent"
        else None,
    )


def mark_sent(es: Elasticsearch, digest_id: str, delivery: Delivery) -> None:
    """Also when the mail server refused some recipients for now: their retry then goes to
    them alone, and a task retried or cleared sends nobody who has it a second copy."""
    es.update(
        index=DIGESTS,
        id=digest_id,
        refresh="wait_for",
        doc={
            "status": "sent",
            "sent": _iso(datetime.now(UTC)),
            "refused": list(delivery.refused),
            "refused_for_now": list(delivery.refused_for_now),
            "message_id": delivery.message_id,
        },
    )


def kept_for(es: Elasticsearch, day: LocalDay) -> list[dict]:
    """Every digest kept for a day, newest first: what command was told, and when."""
    if not es.indices.exists(index=DIGESTS):
        return []
    hits = es.search(
        index=DIGESTS,
        query={"term": {"date": day.day.isoformat()}},
        sort=[{"built": "desc"}],
        source_excludes=["images", "html"],
        size=50,
    )["hits"]["hits"]
    return [hit["_source"] | {"id": hit["_id"]} for hit in hits]


def _iso(instant: datetime) -> str:
    return instant.astimezone(UTC).isoformat()
