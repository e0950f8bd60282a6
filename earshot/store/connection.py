"""Which Elasticsearch to use: an existing cluster named in the environment, or the local node."""

from __future__ import annotations

import os

from elasticsearch import Elasticsearch

from earshot.store.local_node import LocalNode


class StoreUnavailable(Exception):
    """No Elasticsearch is configured or running."""


def connect() -> Elasticsearch:
    """Production sets EARSHOT_ELASTICSEARCH_URL; development runs `earshot es start`."""
    url = os.environ.get("EARSHOT_ELASTICSEARCH_URL")
    if url:
        api_key = os.environ.get("EARSHOT_ELASTICSEARCH_API_KEY")
        user = os.environ.get("EARSHOT_ELASTICSEARCH_USER")
        password = os.environ.get("EARSHOT_ELASTICSEARCH_PASSWORD")
        auth = {"api_key": api_key} if api_key else {"basic_auth": (user, password)} if user else {}
        return _client(url, **auth)
    node = LocalNode.default()
    running = node.status()
    if running is None:
        raise StoreUnavailable(
            "no Elasticsearch: set EARSHOT_ELASTICSEARCH_URL (and _USER/_PASSWORD or _API_KEY) "
            "for an existing cluster, or run `earshot es start` for a local node"
        )
    return _client(running.url, basic_auth=("elastic", node.password()))


def _client(url: str, **auth) -> Elasticsearch:
    return Elasticsearch(url, request_timeout=30, max_retries=2, retry_on_timeout=True, **auth)
