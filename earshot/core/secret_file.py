"""A secret kept in a file: readable by its owner only, and never seen half-written."""

from __future__ import annotations

import os
from pathlib import Path


def write_secret(path: Path, secret: str) -> None:
    """Owner-only, and never half-written: Airflow may read it at any moment."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.partial")
    partial.unlink(missing_ok=True)
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(secret + "\n")
    partial.replace(path)
