"""The floors hold: a module imports only from its own floor or below, so each floor can be
read, tested and changed without the ones above it. The contract is in pyproject.toml
([tool.importlinter]); import-linter reads the real import graph of the installed code."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from earshot.core.paths import PROJECT_DIR


def test_every_import_points_down_a_floor():
    lint_imports = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run(
        [str(lint_imports), "--no-cache"], cwd=PROJECT_DIR, capture_output=True, text=True
    )
    assert result.returncode == 0, f"an import points up a floor:\n{result.stdout}{result.stderr}"
