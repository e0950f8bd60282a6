"""Errors that no retry can mend fail an Airflow task at once: a bad profile, a missing
secret or connection, no mail sender, Elasticsearch, a mail server or a platform refusing
what it was asked (a wrong password or key). Retrying them only delays the red run that
tells someone to fix the configuration; anything else (a source down, a cluster busy) is
retried. An email sent but not answered fails at once too: a retry could deliver it twice;
and a platform that asked for a longer wait than a retry's delay (earshot/app/platform_waits.py),
whose source is then skipped, not failed, by each run until the wait is over."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from elasticsearch import AuthenticationException, AuthorizationException

from earshot.app.collect import DemoProfile
from earshot.app.platform_waits import AskedToWait, StillWaiting
from earshot.core.connections import MissingCredentials
from earshot.core.errors import OutcomeUnknown
from earshot.core.mail import RefusedForGood, SenderMissing
from earshot.core.profile import ProfileError
from earshot.core.pseudonym import PseudonymKeyMissing
from listeners import Refused

PERMANENT = (
    ProfileError,
    DemoProfile,
    MissingCredentials,
    PseudonymKeyMissing,
    SenderMissing,
    RefusedForGood,  # a 5yz reply: refused again however often it is asked
    Refused,  # a platform's 401 or 403: the next run asks afresh
    AskedToWait,  # a 429's long wait: a retry inside it is refused, and may lengthen it
    AuthenticationException,  # Elasticsearch's 401: the pipeline's credentials
    AuthorizationException,  # its 403: a role without the privilege
    OutcomeUnknown,  # sent, no answer: a retry could deliver it twice
)


@contextmanager
def permanent_errors_fail_now() -> Iterator[None]:
    from airflow.sdk.exceptions import AirflowFailException

    try:
        yield
    except PERMANENT as e:
        raise AirflowFailException(str(e)) from e


@contextmanager
def waiting_sources_skip() -> Iterator[None]:
    """A source still inside its platform's wait is skipped, not failed: the grid shows it
    apart from the sources heard, its log says until when, and the run is not red again
    every 15 minutes for one documented wait (the run that met the 429 was)."""
    from airflow.sdk.exceptions import AirflowSkipException

    try:
        yield
    except StillWaiting as e:
        raise AirflowSkipException(str(e)) from e
