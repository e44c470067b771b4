"""What every page handler shares: the portal's state, rendering, and who is signed in."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, tzinfo
from pathlib import Path
from typing import Any

from fastapi.templating import Jinja2Templates
from sqlalchemy import Engine
from sqlmodel import Session
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse

from models import formatting
from models.cycle_context import CycleContext, UnknownCycle, load_context
from models.db import session_scope
from models.settings import Settings
from models.tables import StaffRole
from models.words import speak_to_reader
from notifications.render import in_language
from tasks.operations.accounts import session_holds
from web.security import RateLimit, csrf_token
from web.words import words_for

TEMPLATES = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))
# numbers as the page's language writes them: 89,265 points and 89,27% in Vietnamese
for _name in ("number", "percent"):
    TEMPLATES.env.filters[_name] = in_language(getattr(formatting, _name))


@dataclass
class Portal:
    settings: Settings
    engine: Engine
    clock: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))
    link_requests: RateLimit = field(default_factory=lambda: RateLimit(5, 900))
    password_tries: RateLimit = field(default_factory=lambda: RateLimit(10, 900))

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


SESSION_HOURS = 8  # from sign-in: no request, not even choosing a language (which re-signs the cookie), extends it


def fresh_session(request: Request, **values: str) -> None:
    """A new session (sign-in, sign-out: nothing of the one before carries over but the chosen language), its
    start written into it."""
    language = request.session.get("lang")
    request.session.clear()
    since = str(int(portal_of(request).clock().timestamp()))
    request.session.update({**({"lang": language} if language else {}), **values, "since": since})


async def bounded_session(request: Request) -> None:
    """Every request's dependency: a session ends SESSION_HOURS after its sign-in, whatever happened since (the
    cookie's own max-age renews each time it is re-signed); one signed in without a start is ended too."""
    session = request.session
    if not ({"unit", "staff", "pending"} & session.keys()):
        return
    since = session.get("since")
    age = portal_of(request).clock().timestamp() - float(since) if since else None
    if age is None or age > SESSION_HOURS * 3600:
        language = session.get("lang")
        session.clear()
        if language:
            session["lang"] = language


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


def signed_staff(request: Request, *roles: StaffRole) -> SignedStaff:
    """The staff member of the session while its account still holds it (there, enabled, the password and the
    role of its sign-in: parindex user passwd, role, disable and remove end every session at once); 401 or 403
    otherwise, the session ended."""
    who = signed_in_as(request, *roles)
    with portal_of(request).session() as session:
        holds = session_holds(session, who.username, str(request.session.get("key", "")))
    if holds is None:
        fresh_session(request)
        raise HTTPException(401)
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
