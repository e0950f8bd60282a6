"""When the cluster cannot be reached, refuses the password, or its URL is mistyped, every
command says so in one line and exits non-zero; `--debug` shows the traceback."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

EARSHOT = str(Path(sys.executable).with_name("earshot"))

COMMANDS = [
    ("stats",),
    ("audit",),
    ("erase", "--url", "https://news.example/1"),
    ("status", "0123456789abcdef", "done"),
    ("alerts", "list"),
    ("digest", "--date", "2026-11-20", "--preview", "digest.html"),
]


def earshot(*args: str, cwd: Path, **env: str) -> subprocess.CompletedProcess:
    inherited = {k: v for k, v in os.environ.items() if not k.startswith("EARSHOT_ELASTICSEARCH")}
    return subprocess.run(
        [EARSHOT, *args], capture_output=True, text=True, env=inherited | env, cwd=cwd
    )


def assert_one_line(result: subprocess.CompletedProcess, command: tuple[str, ...], says: str):
    name = " ".join(command[:2] if command[0] == "alerts" else command[:1])
    lines = (result.stdout + result.stderr).splitlines()
    assert result.returncode != 0
    assert len(lines) <= 3, "\n".join(lines)
    assert "Traceback" not in result.stderr
    assert result.stderr.startswith(f"earshot {name}: "), result.stderr
    assert says in result.stderr, result.stderr


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: " ".join(c[:2]))
def test_an_unreachable_cluster_is_one_line(command, tmp_path):
    result = earshot(*command, cwd=tmp_path, EARSHOT_ELASTICSEARCH_URL="http://127.0.0.1:1")
    assert_one_line(result, command, "cannot reach Elasticsearch")


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: " ".join(c[:2]))
def test_a_refused_password_is_one_line(command, es_node, tmp_path):
    result = earshot(
        *command,
        cwd=tmp_path,
        EARSHOT_ELASTICSEARCH_URL=os.environ["EARSHOT_ELASTICSEARCH_URL"],
        EARSHOT_ELASTICSEARCH_USER="elastic",
        EARSHOT_ELASTICSEARCH_PASSWORD="not-the-password",
    )
    assert_one_line(result, command, "Elasticsearch refused the credentials (401)")
    assert "not-the-password" not in result.stderr


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: " ".join(c[:2]))
def test_a_malformed_url_is_one_line_without_repeating_it(command, tmp_path):
    result = earshot(
        *command, cwd=tmp_path, EARSHOT_ELASTICSEARCH_URL="https://elastic:s3cret@[es.example:9200"
    )
    assert_one_line(result, command, "EARSHOT_ELASTICSEARCH_URL is not a URL")
    assert "s3cret" not in result.stderr


def test_debug_shows_the_traceback(tmp_path):
    result = earshot(
        "--debug", "stats", cwd=tmp_path, EARSHOT_ELASTICSEARCH_URL="http://127.0.0.1:1"
    )
    assert result.returncode != 0
    assert "Traceback (most recent call last)" in result.stderr
    assert "elastic_transport.ConnectionError" in result.stderr
