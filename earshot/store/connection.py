"""Which Elasticsearch to use: an existing cluster named in the environment, or the local node.

A cluster over HTTPS whose certificate a private CA signed (the compose file's own, or a
force's) is trusted through EARSHOT_ELASTICSEARCH_CA_CERTS, the CA's PEM file, or by pinning
its certificate with EARSHOT_ELASTICSEARCH_SSL_FINGERPRINT (SHA-256, hex, colons optional).
"""

from __future__ import annotations

import os
from pathlib import Path

from elasticsearch import Elasticsearch

from earshot.core.errors import EarshotError
from earshot.store.local_node import LocalNode


class StoreUnavailable(EarshotError):
    """No Elasticsearch is configured or running."""


PIPELINE_KEY = "EARSHOT_ELASTICSEARCH_API_KEY"
# The maintenance DAG's own key (role earshot_maintenance): it alone drops whole months.
MAINTENANCE_KEY = "EARSHOT_MAINTENANCE_API_KEY"


def connect(api_key_variable: str = PIPELINE_KEY) -> Elasticsearch:
    """Production sets EARSHOT_ELASTICSEARCH_URL; development runs `earshot es start`. A job
    with its own key names its variable; with a user and password instead, it uses those."""
    url = os.environ.get("EARSHOT_ELASTICSEARCH_URL")
    if url:
        api_key = os.environ.get(api_key_variable)
        if not api_key and os.environ.get(PIPELINE_KEY):
            raise StoreUnavailable(
                f"{api_key_variable} is not set: this job needs its own API key, as the "
                "pipeline's may not do what it does (see the README's Roles checklist)"
            )
        user = os.environ.get("EARSHOT_ELASTICSEARCH_USER")
        password = os.environ.get("EARSHOT_ELASTICSEARCH_PASSWORD")
        auth = {"api_key": api_key} if api_key else {"basic_auth": (user, password)} if user else {}
        trust = _trust()
        try:
            return _client(url, **auth, **trust)
        except ValueError as e:  # its text would repeat the URL, and any password in it
            raise StoreUnavailable(
                "EARSHOT_ELASTICSEARCH_URL is not a URL with scheme, host and port, "
                "like https://elasticsearch.example:9200"
            ) from e
    node = LocalNode.default()
    running = node.status()
    if running is None:
        raise StoreUnavailable(
            "no Elasticsearch: set EARSHOT_ELASTICSEARCH_URL (and _USER/_PASSWORD or _API_KEY) "
            "for an existing cluster, or run `earshot es start` for a local node"
        )
    return _client(running.url, basic_auth=("elastic", node.password()))


def _trust() -> dict[str, str]:
    """Checked here, so a mistyped path is named now rather than as a TLS failure later."""
    ca_certs = os.environ.get("EARSHOT_ELASTICSEARCH_CA_CERTS")
    fingerprint = os.environ.get("EARSHOT_ELASTICSEARCH_SSL_FINGERPRINT")
    if ca_certs and fingerprint:
        raise StoreUnavailable(
            "set EARSHOT_ELASTICSEARCH_CA_CERTS or EARSHOT_ELASTICSEARCH_SSL_FINGERPRINT, not both"
        )
    if ca_certs:
        if not Path(ca_certs).is_file():
            raise StoreUnavailable(f"EARSHOT_ELASTICSEARCH_CA_CERTS: no such file {ca_certs}")
        return {"ca_certs": ca_certs}
    if fingerprint:
        return {"ssl_assert_fingerprint": fingerprint.replace(":", "").lower()}
    return {}


def _client(url: str, **options) -> Elasticsearch:
    return Elasticsearch(url, request_timeout=30, max_retries=2, retry_on_timeout=True, **options)
