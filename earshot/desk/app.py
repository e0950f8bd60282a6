"""The desk's pages and forms. Every form carries the session's CSRF token; every change
needs the responder role here and the matching privilege in Elasticsearch."""

from __future__ import annotations

import os
import re
import secrets
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlencode, urlsplit

from elasticsearch import ApiError, AuthenticationException, AuthorizationException, TransportError
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from earshot.alerts.lifecycle import (
    AlertChanged,
    AlertNotFound,
    acknowledge,
    list_alerts,
    resolve,
)
from earshot.core.clock import on_force_clocks
from earshot.core.kibana_links import discover_url, kibana_url
from earshot.core.templates import template_environment
from earshot.desk import work
from earshot.desk.signin import SESSION_SECONDS, Person, Sessions, TooManyAttempts, accepted
from earshot.store.audit import AuditNotWritten
from earshot.store.connection import connect
from earshot.store.fields import CLUSTER
from earshot.store.mentions import MentionNotFound

_pages = template_environment("earshot.desk")
Form = FormData | None  # what a request posted; None for a GET
# Scripts only from the desk itself: a post's text that slipped past escaping still could
# not run, nor send a form or a frame elsewhere.
_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; style-src 'self' 'unsafe-inline'; object-src 'none'; "
        "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    # Pages hold posts, names and notes: a shared browser or a proxy keeps no copy.
    "Cache-Control": "no-store",
}
BODY_LIMIT = 64 * 1024  # a note of a few pages, far past any form the desk serves
_ANOTHER_SITE = (
    "This sign-in was sent from another site, so it was refused. "
    "Open the desk's address yourself and sign in there."
)
_NODE_DOWN = (
    "Elasticsearch did not answer the desk, so nothing was read or changed. "
    "Try again in a minute; if it keeps happening, tell whoever runs Earshot."
)
_NOT_YOURS_TO_DO = (
    "Elasticsearch does not let your user do this. Ask whoever runs Earshot for the role "
    "the desk needs: earshot_analyst to look, earshot_responder to respond. "
    "Elasticsearch said: {said}"
)
_DESK_REFUSED = (
    "Elasticsearch refused what the desk asked of it ({status}). This is no fault of yours: "
    "tell whoever runs Earshot. Elasticsearch said: {said}"
)
_REVEAL_NOT_RECORDED = (
    "The words stay withheld: each reveal is recorded before it is shown, and Elasticsearch "
    "refused the desk's own credentials (EARSHOT_ELASTICSEARCH_API_KEY, or _USER and "
    "_PASSWORD) that record. Tell whoever runs Earshot: they are wrong, or may not write the "
    "audit trail. Elasticsearch said: {said}"
)
_PASSWORD_REFUSED = (
    "Elasticsearch no longer accepts the password you signed in with (it was changed or "
    "removed), so you were signed out. Sign in with your current password."
)
# Spelled out: a step the desk does not know must not fall through to closing the alert.
_ALERT_STEPS = {"acknowledge": acknowledge, "resolve": resolve}


def secret_from_environment() -> str:
    secret = os.environ.get("EARSHOT_DESK_SECRET", "")
    if len(secret) < 32:
        raise SystemExit("EARSHOT_DESK_SECRET must be set to at least 32 random characters")
    return secret


def create_app(secret: str, *, secure_cookie: bool = True, refresh_seconds: int = 15) -> Starlette:
    """`secure_cookie`: the session cookie only travels over HTTPS; off only on this
    machine, where it is still Secure for a request that came over HTTPS (through a TLS
    proxy here, which says so in X-Forwarded-Proto). `refresh_seconds`: how often an open
    queue asks for new mentions."""
    # The desk's own credentials write only what a read-only analyst cannot: the record
    # that they chose to see a risk-flagged post's words.
    trail = connect()
    sessions = Sessions(trail)

    def page(request: Request, name: str, status_code: int = 200, **values) -> HTMLResponse:
        return HTMLResponse(render(name, **values), status_code=status_code, headers=_HEADERS)

    def signed_in(request: Request) -> Person:
        person = sessions.person(request.session.get("id"))
        if person is None:
            raise HTTPException(303, headers={"Location": _sign_in_then(request)})
        return person

    def posted(form: Form, person: Person, *, change: bool = True) -> Form:
        if form is None or not secrets.compare_digest(str(form.get("csrf", "")), person.csrf):
            raise HTTPException(403, "the form's CSRF token is missing or wrong")
        if change and not person.may_respond:
            raise HTTPException(403, "only responders may change the workflow")
        return form

    def signin(request: Request, form: Form) -> Response:
        asked = request.query_params.get("next", "/") if form is None else form.get("next", "/")
        then = _on_the_desk(str(asked))  # where the person goes once signed in

        def shown(status: int, error: str) -> Response:
            return page(request, "signin", status, error=error, then=then)

        if form is None:
            return shown(200, request.session.pop("why", ""))
        if _from_another_site(request):
            return shown(403, _ANOTHER_SITE)
        try:
            session_id = sessions.sign_in(
                str(form.get("username", "")), str(form.get("password", ""))
            )
        except TooManyAttempts:
            return shown(429, "Too many attempts; wait five minutes.")
        if session_id is None:
            return shown(401, "Those credentials were not accepted.")
        sessions.sign_out(request.session.get("id"))  # and the password it held goes with it
        request.session.clear()
        request.session["id"] = session_id
        return RedirectResponse(then, 303)

    def signout(request: Request, form: Form) -> Response:
        person = signed_in(request)
        posted(form, person, change=False)
        sessions.sign_out(request.session.get("id"))
        request.session.clear()
        return RedirectResponse("/signin", 303)

    def queue(request: Request, form: Form) -> Response:
        person = signed_in(request)
        filters = _filters(request)
        return page(
            request,
            "queue",
            person=person,
            waiting=work.queue(person.es, filters),
            filters=filters,
            since=work.SINCE,
            refresh_url=f"/queue/rows?{request.url.query}",
            refresh_seconds=refresh_seconds,
        )

    def queue_rows(request: Request, form: Form) -> Response:
        """The queue's rows alone, for the open page to swap in without a reload."""
        person = signed_in(request)
        return page(request, "queue_rows", waiting=work.queue(person.es, _filters(request)))

    def item(request: Request, form: Form) -> Response:
        person = signed_in(request)
        found = _mention(person, request.path_params["id"])

        def shown(status: int = 200, *, revealed: bool = False, error: str = "") -> Response:
            copies = work.story(person.es, found)
            return page(
                request,
                "item",
                status,
                person=person,
                item=found,
                revealed=revealed,
                copies=copies,
                every_copy=_every_copy(found, copies),
                outcomes=work.OUTCOMES,
                error=error,
            )

        if form is None:
            return shown()
        doing = request.query_params.get("do")
        posted(form, person, change=doing != "reveal")
        if doing == "reveal":
            try:
                work.reveal(trail, found, by=person.name)
            except (AuthenticationException, AuthorizationException, AuditNotWritten) as e:
                said = _said(e) if isinstance(e, ApiError) else str(e)
                raise HTTPException(500, _REVEAL_NOT_RECORDED.format(said=said)) from e
            return shown(revealed=True)
        try:
            if doing == "note":
                work.note(person.es, found, by=person.name, text=str(form.get("note", "")))
            else:
                work.change(
                    person.es,
                    found,
                    by=person.name,
                    step=str(form.get("step", "")),
                    seen=_seen(form),
                    outcome=str(form.get("outcome", "")),
                    reason=str(form.get("reason", "")),
                )
        except work.BadChange as e:
            return shown(400, error=str(e))
        except work.ChangedMeanwhile as e:
            found = _mention(person, found["id"])
            return shown(409, error=str(e))
        except MentionNotFound as e:
            raise HTTPException(404, str(e)) from e
        return RedirectResponse(f"/item/{found['id']}", 303)

    def alerts(request: Request, form: Form) -> Response:
        person = signed_in(request)
        if form is not None:
            posted(form, person)
            alert_id, step = str(form.get("id", "")), str(form.get("step", ""))
            if step not in _ALERT_STEPS:
                raise HTTPException(400, f"step must be acknowledge or resolve, not {step!r}")
            try:
                _ALERT_STEPS[step](person.es, alert_id, by=person.name)
            except AlertNotFound as e:
                raise HTTPException(404, f"no alert with id {alert_id!r}") from e
            except AlertChanged as e:
                raise HTTPException(
                    409, "the alert changed while you were changing it: reload the page"
                ) from e
            return RedirectResponse("/alerts", 303)
        return page(request, "alerts", person=person, alerts=list_alerts(person.es))

    async def password_refused(request: Request, error: AuthenticationException) -> Response:
        """Elasticsearch refused the person's own password, changed or removed since they
        signed in: every page would fail until the session ran out, so it ends now and they
        are told why. A refusal of the desk's own credentials stays the desk's fault."""
        session_id = request.session.get("id")
        person = sessions.person(session_id)
        if person is None or await run_in_threadpool(accepted, person):
            return await _elasticsearch_failed(request, error)
        sessions.sign_out(session_id)
        request.session.clear()
        request.session["why"] = _PASSWORD_REFUSED
        return RedirectResponse(_sign_in_then(request), 303, headers=_HEADERS)

    return Starlette(
        routes=[
            Route("/", _off_the_loop(queue)),
            Route("/queue/rows", _off_the_loop(queue_rows)),
            Route("/signin", _off_the_loop(signin), methods=["GET", "POST"]),
            Route("/signout", _off_the_loop(signout), methods=["POST"]),
            Route("/item/{id}", _off_the_loop(item), methods=["GET", "POST"]),
            Route("/alerts", _off_the_loop(alerts), methods=["GET", "POST"]),
            Mount("/static", StaticFiles(packages=[("earshot.desk", "static")]), name="static"),
        ],
        exception_handlers={
            HTTPException: _refused,
            AuthenticationException: password_refused,
            TransportError: _elasticsearch_failed,
            ApiError: _elasticsearch_failed,
        },
        middleware=[
            Middleware(_SmallBodies),
            Middleware(
                _SessionCookie,
                always_secure=secure_cookie,
                secret_key=secret,
                max_age=SESSION_SECONDS,
                # Lax, not strict: a digest's link read in webmail comes from another site,
                # and must open the mention for someone signed in. Another site's posts still
                # come without the cookie, and every form needs the session's CSRF token.
                same_site="lax",
            ),
        ],
    )


async def _refused(request: Request, error: HTTPException) -> Response:
    """A refusal (400, 403, 404, 409, 413, 500, 503) or a redirect to sign in, with the pages' own
    headers: without them an error page could be framed, cached or give away its address."""
    headers = {**_HEADERS, **(error.headers or {})}
    return PlainTextResponse(error.detail, error.status_code, headers=headers)


async def _elasticsearch_failed(request: Request, error: TransportError | ApiError) -> Response:
    """Elasticsearch unreachable, or too unwell to answer (a 5xx): a stopped or restarting
    node is no fault of the person, who is told so and to try again. A refusal names what
    was refused in Elasticsearch's words, for whoever runs Earshot: the person's own user
    lacking a privilege (403), else a request of the desk's that the node would not take."""
    if not isinstance(error, ApiError) or error.meta.status >= 500:
        return await _refused(request, HTTPException(503, _NODE_DOWN))
    if isinstance(error, AuthorizationException):
        return await _refused(
            request, HTTPException(403, _NOT_YOURS_TO_DO.format(said=_said(error)))
        )
    refused = _DESK_REFUSED.format(status=error.meta.status, said=_said(error))
    return await _refused(request, HTTPException(500, refused))


def _said(error: ApiError) -> str:
    """Elasticsearch's reason for a refusal: the action, the index, the user it refused."""
    said = error.body.get("error") if isinstance(error.body, dict) else None
    if isinstance(said, dict):  # its first cause says more than "all shards failed"
        said = (said.get("root_cause") or [said])[0].get("reason")
    return str(said or error.message or f"{error.meta.status}, with no reason given")


def _off_the_loop(
    handle: Callable[[Request, Form], Response],
) -> Callable[[Request], Awaitable[Response]]:
    """Elasticsearch's client blocks, so each request's work runs in Starlette's thread pool:
    on the event loop, one person's slow answer from the node held up every other person's
    page until it came. A posted form is read first, on the loop, where reading is awaited."""

    async def endpoint(request: Request) -> Response:
        form = await request.form() if request.method == "POST" else None
        return await run_in_threadpool(handle, request, form)

    return endpoint


class _SmallBodies:
    """Refuses a request body past BODY_LIMIT as it arrives: the desk's forms are small, and
    a huge sign-in post, which anyone may send, would otherwise be read whole into memory."""

    def __init__(self, app: ASGIApp) -> None:
        self._app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        received = 0

        async def counted() -> Message:
            nonlocal received
            message = await receive()
            received += len(message.get("body", b""))
            if received > BODY_LIMIT:
                raise HTTPException(413, f"a request's body may be at most {BODY_LIMIT} bytes")
            return message

        await self._app(scope, counted, send)


class _SessionCookie:
    """Starlette's signed session cookie, Secure whenever the request came over HTTPS:
    behind a TLS proxy the browser must never send it over plain HTTP, while the demo's
    desk on this machine still signs in over plain HTTP."""

    def __init__(self, app: ASGIApp, *, always_secure: bool, **options: Any) -> None:
        self._secure = SessionMiddleware(app, https_only=True, **options)
        self._plain = self._secure if always_secure else SessionMiddleware(app, **options)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        https = scope.get("scheme") in ("https", "wss")
        await (self._secure if https else self._plain)(scope, receive, send)


def render(name: str, person: Person | None = None, **values) -> str:
    """A page as the desk serves it; `make desk-preview` renders sample pages through it."""
    return _pages.get_template(f"{name}.html.j2").render(
        person=person, safe_link=safe_link, link_site=link_site, force_time=force_time, **values
    )


def _sign_in_then(request: Request) -> str:
    """The sign-in page, set to return the person to the page they asked for (a digest's
    link to an item, say). A form's post is not sent again, and the open queue's fetch of its
    rows is no page to come back to: both return to the queue."""
    asked = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    if request.method != "GET" or asked == "/" or request.url.path == "/queue/rows":
        return "/signin"
    return f"/signin?{urlencode({'next': asked})}"


def _on_the_desk(asked: str) -> str:
    r"""`asked` when it is a path on the desk itself, else the queue: a sign-in link naming any
    address would otherwise send a person, just signed in, to another site (an open
    redirect). Browsers read "//host" and "/\host" as another site, and drop tabs and line
    breaks ("/\t/host"), so a path starting so, or holding any, is refused."""
    return asked if re.fullmatch(r"/(?![/\\])[^\x00-\x20\x7f\\]*", asked) else "/"


def _from_another_site(request: Request) -> bool:
    """A sign-in the desk's own page did not send: another site's form would sign the
    person's browser in as whoever that site chose (login CSRF). Browsers say where a
    post came from in Origin, or in Sec-Fetch-Site when Origin is "null" (as the desk's
    own no-referrer policy makes it) or missing; a client that says neither is no
    browser, so no one's browser can be signed in by it."""
    origin = request.headers.get("origin", "null")
    if origin != "null":
        return origin != f"{request.url.scheme}://{request.url.netloc}"
    return request.headers.get("sec-fetch-site", "same-origin") not in ("same-origin", "none")


def _filters(request: Request) -> work.Filters:
    q = request.query_params
    try:
        return work.Filters(
            action=q.get("action", ""),
            status=q.get("status", ""),
            source=q.get("source", ""),
            topic=q.get("topic", ""),
            place=q.get("place", ""),
            assignee=q.get("assignee", ""),
            since=q.get("since", ""),
            search=q.get("q", ""),
        )
    except work.BadFilter as e:
        raise HTTPException(400, str(e)) from e


def _seen(form: FormData) -> work.Seen:
    """The version of the mention that the page the form was sent from showed."""
    try:
        return work.Seen(int(str(form.get("seq_no"))), int(str(form.get("primary_term"))))
    except ValueError as e:
        raise work.BadChange("the form did not say which version it showed: reload the page") from e


def _mention(person: Person, mention_id: str) -> dict:
    found = work.mention(person.es, mention_id)
    if found is None:
        raise HTTPException(404, f"no mention with id {mention_id}")
    return found


def _every_copy(item: dict, copies: work.Copies) -> str | None:
    """Kibana's Discover listing every copy of the story, when the page leaves some out and
    the force's Kibana is known (EARSHOT_KIBANA_URL, as for the digest's links)."""
    kibana = kibana_url()
    if not (copies.more and copies.span and kibana):
        return None
    first, last = copies.span
    # Discover's range is given to the second: the latest copy's own second is kept in it.
    return discover_url(
        kibana, f'{CLUSTER}:"{item["cluster"]}"', first, last + timedelta(seconds=1)
    )


def force_time(published: str) -> str:
    """A mention's stored UTC time as UK clocks showed it, as the digest and alerts give it;
    empty for a mention with no time."""
    return on_force_clocks(datetime.fromisoformat(published)) if published else ""


def safe_link(url: str | None) -> str | None:
    """Only web links become links: a `javascript:` or `data:` URL stays text."""
    return url if url and urlsplit(url).scheme in ("http", "https") else None


def link_site(url: str | None) -> str | None:
    """The site a web link points to, and nothing of the rest of its address."""
    link = safe_link(url)
    return urlsplit(link).hostname if link else None
