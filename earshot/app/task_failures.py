"""Errors that no retry can mend fail an Airflow task at once: a bad profile, a missing
secret or connection, no mail sender, Elasticsearch, a mail server or a platform refusing
what it was asked (a wrong password or key). Retrying them only delays the red run that
tells someone to fix the configuration; anything else (a source down, a cluster busy) is
retried. An email sent but not answered fails at once too: a retry could deliver it twice."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from elasticsearch import AuthenticationException, AuthorizationException

from earshot.app.collect import DemoProfile
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
