"""`earshot --help` starts at once: the CLI loads heavy libraries only in the commands that
use them (charts, near-duplicate maths, the Elasticsearch client, Airflow)."""

from __future__ import annotations

import subprocess
import sys

import pytest

HEAVY = {"matplotlib", "scipy", "datasketch", "airflow", "elasticsearch"}

HELP = """
import sys
from earshot.app.cli import app
try:
    app({args!r})
except SystemExit:
    pass
print("loaded:", ",".join(sorted({{name.split(".")[0] for name in sys.modules}} & {heavy!r})))
"""


@pytest.mark.parametrize(
    "args",
    [
        ["--help"],
        ["alerts", "--help"],
        ["es", "--help"],
        ["kibana", "--help"],
        ["setup", "--help"],
        ["stack", "--help"],
    ],
    ids=" ".join,
)
def test_help_loads_no_heavy_library(args):
    result = subprocess.run(
        [sys.executable, "-c", HELP.format(args=args, heavy=HEAVY)],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    loaded = result.stdout.rpartition("loaded:")[2].strip()
    assert loaded == "", f"`earshot {' '.join(args)}` imported {loaded}"
