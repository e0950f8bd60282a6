"""`earshot setup`'s own pieces that need no cluster: the key file and the key's id.

The roles setup creates are proven, role by role, in tests/policy/test_access.py.
"""

from __future__ import annotations

import base64
import re
import stat
from pathlib import Path

import pytest

from earshot.app.setup import write_secret
from earshot.governance.security import AUDIT_INDICES, MENTION_INDICES, ApiKey
from earshot.store.audit import AUDIT
from earshot.store.connection import MAINTENANCE_KEY, PIPELINE_KEY, StoreUnavailable, connect
from earshot.store.indices import MENTIONS, month_names


def test_the_key_file_is_readable_by_its_owner_only_and_replaced_whole(tmp_path: Path):
    key_file = tmp_path / "secrets" / "writer-api-key"
    write_secret(key_file, "first")
    write_secret(key_file, "second")
    assert key_file.read_text() == "second\n"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert [p.name for p in key_file.parent.iterdir()] == ["writer-api-key"]


def test_an_encoded_api_key_names_its_id():
    encoded = base64.b64encode(b"VuaCfGcBCdbkQm-e5aOx:ui2lp2axTNmsyakw9tvNnw").decode()
    assert ApiKey.from_encoded(encoded) == ApiKey(id="VuaCfGcBCdbkQm-e5aOx", encoded=encoded)
    assert ApiKey.from_encoded("not base64 at all!") is None


def test_the_maintenance_job_never_falls_back_to_the_pipelines_key(monkeypatch):
    monkeypatch.setenv("EARSHOT_ELASTICSEARCH_URL", "https://es.force.example:9200")
    monkeypatch.setenv(PIPELINE_KEY, "the-pipelines-key")
    monkeypatch.delenv(MAINTENANCE_KEY, raising=False)
    with pytest.raises(StoreUnavailable, match=f"^{MAINTENANCE_KEY} is not set"):
        connect(MAINTENANCE_KEY)
    monkeypatch.setenv(MAINTENANCE_KEY, "the-maintenance-key")
    assert connect(MAINTENANCE_KEY)  # made without a request: the cluster need not exist


def test_the_months_the_pipeline_may_create_are_exactly_those_a_template_shapes():
    """Else the pipeline could make a month no template shapes: unmapped, behind no alias."""
    for alias, grants in ((MENTIONS, MENTION_INDICES), (AUDIT, AUDIT_INDICES)):
        allowed = re.compile(grants[1].strip("/"))
        candidates = (f"{alias}-{y:04d}.{m:02d}" for y in range(1900, 2200) for m in range(100))
        assert [n for n in candidates if allowed.fullmatch(n)] == month_names(alias)
