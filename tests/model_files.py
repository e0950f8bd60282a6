"""The learned models' committed JSON files, as their tests handle them: fitted afresh and
compared byte for byte, or copied with one thing wrong to see the loader refuse it."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path


def assert_fits_committed(train: Callable[[Path], object], committed: Path, folder: Path) -> None:
    """Byte for byte: the committed file is what a fit here writes, so training is
    reproducible and the file is not stale."""
    fitted = folder / "fitted.json"
    train(fitted)
    assert fitted.read_bytes() == committed.read_bytes(), "run `make train` and commit the file"


def spoiled_copy(committed: Path, folder: Path, spoil: Callable[[dict], None]) -> Path:
    """`folder`/wrong.json: the committed model with `spoil` applied to its JSON."""
    stored = json.loads(committed.read_text(encoding="utf-8"))
    spoil(stored)
    wrong = folder / "wrong.json"
    wrong.write_text(json.dumps(stored), encoding="utf-8")
    return wrong
