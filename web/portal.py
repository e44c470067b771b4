"""What every page handler shares: the portal's state, rendering, and who is signed in."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, tzinfo
from pathlib import Path
from typing import Any

from fastapi.templating import Jinja2Templates
from sqlalchemy import Engine, select
from sqlmodel import Session
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse

from models import formatting
from models.cycle_context import CycleContext, UnknownCycle, load_context
from models.db import session_scope
from models.settings import Settings
from models.tables import Cycle, StaffRole
from models.words import speak_to_reader
from notifications.render import in_language
from tasks.operations.accounts import may_see, session_holds
from tasks.operations.portal_sessions import Opening, end_session, live_session, open_session
from web.security import csrf_token
from web.words import words_for

TEMPLATES = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))
# numbers as the page's language writes them: 89,265 points, 89,27% and 0,2 KB in Vietnamese
for _name in ("number", "percent", "file_size"):
    TEMPLATES.env.filters[_name] = in_language(getattr(formatting, _name))


@dataclass
class Portal:
    settings: Settings
    engine: Engine
    clock: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))

    @property
    def evidence_dir(self) -> Path:
        return Path(self.settings.evidence_dir)

    @contextmanager
    def session(self) -> Iterator[Session]:
        with session_scope(self.engine) as session:
            yield session


def portal_of(request: Request) -> Portal:
    return request.app.state.portal


def render(request: Request, template: str, status: int = 200, **values: Any) -> HTMLResponse:
    language = page_language(request)
    return TEMPLATES.TemplateResponse(request, template, {
        "t": words_for(language), "lang": language, "csrf": csrf_token(request),
        "signed_unit": request.session.get("unit"), "signed_staff": request.session.get("staff"),
        "role": request.session.get("role"), **values}, status_code=status)


async def reader_language(request: Request) -> None:
    """Every request's dependency: what the request's own code says (a refusal's reason) is said in the page's
    language. Async, so that it runs in the request's task and the endpoint sees it."""
    speak_to_reader(page_language(request))


def page_language(request: Request) -> str:
    """The reader's choice (the header's link), else the portal's (PARINDEX_LANGUAGE): Vietnamese by default."""
    chosen = request.session.get("lang") or portal_of(request).settings.language
    return "en" if chosen == "en" else "vi"


def say(request: Request, key: str, **values: object) -> str:
    """A sentence of the portal's words in the reader's language."""
    return words_for(page_language(request))(key, **values)


PENDING_MINUTES = 30  # a link checked and waiting for its button


def client_address(request: Request) -> str:
    return request.client.host if request.client else "?"


def fresh_session(request: Request, **values: str) -> None:
    """A new cookie session with nothing of the one before but the chosen language (sign-in, sign-out, an ended
    session), its start written into it."""
    language = request.session.get("lang")
    request.session.clear()
    since = str(int(portal_of(request).clock().timestamp()))
    request.session.update({**({"lang": language} if language else {}), **values, "since": since})


def signed_in(request: Request, opening: Opening, **values: str) -> None:
    """A session on the server for a unit or a staff member (its token in the cookie, its hash in the database),
    the sign-in written to the access log."""
    portal = portal_of(request)
    with portal.session() as session:
        token = open_session(session, opening, at=portal.clock())
    fresh_session(request, sid=token, **values)


def signed_out(request: Request) -> None:
    """The session ends on the server (a copy of the cookie opens nothing after), the sign-out logged."""
    portal = portal_of(request)
    actor = (f"unit:{request.session['unit']}" if request.session.get("unit")
             else f"{request.session.get('role')}:{request.session.get('staff')}")
    if request.session.get("sid"):
        with portal.session() as session:
            end_session(session, str(request.session["sid"]), actor=actor, at=portal.clock(),
                        address=client_address(request))
    fresh_session(request)


def bounded_session(request: Request) -> None:
    """Every request's dependency (a plain def: FastAPI runs it in its thread pool): a signed-in cookie holds only
    while its session on the server lasts (not signed out, not ended by an account change, under SESSION_HOURS
    from sign-in whatever happened since); a link waiting for its button, PENDING_MINUTES."""
    session = request.session
    if {"unit", "staff"} & session.keys():
        portal = portal_of(request)
        with portal.session() as db:
            alive = live_session(db, str(session.get("sid", "")), at=portal.clock()) is not None
    elif "pending" in session:
        since = session.get("since")
        alive = bool(since) and portal_of(request).clock().timestamp() - float(since) <= PENDING_MINUTES * 60
    else:
        return
    if not alive:
        fresh_session(request)


@dataclass(frozen=True)
class SignedUnit:
    cycle_id: str
    code: str

    @property
    def actor(self) -> str:
        return f"unit:{self.code}"


def signed_unit(request: Request) -> SignedUnit:
    """The unit of the session; 401 for anyone else (staff included: a unit's pages are the unit's)."""
    unit, cycle = request.session.get("unit"), request.session.get("cycle")
    if not unit or not cycle:
        raise HTTPException(401)
    return SignedUnit(cycle, unit)


@dataclass(frozen=True)
class SignedStaff:
    username: str
    role: str

    @property
    def actor(self) -> str:
        return f"{self.role}:{self.username}"


def signed_in_as(request: Request, *roles: StaffRole) -> SignedStaff:
    """The staff member the session says, in one of `roles` (any role when none is named); 401 or 403 otherwise.
    The session's word only: signed_staff also asks the account."""
    username, role = request.session.get("staff"), request.session.get("role")
    if not username or not role:
        raise HTTPException(401)
    if roles and role not in {r.value for r in roles}:
        raise HTTPException(403)
    return SignedStaff(username, role)


def signed_staff(request: Request, *roles: StaffRole, cycle_id: str | None = None) -> SignedStaff:
    """The staff member of the session while its account still holds it (there, enabled, the password, role and
    provinces of its sign-in: parindex user passwd, role, scope, disable and remove end every session at once);
    401 or 403 otherwise, the session ended. With a cycle: 404 when the cycle is not there or is of a province
    the account is not given (another province's cycle is not seen to exist)."""
    who = signed_in_as(request, *roles)
    with portal_of(request).session() as session:
        account = session_holds(session, who.username, str(request.session.get("key", "")))
        province = session.scalar(select(Cycle.province).where(Cycle.id == cycle_id)) if cycle_id else None
        seen = account is not None and (cycle_id is None or (province is not None and may_see(account, province)))
    if account is None:
        fresh_session(request)
        raise HTTPException(401)
    if not seen:
        raise HTTPException(404)
    return who


def cycle_context(session: Session, cycle_id: str) -> CycleContext:
    try:
        return load_context(session, cycle_id)
    except UnknownCycle:
        raise HTTPException(404) from None


def local(instant: datetime | None, zone: tzinfo) -> str:
    """An instant in the cycle's zone, as Vietnamese write it."""
    if instant is None:
        return "—"
    return instant.astimezone(zone).strftime("%d/%m/%Y %H:%M")
