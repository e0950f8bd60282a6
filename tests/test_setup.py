"""The pipeline's and the analysts' privileges, on the real node: enough for the job, no more.

This node cannot hold native roles, users or API keys: they live in the `.security` index,
whose mapping uses the `pattern_capture` filter of the analysis-common module, and Elastic's
test distribution ships without that module. So these tests give the very role definitions
`earshot setup` puts (`store.security`) to the node's file realm (roles.yml, users), which
applies them with the same privilege engine, and then run the pipeline's own calls as a
user holding the writer role: exactly what the API key (whose role descriptor is that role)
may do.
"""

from __future__ import annotations

import base64
import hashlib
import os
import secrets
import stat
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import yaml
from elasticsearch import AuthenticationException, AuthorizationException, Elasticsearch

from earshot.setup import write_secret
from store.cursors import load_cursor, save_cursor
from store.indices import CURSORS, MENTIONS, ensure_indices
from store.local_node import LocalNode
from store.mentions import index_mentions
from store.security import (
    ANALYST_PRIVILEGES,
    ANALYST_ROLE,
    WRITER_PRIVILEGES,
    WRITER_ROLE,
    ApiKey,
)
from tests.test_store import mention

NOVEMBER = datetime(2026, 11, 21, 7, 0, tzinfo=UTC)
OTHER_INDEX = "other-index"
PIPELINE_USER = "earshot-pipeline"
ANALYST_USER = "earshot-analyst"


def _pbkdf2(password: str) -> str:
    """Elasticsearch's `{PBKDF2}` password hash (PBKDF2-HMAC-SHA512, 10,000 rounds)."""
    salt = secrets.token_bytes(32)
    key = hashlib.pbkdf2_hmac("sha512", password.encode(), salt, 10_000, dklen=32)
    return f"{{PBKDF2}}10000${base64.b64encode(salt).decode()}${base64.b64encode(key).decode()}"


def _client(**auth) -> Elasticsearch:
    return Elasticsearch(os.environ["EARSHOT_ELASTICSEARCH_URL"], request_timeout=30, **auth)


@pytest.fixture(scope="module")
def passwords(es_node: LocalNode) -> Iterator[dict[str, str]]:
    """Users holding the writer and analyst roles, in the node's file realm, for this module."""
    config = es_node.dist / "config"
    files = {name: config / name for name in ("roles.yml", "users", "users_roles")}
    originals = {name: path.read_bytes() for name, path in files.items()}
    owner = config.stat()
    pw = {PIPELINE_USER: secrets.token_urlsafe(16), ANALYST_USER: secrets.token_urlsafe(16)}
    contents = {
        "roles.yml": yaml.safe_dump(
            {WRITER_ROLE: WRITER_PRIVILEGES, ANALYST_ROLE: ANALYST_PRIVILEGES}
        ),
        "users": "".join(f"{user}:{_pbkdf2(p)}\n" for user, p in pw.items()),
        "users_roles": f"{WRITER_ROLE}:{PIPELINE_USER}\n{ANALYST_ROLE}:{ANALYST_USER}\n",
    }
    for name, text in contents.items():
        files[name].write_text(text)
        os.chown(files[name], owner.st_uid, owner.st_gid)
    _wait_until_the_node_reads_them(PIPELINE_USER, pw[PIPELINE_USER])
    yield pw
    for name, data in originals.items():
        files[name].write_bytes(data)


def _wait_until_the_node_reads_them(user: str, password: str) -> None:
    """The file realm re-reads its files every few seconds."""
    deadline = time.monotonic() + 60
    while True:
        try:
            _client(basic_auth=(user, password)).security.authenticate()
            return
        except AuthenticationException:
            if time.monotonic() > deadline:
                raise
            time.sleep(1)


@pytest.fixture
def pipeline(es: Elasticsearch, passwords: dict[str, str]) -> Elasticsearch:
    return _client(basic_auth=(PIPELINE_USER, passwords[PIPELINE_USER]))


@pytest.fixture
def analyst(es: Elasticsearch, passwords: dict[str, str]) -> Elasticsearch:
    return _client(basic_auth=(ANALYST_USER, passwords[ANALYST_USER]))


@pytest.fixture
def other_index(es: Elasticsearch) -> str:
    """Somebody else's data in the force's cluster."""
    if not es.indices.exists(index=OTHER_INDEX):
        es.indices.create(index=OTHER_INDEX)
    es.index(index=OTHER_INDEX, id="1", document={"note": "not Earshot's"}, refresh=True)
    return OTHER_INDEX


@pytest.mark.elasticsearch
def test_the_writer_role_runs_everything_a_collect_run_does(pipeline):
    # collect_source: template and indices, cursor, exactly-once indexing, cursor again.
    ensure_indices(pipeline)
    assert load_cursor(pipeline, "news") == {}
    report = index_mentions(pipeline, [mention(1, published=NOVEMBER), mention(2)])
    save_cursor(pipeline, "news", {"etag": '"abc"'})
    assert report.new == 2
    assert index_mentions(pipeline, [mention(1, published=NOVEMBER)]).already_indexed == 1
    assert load_cursor(pipeline, "news") == {"etag": '"abc"'}
    pipeline.indices.refresh(index=MENTIONS)
    hits = pipeline.search(index="earshot-mentions-2026.11", size=0, track_total_hits=True)
    assert hits["hits"]["total"]["value"] == 2


@pytest.mark.elasticsearch
def test_the_writer_role_cannot_read_or_write_other_indices(pipeline, other_index):
    with pytest.raises(AuthorizationException):
        pipeline.search(index=other_index)
    with pytest.raises(AuthorizationException):
        pipeline.get(index=other_index, id="1")
    with pytest.raises(AuthorizationException):
        pipeline.index(index=other_index, document={"note": "written by the pipeline"})
    with pytest.raises(AuthorizationException):
        pipeline.indices.create(index="not-earshot")


@pytest.mark.elasticsearch
def test_the_writer_role_cannot_delete_indices(es, pipeline, other_index):
    index_mentions(pipeline, [mention(1, published=NOVEMBER)])
    for index in ("earshot-mentions-2026.11", CURSORS, other_index):
        with pytest.raises(AuthorizationException):
            pipeline.indices.delete(index=index)
    assert es.indices.exists(index="earshot-mentions-2026.11")
    assert es.indices.exists(index=other_index)


@pytest.mark.elasticsearch
def test_the_writer_role_cannot_delete_mentions(pipeline):
    m = mention(1, published=NOVEMBER)
    index_mentions(pipeline, [m])
    with pytest.raises(AuthorizationException):
        pipeline.delete(index="earshot-mentions-2026.11", id=m.id)


@pytest.mark.elasticsearch
def test_the_analyst_role_searches_mentions_but_cannot_index(pipeline, analyst):
    index_mentions(pipeline, [mention(1, published=NOVEMBER)])
    pipeline.indices.refresh(index=MENTIONS)
    assert analyst.search(index=MENTIONS)["hits"]["total"]["value"] == 1
    with pytest.raises(AuthorizationException):
        analyst.index(index="earshot-mentions-2026.11", document={"message": "by an analyst"})
    with pytest.raises(AuthorizationException):
        analyst.search(index=CURSORS)


@pytest.mark.elasticsearch
def test_the_analyst_role_cannot_see_other_indices(analyst, other_index):
    with pytest.raises(AuthorizationException):
        analyst.search(index=other_index)


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
