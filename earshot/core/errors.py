"""The one base for errors Earshot explains to a person: the CLI prints their message as one
line and exits non-zero; anything else is a bug and keeps its traceback."""

from __future__ import annotations


class EarshotError(Exception):
    """Something a user can act on: a bad profile, a missing connection, an unreachable
    cluster, a refused delivery. The message says what was wrong and where."""


class OutcomeUnknown(EarshotError):
    """A message went out but no answer came back (a read timeout, a dropped connection),
    so it may well have arrived. It is not sent again: a second copy of an alert or digest
    is worse than asking someone to check whether the first one came."""
