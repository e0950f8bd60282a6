"""What `earshot setup` installs in Elasticsearch, and `earshot setup --check`'s look at it.

Templates, mappings and indices are put here and only here, with an administrator's key: the
pipeline's key has no template privilege at all, so a leaked one cannot reshape the force's
cluster. Each check names one thing setup creates and says whether the cluster has it as
setup would make it, so the force's IT can verify a cluster they set up by hand too.
"""

from __future__ import annotations

from dataclasses import dataclass

from elasticsearch import ApiError, Elasticsearch

from earshot.alerts import model as alerts
from earshot.digest import archive
from earshot.governance.security import ROLES
from earshot.store.audit import (
    AUDIT_TEMPLATE,
    CREDENTIALS,
    CREDENTIALS_FROM_THE_NODE,
    ensure_audit,
)
from earshot.store.indices import (
    CURSORS,
    CURSORS_MAPPING,
    ERASED,
    ERASED_MAPPING,
    MENTIONS_TEMPLATE,
    ensure_indices,
    lacking,
    missing_fields,
)

MONTHLY_TEMPLATES = (MENTIONS_TEMPLATE, AUDIT_TEMPLATE)
SINGLE_INDICES = {
    CURSORS: CURSORS_MAPPING,
    ERASED: ERASED_MAPPING,
    alerts.ALERTS: alerts.MAPPING,
    archive.DIGESTS: archive.MAPPING,
}


def install(es: Elasticsearch) -> None:
    """Idempotent: an older Earshot's indices get the fields added since."""
    ensure_indices(es)
    ensure_audit(es)
    alerts.ensure_alerts(es)
    archive.ensure_archive(es)


@dataclass(frozen=True)
class Check:
    item: str
    ok: bool
    detail: str


def check(es: Elasticsearch) -> list[Check]:
    """Every item setup creates, as this cluster has it."""
    return [
        _credentials_pipeline(es),
        _audit_months(es),
        *(_template(es, template) for template in MONTHLY_TEMPLATES),
        *(_alias(es, template) for template in MONTHLY_TEMPLATES),
        *(_index(es, name, mappings) for name, mappings in SINGLE_INDICES.items()),
        *(_role(es, name, privileges) for name, (_, privileges) in ROLES.items()),
    ]


def _template(es: Elasticsearch, wanted: dict) -> Check:
    item = f"index template {wanted['name']}"
    found = es.options(ignore_status=404).indices.get_index_template(name=wanted["name"])
    if not found.get("index_templates"):
        return Check(item, False, "missing")
    template = found["index_templates"][0]["index_template"]
    if sorted(template["index_patterns"]) != sorted(wanted["index_patterns"]):
        return Check(item, False, "applies to other index names than Earshot's months")
    if wanted["name"] not in template.get("template", {}).get("aliases", {}):
        return Check(item, False, f"does not put new months behind the alias {wanted['name']}")
    have = template.get("template", {}).get("mappings", {})
    if missing := lacking([have], wanted["template"]["mappings"]):
        return Check(item, False, f"mapping lacks {', '.join(missing)}")
    pipeline = wanted["template"]["settings"].get("index.final_pipeline")
    settings = template.get("template", {}).get("settings", {}).get("index", {})
    if pipeline and settings.get("final_pipeline") != pipeline:
        return Check(item, False, f"does not run the ingest pipeline {pipeline} on new months")
    return Check(item, True, f"{len(template['index_patterns'])} monthly index names, by name")


def _credentials_pipeline(es: Elasticsearch) -> Check:
    item = f"ingest pipeline {CREDENTIALS}"
    found = es.options(ignore_status=404).ingest.get_pipeline(id=CREDENTIALS)
    if CREDENTIALS not in found:
        return Check(item, False, "missing: no audit record can be written")
    if found[CREDENTIALS].get("processors") != [CREDENTIALS_FROM_THE_NODE]:
        return Check(item, False, "does not set actor.credentials from the node as Earshot does")
    return Check(item, True, "audit records name the credentials that wrote them")


def _audit_months(es: Elasticsearch) -> Check:
    """A role that may make the next month's audit index (the pipeline's, the desk's) could
    make it with a final pipeline of its own, and sign records there as anyone."""
    item = f"audit months run {CREDENTIALS}"
    found = es.options(ignore_status=404).indices.get_settings(
        index=AUDIT_TEMPLATE["name"], name="index.final_pipeline"
    )
    months = {name: found[name] for name in found if name not in ("error", "status")}
    skipping = sorted(
        name
        for name, month in months.items()
        if month.get("settings", {}).get("index", {}).get("final_pipeline") != CREDENTIALS
    )
    if skipping:
        return Check(item, False, f"{', '.join(skipping)} do not: the client signs their records")
    return Check(item, True, f"{len(months)} months")


def _alias(es: Elasticsearch, template: dict) -> Check:
    alias = template["name"]
    item = f"alias {alias}"
    behind = set(es.options(ignore_status=404).indices.get_alias(name=alias).keys()) - {
        "error",
        "status",
    }
    foreign = sorted(behind - set(template["index_patterns"]))
    if foreign:
        return Check(item, False, f"also covers indices that are not Earshot's: {foreign}")
    return Check(item, True, f"{len(behind)} monthly indices, all Earshot's")


def _index(es: Elasticsearch, name: str, mappings: dict) -> Check:
    if not es.indices.exists(index=name):
        return Check(f"index {name}", False, "missing")
    if missing := missing_fields(es, name, mappings):
        return Check(f"index {name}", False, f"mapping lacks {', '.join(missing)}")
    return Check(f"index {name}", True, "present")


def _role(es: Elasticsearch, name: str, wanted: dict) -> Check:
    item = f"role {name}"
    try:
        found = es.options(ignore_status=404).security.get_role(name=name)
    except ApiError as e:
        return Check(item, False, f"cannot be read: {e.error}")
    if name not in found:
        return Check(item, False, "missing")
    role = found[name]
    if sorted(role.get("cluster", [])) != sorted(wanted["cluster"]):
        return Check(item, False, f"cluster privileges {role.get('cluster')}")
    if _grants(role["indices"]) != _grants(wanted["indices"]):
        return Check(item, False, "index privileges differ from Earshot's")
    return Check(item, True, "privileges as Earshot defines them")


def _grants(indices: list[dict]) -> set[tuple[str, str]]:
    return {(n, p) for grant in indices for n in grant["names"] for p in grant["privileges"]}
