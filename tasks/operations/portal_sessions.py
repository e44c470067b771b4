"""The portal's sessions, kept on the server: a cookie carries a random token, the database its hash, so signing
out ends a session for good (a copy of the cookie kept from before opens nothing), a change to a staff account
ends its sessions at once, and no request extends a session's life. Each sign-in, failed staff login and
sign-out is written to the access log with its time and address."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select, update
from sqlmodel import Session

from models.tables import AccessEvent, PortalSession

SESSION_HOURS = 8  # from sign-in: no request extends it


@dataclass(frozen=True)
class Opening:
    """Who a new session is for, and from where."""

    kind: str  # unit | staff
    actor: str  # unit:CODE or role:username, as the access log names it
    address: str
    cycle_id: str | None = None
    unit_code: str | None = None
    username: str | None = None


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def open_session(session: Session, opening: Opening, *, at: datetime) -> str:
    """A new session; its token, for the cookie (the database keeps only the token's hash)."""
    token = secrets.token_urlsafe(32)
    # sessions ended a day ago or more say nothing the access log does not: they go as new ones come
    session.execute(delete(PortalSession).where(PortalSession.expires_at < at - timedelta(days=1)))
    session.add(PortalSession(id=_digest(token), kind=opening.kind, cycle_id=opening.cycle_id,
                              unit_code=opening.unit_code, username=opening.username, address=opening.address[:64],
                              started_at=at, expires_at=at + timedelta(hours=SESSION_HOURS)))
    log_access(session, "signed_in", opening.actor, at=at, address=opening.address, cycle_id=opening.cycle_id)
    return token


def live_session(session: Session, token: str, *, at: datetime) -> PortalSession | None:
    """The session of this token while it lasts: not signed out, not ended by an account change, not expired."""
    if not token or len(token) > 100:
        return None
    row = session.get(PortalSession, _digest(token))
    if row is None or row.ended_at is not None or row.expires_at <= at:
        return None
    return row


def end_session(session: Session, token: str, *, actor: str, at: datetime, address: str) -> bool:
    """Sign out: the session ends for every copy of its cookie; False when it had ended already."""
    row = live_session(session, token, at=at)
    if row is None:
        return False
    row.ended_at, row.ended_why = at, "sign_out"
    log_access(session, "signed_out", actor, at=at, address=address, cycle_id=row.cycle_id)
    return True


def end_sessions_of(session: Session, username: str, *, actor: str, at: datetime) -> int:
    """Every live session of a staff account ends (its password, role or provinces changed; it was disabled or
    removed); how many."""
    ended = session.execute(update(PortalSession).where(
        PortalSession.username == username, PortalSession.kind == "staff", PortalSession.ended_at.is_(None),
        PortalSession.expires_at > at).values(ended_at=at, ended_why="account_changed")).rowcount
    if ended:
        log_access(session, "sessions_ended", actor, at=at, address="")
    return int(ended or 0)


def log_access(session: Session, event: str, actor: str, *, at: datetime, address: str,
               cycle_id: str | None = None) -> None:
    session.add(AccessEvent(at=at, event=event, actor=actor[:96], cycle_id=cycle_id, address=address[:64]))


def access_events(session: Session, *, cycle_id: str | None = None, limit: int = 500) -> list[AccessEvent]:
    """The newest entries of the access log, newest first: one cycle's (its units' sign-ins and sign-outs) or
    all."""
    query = select(AccessEvent).order_by(AccessEvent.at.desc(), AccessEvent.id.desc()).limit(limit)
    if cycle_id is not None:
        query = query.where(AccessEvent.cycle_id == cycle_id)
    return list(session.scalars(query))
