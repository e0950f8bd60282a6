"""Writing mentions: each one indexed exactly once, however often it is heard.

Ids are stable, existing ids are looked up through the alias (so a mention stays in
the monthly index it first landed in), and new ones are written with `create`, so a
conflict means "already indexed", never a second copy. Item-level 429s are retried
with back-off; any other item failure is reported with its reason.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime

from elasticsearch import Elasticsearch, helpers

from earshot.core.errors import EarshotError
from earshot.core.model import Mention, WorkflowStatus
from earshot.core.near_duplicates import bands
from earshot.core.people import without_people
from earshot.core.profile import Profile
from earshot.core.pseudonym import author_key
from earshot.store import audit
from earshot.store.clusters import assign_clusters, story_started_by
from earshot.store.fields import INGESTED
from earshot.store.indices import ERASED, MENTIONS, NotInstalled, mentions_index
from earshot.store.tombstones import erased_links

_LOOKUP_BATCH = 1_000


class MentionNotFound(EarshotError, LookupError):
    """No stored mention has that id."""


class IndexingError(EarshotError):
    """Some mentions were not indexed; the source's cursor must not advance."""

    def __init__(self, failures: list[str]):
        shown = "; ".join(failures[:5])
        more = f" (and {len(failures) - 5} more)" if len(failures) > 5 else ""
        super().__init__(f"{len(failures)} mentions not indexed: {shown}{more}")
        self.failures = failures


@dataclass
class IndexReport:
    new: int = 0
    already_indexed: int = 0
    failures: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Handles:
    """Whether the public's handles are stored (the profile's `privacy.hide_handles`). The
    force's own are always kept, in the text and as the author of its own posts: they name
    the force, not a person."""

    hidden: bool = False
    force_handles: tuple[str, ...] = ()

    @classmethod
    def for_profile(cls, profile: Profile) -> Handles:
        return cls(profile.privacy.hide_handles, tuple(profile.force.handles))

    def in_text(self, text: str, mention: Mention) -> str:
        if not self.hidden:
            return text
        author = None if mention.by_force else mention.author
        return without_people(text, author=author, force_handles=self.force_handles)

    def user(self, mention: Mention) -> dict:
        """ECS `user`: `id`, the keyed pseudonym people are counted and erased by, always;
        `name`, the handle an analyst replies to, unless handles are hidden."""
        if not mention.author:
            return {}
        user = {"id": author_key(mention.author)}
        if not self.hidden or mention.by_force:
            user["name"] = mention.author
        return user


KEEP_HANDLES = Handles()


def to_document(mention: Mention, ingested: datetime, handles: Handles = KEEP_HANDLES) -> dict:
    """The ECS-shaped document; the one place the model meets the mapping. Raises
    PseudonymKeyMissing for a mention with an author when the pseudonym secret is not set."""
    doc = {
        "@timestamp": mention.published.isoformat(),
        "message": handles.in_text(mention.text, mention),
        # `shared` only when it is: a cluster whose mapping predates it refuses no one else's.
        "url": {"full": mention.url} | ({"shared": True} if mention.link_shared else {}),
        "event": {
            "provider": mention.source,
            "dataset": f"earshot.{mention.source_kind}",
            "created": mention.fetched.isoformat(),
            "ingested": ingested.isoformat(),
        },
        "earshot": {
            "title": handles.in_text(mention.title, mention),
            "is_reply": mention.is_reply,
            "force_terms": list(mention.force_terms),
            "relevance": mention.relevance,
            "topics": list(mention.topics),
            "risk_flags": list(mention.risk_flags),
            "places": [p.name for p in mention.places],
            "in_area": mention.in_area,
            "language": mention.language,
            "status": mention.status,
            "by_force": mention.by_force,
            "canonical_url": mention.canonical_url,
            "near_duplicate": {"bands": bands(mention.signature), "signature": mention.signature},
            "cluster": mention.cluster or story_started_by(mention),
            "story_key": mention.story_key,
        },
    }
    optional = {
        "tone": mention.tone,
        "toward_force": mention.toward_force,
        "response": mention.response,
    }
    doc["earshot"] |= {k: v.model_dump() for k, v in optional.items() if v is not None}
    if mention.response:  # a flag's reason quotes the words that raised it
        reasons = [handles.in_text(reason, mention) for reason in mention.response.reasons]
        doc["earshot"]["response"]["reasons"] = reasons
    if user := handles.user(mention):
        doc["user"] = user
    if mention.cluster and mention.cluster != mention.id:
        doc["earshot"]["duplicate_of"] = mention.cluster
    if mention.places:
        # The first place named is where the mention is put on the map.
        doc["earshot"]["location"] = {"lat": mention.places[0].lat, "lon": mention.places[0].lon}
    return doc


def _make_months(es: Elasticsearch, months: set[str]) -> None:
    """A new month is made from setup's template, behind the alias every reader uses. Made
    and checked before anything is written: without the template it would be a bare index
    that no search, status change or already-indexed lookup finds. A month that exists is
    checked too: the bare index an earlier try made must not be written on its retry."""
    for month in sorted(months):
        if not es.indices.exists(index=month):
            es.options(ignore_status=400).indices.create(index=month)  # 400: made meanwhile
        if not es.indices.exists_alias(name=MENTIONS, index=month):
            raise NotInstalled(
                f"{month} was made without Earshot's template (nothing was written to it): "
                "run `earshot setup` with an administrator's credentials, then delete it"
            )


def index_mentions(
    es: Elasticsearch,
    mentions: list[Mention],
    *,
    handles: Handles = KEEP_HANDLES,
    chunk_size: int = 500,
    max_retries: int = 6,
) -> IndexReport:
    """Raises IndexingError after trying every item if any item could not be indexed."""
    report = IndexReport()
    if not mentions:
        return report
    existing = _where_indexed(es, [m.id for m in mentions], erased_too=True)
    existing |= dict.fromkeys(erased_links(es, mentions), ERASED)  # an erased post re-shared
    report.already_indexed = len(existing)
    ingested = datetime.now(UTC)
    new = assign_clusters(es, [m for m in mentions if m.id not in existing])
    _make_months(es, {mentions_index(m.published) for m in new})
    actions = _create_actions(new, ingested, handles)
    written: set[str] = set()
    for ok, item in helpers.streaming_bulk(
        es,
        actions,
        chunk_size=chunk_size,
        max_retries=max_retries,
        initial_backoff=1,
        max_backoff=30,
        raise_on_error=False,
    ):
        result = item["create"]
        # Every id written here was not stored when looked up: a 409 is this run's own write
        # landing twice (the client sent the request again when its answer was lost) or a run
        # collecting the same item at the same moment. Stored since the lookup, it is new.
        if ok or result.get("status") == 409:
            report.new += 1
            written.add(result["_index"])
        else:
            reason = refusal_reason(result)
            report.failures.append(f"{result.get('_id')}: HTTP {result.get('status')}: {reason}")
    if written:
        # Searchable when the run ends, not a second later: the next run's lookups, the
        # clustering and `earshot status` are searches. Once per run, only the months written.
        es.indices.refresh(index=",".join(sorted(written)))
    if report.failures:
        raise IndexingError(report.failures)
    return report


def refusal_reason(item: dict) -> str:
    """Why Elasticsearch refused one item of a bulk request (a write, a delete): its error's
    reason, or the error as it came."""
    error = item.get("error", {})
    return str(error.get("reason", error) if isinstance(error, dict) else error)


def _where_indexed(
    es: Elasticsearch, ids: list[str], *, erased_too: bool = False
) -> dict[str, str]:
    """The index holding each id already stored (with `erased_too`, ids erased at their
    author's request count as stored, in the erasure index). A search: every write makes
    itself searchable before it returns (`index_mentions`), so no refresh is needed here."""
    where = f"{MENTIONS},{ERASED}" if erased_too else MENTIONS
    found: dict[str, str] = {}
    for start in range(0, len(ids), _LOOKUP_BATCH):
        batch = ids[start : start + _LOOKUP_BATCH]
        hits = es.search(
            index=where,
            query={"ids": {"values": batch}},
            size=len(batch),
            source=False,
            ignore_unavailable=True,
            allow_no_indices=True,
        )["hits"]["hits"]
        found.update((hit["_id"], hit["_index"]) for hit in hits)
    return found


def stored_since(es: Elasticsearch, since: datetime | None) -> int:
    """How many mentions were stored after `since` (None: ever), whoever stored them: a
    collect try that stopped before its report was handed on included. `event.ingested` is
    the storing worker's clock, `since` may be another's (Airflow's): synchronised clocks
    agree to milliseconds, and a run's first write is seconds after the last run ended."""
    query = {"range": {INGESTED: {"gt": since.isoformat()}}} if since else {"match_all": {}}
    found = es.count(index=MENTIONS, query=query, ignore_unavailable=True, allow_no_indices=True)
    return found["count"]


def _create_actions(
    mentions: Iterable[Mention], ingested: datetime, handles: Handles
) -> Iterator[dict]:
    for mention in mentions:
        yield {
            "_op_type": "create",
            "_index": mentions_index(mention.published),
            "_id": mention.id,
            "_source": to_document(mention, ingested, handles),
        }


def set_status(
    es: Elasticsearch, mention_id: str, status: WorkflowStatus, *, actor: str | None = None
) -> None:
    """Move a mention along the analysts' workflow (new → in-hand → done), and audit it.

    Re-collection never overwrites a stored mention, so the status survives it. Setting
    the status it already has changes nothing, so it is not recorded.
    """
    index = _where_indexed(es, [mention_id]).get(mention_id)
    if index is None:
        raise MentionNotFound(f"no mention with id {mention_id}")
    before = es.get(index=index, id=mention_id, source_includes=["earshot.status"])["_source"]
    previous = before.get("earshot", {}).get("status")
    if previous == status:
        return
    # The response queue is a search: it must not show the mention as still waiting.
    es.update(index=index, id=mention_id, doc={"earshot": {"status": status}}, refresh="wait_for")
    audit.record(
        es,
        "mention.status",
        mention_id,
        before={"status": previous},
        after={"status": status},
        actor=actor,
    )
