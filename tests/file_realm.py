"""Real users for Earshot's roles on the test node, through its file realm.

The local test distribution cannot hold native users or roles (the `.security` index needs
analysis-common), so tests give the very role definitions `earshot setup` puts
(`earshot.governance.security.ROLES`) to the file realm, which applies them with the same
privilege engine.
"""

from __future__ import annotations

import base64
import hashlib
import os
import secrets
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import yaml
from elasticsearch import AuthenticationException, Elasticsearch

from earshot.governance.security import ROLES
from earshot.store.local_node import LocalNode


class _NoAnchors(yaml.SafeDumper):
    """Roles share lists of index names; the node reads no YAML anchors or aliases."""

    def ignore_aliases(self, data) -> bool:
        return True


def _pbkdf2(password: str) -> str:
    """Elasticsearch's `{PBKDF2}` password hash (PBKDF2-HMAC-SHA512, 10,000 rounds)."""
    salt = secrets.token_bytes(32)
    key = hashlib.pbkdf2_hmac("sha512", password.encode(), salt, 10_000, dklen=32)
    return f"{{PBKDF2}}10000${base64.b64encode(salt).decode()}${base64.b64encode(key).decode()}"


def client_as(user: str, password: str) -> Elasticsearch:
    return Elasticsearch(
        os.environ["EARSHOT_ELASTICSEARCH_URL"], request_timeout=30, basic_auth=(user, password)
    )


def earshot_as(user: str, password: str, *args: str) -> subprocess.CompletedProcess:
    """As on a deployment's shared machine: the pipeline's credentials in the environment
    (here the superuser's), the analyst typing her own password at the prompt."""
    return subprocess.run(
        [str(Path(sys.executable).with_name("earshot")), *args, "--analyst", user],
        input=password + "\n",
        capture_output=True,
        text=True,
        env={k: v for k, v in os.environ.items() if k != "EARSHOT_ACTOR"},
        start_new_session=True,  # no terminal: the hidden prompt reads stdin
    )


@contextmanager
def realm_users(es_node: LocalNode, users: dict[str, str]) -> Iterator[dict[str, str]]:
    """`users` maps a role to a user name; yields each user's new password, and puts the
    realm's files back afterwards."""
    config = es_node.dist / "config"
    files = {name: config / name for name in ("roles.yml", "users", "users_roles")}
    originals = {name: path.read_bytes() for name, path in files.items()}
    owner = config.stat()
    passwords = {user: secrets.token_urlsafe(16) for user in users.values()}
    contents = {
        "roles.yml": yaml.dump(
            {role: privileges for role, (_, privileges) in ROLES.items()}, Dumper=_NoAnchors
        ),
        "users": "".join(f"{user}:{_pbkdf2(p)}\n" for user, p in passwords.items()),
        "users_roles": "".join(f"{role}:{user}\n" for role, user in users.items()),
    }
    for name, text in contents.items():
        files[name].write_text(text)
        os.chown(files[name], owner.st_uid, owner.st_gid)
    try:
        for user, password in passwords.items():
            _wait_until_the_node_reads_them(user, password)
        yield passwords
    finally:
        for name, data in originals.items():
            files[name].write_bytes(data)


def _wait_until_the_node_reads_them(user: str, password: str) -> None:
    """The file realm re-reads its files every few seconds."""
    deadline = time.monotonic() + 60
    while True:
        try:
            client_as(user, password).security.authenticate()
            return
        except AuthenticationException:
            if time.monotonic() > deadline:
                raise
            time.sleep(1)
