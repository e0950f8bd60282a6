"""The local node: real, secured, reachable only with the generated password."""

import os
import stat

import httpx
import pytest

from earshot.store.connection import connect
from earshot.store.local_node import LocalNode, NodeError, find_java_home


@pytest.mark.elasticsearch
def test_node_reports_itself_running_with_security_on(es_node):
    running = es_node.status()
    assert running is not None
    assert running.url.startswith("http://127.0.0.1:")
    health = httpx.get(f"{running.url}/_cluster/health", auth=("elastic", es_node.password()))
    assert health.json()["status"] in {"green", "yellow"}
    anonymous = httpx.get(f"{running.url}/_cluster/health")
    assert anonymous.status_code == 401


@pytest.mark.elasticsearch
def test_password_file_is_readable_by_its_owner_only(es_node):
    mode = stat.S_IMODE(os.stat(es_node.home / "elastic-password").st_mode)
    assert mode == 0o600


@pytest.mark.elasticsearch
def test_node_runs_as_an_unprivileged_user(es_node):
    uid = os.stat(f"/proc/{es_node.status().pid}").st_uid
    assert uid != 0


@pytest.mark.elasticsearch
def test_existing_cluster_in_the_environment_bypasses_the_local_node(
    es_node, tmp_path, monkeypatch
):
    # No local node under this EARSHOT_HOME: only the environment can lead to the cluster.
    monkeypatch.setenv("EARSHOT_HOME", str(tmp_path))
    assert connect().cluster.health()["status"] in {"green", "yellow"}


def test_start_failure_reports_the_reason(tmp_path, monkeypatch):
    monkeypatch.setenv("ES_JAVA_HOME", str(tmp_path / "no-such-jdk"))
    with pytest.raises(NodeError, match="no JDK >= 21"):
        find_java_home()
    node = LocalNode(tmp_path / "elasticsearch")
    with pytest.raises(NodeError, match="no JDK >= 21"):
        node.start()
    node.destroy()
