"""`parindex web`: the FastAPI application, its guards, error pages and sign-in."""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

from fastapi import BackgroundTasks, Depends, FastAPI, Query
from fastapi.exceptions import RequestValidationError
from fastapi.staticfiles import StaticFiles
from sqlalchemy import Engine
from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import ClientDisconnect, Request
from starlette.responses import RedirectResponse, Response

from models.refusals import ConcurrentChange, Refused, door_of
from models.settings import Settings
from models.sign_in import SignInRefused, web_secret
from tasks.operations.portal_sessions import SESSION_HOURS, Opening
from tasks.operations.sign_in_links import check_link, mail_sign_in_links, spend_link
from tasks.operations.throttle import within_limit
from web import staff_pages, survey_pages, unit_pages
from web.portal import (
    Portal,
    bounded_session,
    client_address,
    fresh_session,
    page_language,
    portal_of,
    reader_language,
    render,
    signed_in,
    signed_out,
)
from web.security import BodyLimit, SecurityHeaders, posted_form, security_headers
from web.words import words_for

ERROR_WORDS = {400: "bad_request", 401: "not_signed_in", 403: "forbidden", 404: "not_found", 405: "not_found",
               408: "too_slow", 413: "too_large", 429: "too_many"}
log = logging.getLogger("parindex.web")
LINK_REQUESTS, LINK_WINDOW = 5, timedelta(minutes=15)  # new sign-in links asked for, per address and per e-mail


def create_app(settings: Settings, engine: Engine, *, clock: Callable[[], datetime] | None = None) -> FastAPI:
    app = FastAPI(docs_url=None, redoc_url=None, openapi_url=None,
                  dependencies=[Depends(bounded_session), Depends(reader_language)])
    app.state.portal = Portal(settings, engine, **({"clock": clock} if clock else {}))
    https = settings.public_url.startswith("https://")
    app.add_middleware(BodyLimit)
    app.add_middleware(SessionMiddleware, secret_key=web_secret(settings), session_cookie="parindex_session",
                       max_age=SESSION_HOURS * 3600, same_site="lax", https_only=https)
    app.add_middleware(SecurityHeaders, https=https)
    app.mount("/static", StaticFiles(directory=str(Path(__file__).parent / "static")), name="static")
    app.include_router(unit_pages.router)
    app.include_router(staff_pages.router)
    app.include_router(survey_pages.router)
    app.add_api_route("/", home, methods=["GET"])
    app.add_api_route("/signin/request", request_link, methods=["POST"])
    app.add_api_route("/signin/{token}", confirm_sign_in, methods=["GET"])
    app.add_api_route("/signin", open_session, methods=["POST"])
    app.add_api_route("/signout", sign_out, methods=["POST"])
    app.add_api_route("/language/{code}", choose_language, methods=["GET"])
    app.add_exception_handler(HTTPException, http_error)
    app.add_exception_handler(Refused, refused_page)  # a refusal no page turned into its own words
    app.add_exception_handler(RequestValidationError, not_found)  # /unit/tasks/abc: no such page
    app.add_exception_handler(ClientDisconnect, client_left)  # handled inside: no traceback reaches the log
    app.add_exception_handler(Exception, server_error)
    return app


async def http_error(request: Request, error: HTTPException) -> Response:
    if error.status_code == 401 and request.method == "GET":
        return RedirectResponse("/", status_code=303)
    key = "csrf" if error.detail == "csrf" else ERROR_WORDS.get(error.status_code, "bad_request")
    return render(request, "error.html", status=error.status_code, message_key=key)


async def refused_page(request: Request, error: Exception) -> Response:
    """A refusal as the web's door says it (models.refusals.DOORS): its status, and its sentence (a concurrent
    change in the portal's words: try again)."""
    assert isinstance(error, Refused)
    door = door_of(error)
    if isinstance(error, ConcurrentChange):
        return render(request, "error.html", status=door.http_status, message_key="concurrent_change")
    return render(request, "error.html", status=door.http_status, message_key="not_done",
                  message_values={"why": error.said(words_for(page_language(request)))[0]})


async def not_found(request: Request, error: Exception) -> Response:
    return render(request, "error.html", status=404, message_key="not_found")


async def client_left(request: Request, error: Exception) -> Response:
    """A client that went away in the middle of its request (an upload cancelled, a closed tab): one line in the
    log; the answer goes nowhere."""
    log.info("client left during %s %s", request.method, request.url.path)
    return Response(status_code=400)


async def server_error(request: Request, error: Exception) -> Response:
    log.error("web request failed: %s %s: %s", request.method, request.url.path, type(error).__name__)
    page = render(request, "error.html", status=500, message_key="server_error")
    https = portal_of(request).settings.public_url.startswith("https://")
    page.raw_headers.extend(security_headers(request.url.path, https=https))  # outside every middleware
    return page


def home(request: Request) -> Response:
    if request.session.get("unit"):
        return RedirectResponse("/unit", status_code=303)
    if request.session.get("staff"):
        return RedirectResponse("/staff", status_code=303)
    return render(request, "home.html")


def request_link(request: Request, background: BackgroundTasks,
                 form: FormData = Depends(posted_form())) -> Response:
    """A unit types its registered address: a new link goes to that address (the page never says whether it is
    registered, nor does its timing: the lookup, the outbox and SMTP all happen after the answer is sent).
    Rate-limited per client and per address."""
    portal = portal_of(request)
    address = str(form.get("email", "")).strip().lower()[:254]
    keys = [f"link-ip:{client_address(request)}", f"link-address:{address}"]
    with portal.session() as session:
        allowed = within_limit(session, keys, limit=LINK_REQUESTS, window=LINK_WINDOW, at=portal.clock())
    if not allowed:
        return render(request, "home.html", status=429, notice_key="too_many")
    if "@" in address:
        background.add_task(mail_sign_in_links, portal.engine, portal.settings, address, at=portal.clock())
    return render(request, "home.html", notice_key="link_sent")


def confirm_sign_in(request: Request, token: str) -> Response:
    """The link from a mail: checked, kept in the session (never written into the page), confirmed by a button
    so that a mail scanner opening the link does not spend it."""
    portal = portal_of(request)
    try:
        _, unit_name = check_link(portal.engine, portal.settings, token)
    except SignInRefused as refused:
        return render(request, "home.html", status=400, notice_key=f"link_{refused.reason}", ask_new_link=True)
    fresh_session(request, pending=token)
    return render(request, "confirm.html", unit_name=unit_name)


def open_session(request: Request, form: FormData = Depends(posted_form())) -> Response:
    portal = portal_of(request)
    token = request.session.pop("pending", None)
    if not token:
        raise HTTPException(400)
    try:
        claim = spend_link(portal.engine, portal.settings, token, at=portal.clock())
    except SignInRefused as refused:
        return render(request, "home.html", status=400, notice_key=f"link_{refused.reason}", ask_new_link=True)
    signed_in(request, Opening("unit", f"unit:{claim.unit_code}", client_address(request), cycle_id=claim.cycle_id,
                               unit_code=claim.unit_code),
              unit=claim.unit_code, cycle=claim.cycle_id, csrf=secrets.token_urlsafe(24))
    return RedirectResponse(claim.next_path, status_code=303)


def choose_language(request: Request, code: str,
                          back: str = Query("/", alias="next", max_length=300)) -> Response:
    """Tiếng Việt or English for this browser's pages (mail keeps the province's language); back to the page."""
    if code not in ("vi", "en"):
        raise HTTPException(404)
    request.session["lang"] = code
    safe = back.startswith("/") and not back.startswith(("//", "/\\"))
    return RedirectResponse(back if safe else "/", status_code=303)


def sign_out(request: Request, form: FormData = Depends(posted_form())) -> Response:
    """The session ends on the server: a copy of its cookie kept from before opens nothing."""
    signed_out(request)
    return RedirectResponse("/", status_code=303)


def portal_from_environment() -> FastAPI:
    """The portal of one of several processes (`parindex web --workers N`): its settings, database included, from
    the environment the command set."""
    from models.settings import get_settings
    from tasks.engine.runtime import engine_for

    settings = get_settings()
    return create_app(settings, engine_for(settings.database_url))
