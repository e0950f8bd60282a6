"""Where Earshot's own files are: the checkout (or image) it runs from."""

from __future__ import annotations

from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parents[2]
DEFAULT_PROFILE = PROJECT_DIR / "profiles" / "lincolnshire.yaml"
