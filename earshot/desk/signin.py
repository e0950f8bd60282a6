"""Who is at the desk: their own Elasticsearch credentials, checked by Elasticsearch.

The password never leaves the server: the signed cookie carries only a random session id,
and the credentials wait in this process's memory until the session expires or the person
signs out or in again. Every Elasticsearch call is then made as that person, so
Elasticsearch (not the desk) enforces what they may read and change; the desk's own role
check only hides buttons and refuses forged posts early.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from elasticsearch import AuthenticationException, Elasticsearch

RESPONDER = "earshot_responder"
SESSION_SECONDS = 8 * 60 * 60
ATTEMPTS = 5  # failed sign-ins per name in ATTEMPT_WINDOW before the desk stops checking
ATTEMPT_WINDOW = 5 * 60
# Names with recent failures the desk remembers; past it, the name quiet longest is forgotten,
# so a flood of made-up names cannot fill the memory.
FAILING_NAMES = 10_000
USER_NAME_CHARS = 1024  # Elasticsearch's longest user name (file and native realms)


@dataclass
class Person:
    name: str
    roles: frozenset[str]
    es: Elasticsearch = field(repr=False)
    csrf: str
    expires: float

    @property
    def may_respond(self) -> bool:
        return RESPONDER in self.roles


def accepted(person: Person) -> bool:
    """Whether Elasticsearch still takes the password the person signed in with."""
    try:
        person.es.security.authenticate()
    except AuthenticationException:
        return False
    return True


class TooManyAttempts(Exception):
    pass


class Sessions:
    def __init__(
        self,
        desk: Elasticsearch,
        *,
        clock: Callable[[], float] = time.monotonic,
        failing_names: int = FAILING_NAMES,
    ) -> None:
        """`desk`: the desk's own connection, whose address and TLS trust people's share.
        `clock`: seconds that only move forward, so that tests can let hours pass."""
        self._desk = desk
        self._clock = clock
        self._failing_names = failing_names
        self._people: dict[str, Person] = {}
        self._failures: dict[str, list[float]] = {}  # the name that failed longest ago first
        self._lock = threading.Lock()

    def sign_in(self, username: str, password: str) -> str | None:
        """A new session id, or None when Elasticsearch does not know these credentials."""
        if len(username) > USER_NAME_CHARS:  # no one's, and kept it would fill the memory
            return None
        now = self._clock()
        with self._lock:
            self._sweep(now)
            tried = self._failures.pop(username, [])
            if len(tried) >= ATTEMPTS:
                self._failures[username] = tried
                raise TooManyAttempts(username)
            # Counted as a failure before the node answers: guesses sent all at once would
            # otherwise all pass the count before the first was refused.
            self._failures[username] = [*tried, now]
            if len(self._failures) > self._failing_names:
                del self._failures[next(iter(self._failures))]
        es = self._desk.options(basic_auth=(username, password))
        try:
            me = es.security.authenticate()
        except AuthenticationException:
            return None
        except Exception:
            self._not_a_failure(username, now)  # the node could not say: no guess was refused
            raise
        self._not_a_failure(username, now)
        session_id = secrets.token_urlsafe(32)
        with self._lock:
            self._people[session_id] = Person(
                name=me["username"],
                roles=frozenset(me.get("roles", [])),
                es=es,
                csrf=secrets.token_urlsafe(32),
                expires=now + SESSION_SECONDS,
            )
        return session_id

    def person(self, session_id: str | None) -> Person | None:
        if not session_id:
            return None
        with self._lock:
            person = self._people.get(session_id)
            if person and person.expires < self._clock():
                del self._people[session_id]
                return None
            return person

    def sign_out(self, session_id: str | None) -> None:
        with self._lock:
            self._people.pop(session_id or "", None)

    def _not_a_failure(self, username: str, at: float) -> None:
        with self._lock:
            tried = self._failures.get(username, [])
            if at in tried:
                tried.remove(at)
            if not tried:
                self._failures.pop(username, None)

    def _sweep(self, now: float) -> None:
        """Expired sessions still hold their person's password, and names that failed once
        may never be tried again: both go at every sign-in, not only when looked up."""
        self._people = {key: p for key, p in self._people.items() if p.expires >= now}
        self._failures = {
            name: recent
            for name, times in self._failures.items()
            if (recent := [t for t in times if now - t < ATTEMPT_WINDOW])
        }
