"""The `earshot` command as an analyst or operator types it."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from earshot.store.indices import MENTIONS, ensure_indices
from earshot.store.mentions import index_mentions
from tests.integration.test_store import mention

EARSHOT = str(Path(sys.executable).with_name("earshot"))


def earshot(*args: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [EARSHOT, *args], capture_output=True, text=True, env={**os.environ, **env}
    )


@pytest.mark.elasticsearch
def test_stats_json_gives_counts_by_source_and_tone(es):
    ensure_indices(es)
    index_mentions(es, [mention(1, score=-0.7), mention(2, score=0.6), mention(3, source="blog")])
    es.indices.refresh(index=MENTIONS)
    result = earshot("stats", "--json")
    assert result.returncode == 0, result.stderr
    figures = json.loads(result.stdout)
    assert figures.pop("sources")  # each one's health: tests/integration/test_source_health.py
    assert figures == {
        "total": 3,
        "by_source": {"news": 2, "blog": 1},
        "by_tone": {"negative": 1, "positive": 1, "neutral": 1},
        "by_toward_force": {"negative": 1, "positive": 1, "neutral": 1},
        "by_relevance": {"named": 3},
    }


@pytest.mark.elasticsearch
def test_stats_for_people_is_a_table(es):
    ensure_indices(es)
    index_mentions(es, [mention(1, score=-0.7)])
    es.indices.refresh(index=MENTIONS)
    result = earshot("stats")
    assert result.returncode == 0, result.stderr
    assert "Mentions indexed: 1" in result.stdout
    assert "news" in result.stdout and "negative" in result.stdout


@pytest.mark.elasticsearch
def test_status_command_moves_a_mention_along_the_workflow(es):
    ensure_indices(es)
    m = mention(1)
    index_mentions(es, [m])
    es.indices.refresh(index=MENTIONS)
    assert earshot("status", m.id, "in-hand").returncode == 0
    assert es.get(index="earshot-mentions-2026.11", id=m.id)["_source"]["earshot"]["status"] == (
        "in-hand"
    )
    refused = earshot("status", m.id, "finished")
    assert refused.returncode != 0
    assert "finished" in refused.stderr


def test_stats_without_any_elasticsearch_says_how_to_get_one(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("EARSHOT_ELASTICSEARCH")}
    result = subprocess.run(
        [EARSHOT, "stats"],
        capture_output=True,
        text=True,
        env={**env, "EARSHOT_HOME": str(tmp_path)},
    )
    assert result.returncode != 0
    assert "EARSHOT_ELASTICSEARCH_URL" in result.stderr
    assert "earshot es start" in result.stderr


def test_es_status_exits_1_when_no_node_runs(tmp_path):
    result = earshot("es", "status", EARSHOT_HOME=str(tmp_path))
    assert result.returncode == 1
    assert "not running" in result.stdout
