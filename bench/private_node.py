"""A private, throwaway local Elasticsearch node with a client, for a bench that must not
touch the developer's own node (`make demo`) or leave data behind."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from elasticsearch import Elasticsearch

from earshot.store.local_node import LocalNode

# The bench's own pseudonym secret, never a force's: authors are pseudonymised at ingest.
BENCH_PSEUDONYM_KEY = "earshot-bench-pseudonym-key-0123456789abcdef"


@contextmanager
def private_node(purpose: str, *, request_timeout: int) -> Iterator[tuple[Elasticsearch, Path]]:
    """A client on a fresh node, and the temporary folder it lives in (for the bench's own
    files); the node and the folder are destroyed on the way out, even after an error."""
    os.environ.setdefault("EARSHOT_PSEUDONYM_KEY", BENCH_PSEUDONYM_KEY)
    with tempfile.TemporaryDirectory(prefix=f"earshot-bench-{purpose}-") as folder:
        node = LocalNode(Path(folder) / "elasticsearch")
        running = node.start()
        try:
            yield (
                Elasticsearch(
                    running.url,
                    basic_auth=("elastic", node.password()),
                    request_timeout=request_timeout,
                ),
                Path(folder),
            )
        finally:
            node.destroy()
