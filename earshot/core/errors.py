"""The one base for errors Earshot explains to a person: the CLI prints their message as one
line and exits non-zero; anything else is a bug and keeps its traceback."""

from __future__ import annotations


class EarshotError(Exception):
    """Something a user can act on: a bad profile, a missing connection, an unreachable
    cluster, a refused delivery. The message says what was wrong and where."""
