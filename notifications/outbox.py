"""The transactional outbox: messages written with their cause, delivered later, exactly once per key."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session

from models.batching import chunked
from models.bulk import bind_processors, placeholder
from models.tables import FINISHED, Assignment, MessageStatus, OutboxMessage
from notifications.render import RenderedMessage

MAX_ATTEMPTS = 8
BACKOFF_SECONDS = (30, 120, 600, 1800, 3600, 3 * 3600, 6 * 3600)


@dataclass(frozen=True)
class NewMessage:
    cycle_id: str
    idempotency_key: str
    kind: str
    assignee: str
    assignment_id: int | None
    to_address: str
    cc_addresses: tuple[str, ...]
    rendered: RenderedMessage
    due_at: datetime | None
    attachment: str = ""  # a file made when the message is sent, e.g. "form:self-assessment:SXD"


def enqueue(session: Session, messages: Sequence[NewMessage], *, at: datetime) -> int:
    """Insert the messages whose key is new (a key already there is left alone); returns how many."""
    seen = existing_keys(session, [m.idempotency_key for m in messages])
    rows = [{
        "cycle_id": m.cycle_id, "idempotency_key": m.idempotency_key, "kind": m.kind, "assignee": m.assignee,
        "assignment_id": m.assignment_id, "to_address": m.to_address, "cc_addresses": ",".join(m.cc_addresses),
        "subject": m.rendered.subject, "body_text": m.rendered.text, "body_html": m.rendered.html,
        "ics": m.rendered.ics, "due_at": m.due_at, "created_at": at, "status": MessageStatus.PENDING.value,
        "attempts": 0, "next_attempt_at": at, "last_error": "", "attachment": m.attachment,
    } for m in messages if m.idempotency_key not in seen]
    if not rows:
        return 0
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    # A concurrent tick may have written the same key meanwhile: the unique key keeps one.
    session.execute(insert(OutboxMessage).on_conflict_do_nothing(index_elements=["idempotency_key"]), rows)
    return len(rows)


def existing_keys(session: Session, keys: Sequence[str]) -> set[str]:
    found: set[str] = set()
    for chunk in chunked(keys):
        found.update(session.execute(select(OutboxMessage.idempotency_key).where(
            OutboxMessage.idempotency_key.in_(chunk))).scalars())
    return found


# Messages about a deadline: obsolete once the task is done or the deadline moves. The opening mail (the form,
# the first sign-in link), drafts and letters are not about a deadline and always go out.
DEADLINE_KINDS = ("reminder", "overdue", "escalation", "extended")


def cancel_obsolete(session: Session, *, cycle_id: str, reason: str) -> int:
    """Cancel pending deadline messages that no longer apply: the assignment is done, or its deadline moved
    (the message carries the old one).

    In two short steps, not one join: what waits is a handful of rows, found through the status index,
    while the cycle's sent mail is tens of thousands; a join left the choice to the planner, which on
    fresh statistics scanned them all (SQLite) or worse (PostgreSQL)."""
    rows = session.execute(
        select(OutboxMessage.id, OutboxMessage.cycle_id, OutboxMessage.assignment_id, OutboxMessage.due_at,
               OutboxMessage.kind)
        .where(OutboxMessage.status.in_([MessageStatus.PENDING.value, MessageStatus.FAILED.value])))
    waiting = [(message_id, assignment_id, due_at) for message_id, cycle, assignment_id, due_at, kind in rows
               if cycle == cycle_id and assignment_id is not None and kind in DEADLINE_KINDS]
    assignments: dict[int, tuple[str, datetime | None]] = {}
    for chunk in chunked(sorted({assignment_id for _, assignment_id, _ in waiting})):
        assignments.update((row.id, (row.status, row.due_at)) for row in session.execute(
            select(Assignment.id, Assignment.status, Assignment.due_at).where(Assignment.id.in_(chunk))))
    finished = set(FINISHED)
    ids = [message_id for message_id, assignment_id, due_at in waiting
           if assignments[assignment_id][0] in finished
           or (due_at is not None and due_at != assignments[assignment_id][1])]
    for chunk in chunked(ids):
        session.execute(update(OutboxMessage).where(OutboxMessage.id.in_(chunk))
                        .values(status=MessageStatus.CANCELLED.value, last_error=reason))
    return len(ids)


def cancel_waiting_for(session: Session, *, cycle_id: str, assignee: str, reason: str) -> int:
    """Cancel every message still waiting for this assignee, whatever its kind (a withdrawn unit is sent
    nothing more: not even an opening mail an SMTP outage held back)."""
    return session.execute(update(OutboxMessage).where(
        OutboxMessage.cycle_id == cycle_id, OutboxMessage.assignee == assignee,
        OutboxMessage.status.in_([MessageStatus.PENDING.value, MessageStatus.FAILED.value]))
        .values(status=MessageStatus.CANCELLED.value, last_error=reason)
        .execution_options(synchronize_session=False)).rowcount


def claim_due(session: Session, *, at: datetime, limit: int,
              only: Sequence[int] | None = None) -> list[OutboxMessage]:
    """Pending or failed messages whose next attempt is due, oldest first (of `only`, when given)."""
    query = (select(OutboxMessage)
             .where(OutboxMessage.status.in_([MessageStatus.PENDING.value, MessageStatus.FAILED.value]),
                    OutboxMessage.attempts < MAX_ATTEMPTS,
                    or_(OutboxMessage.next_attempt_at.is_(None), OutboxMessage.next_attempt_at <= at))
             .order_by(OutboxMessage.id).limit(limit))
    if only is not None:
        query = query.where(OutboxMessage.id.in_(list(only)))
    return list(session.execute(query).scalars())


_OUTBOX = OutboxMessage.__table__


@dataclass(frozen=True)
class SentMarks:
    """Where delivery records acceptances: the driver's own connection in autocommit, so that each UPDATE is
    a transaction of its own: one statement (one round trip on PostgreSQL) where BEGIN, UPDATE and COMMIT
    were three, for the same guarantee: a message is recorded sent the moment the statement returns."""

    driver_connection: Any
    statement: str
    stamp: Callable[[datetime], Any]


def sent_marks(connection: Connection) -> SentMarks:
    """Marks on `connection`'s driver connection, which the caller has put in autocommit."""
    dialect = connection.dialect
    (stamp,) = bind_processors(_OUTBOX, ["sent_at"], dialect)
    mark = placeholder(dialect)
    return SentMarks(connection.connection.driver_connection,
                     f"UPDATE {_OUTBOX.name} SET status = {mark}, sent_at = {mark}, last_error = '' WHERE id = {mark}",
                     stamp or (lambda value: value))


def mark_sent(marks: SentMarks, message_ids: Sequence[int], *, at: datetime) -> None:
    """Each message sent, in a commit of its own: delivery marks thousands a minute."""
    sent_at = marks.stamp(at)
    for message_id in message_ids:
        marks.driver_connection.execute(marks.statement, (MessageStatus.SENT.value, sent_at, message_id))


def mark_failed(session: Session, message: OutboxMessage, *, at: datetime, error: str) -> None:
    attempts = message.attempts + 1
    delay = BACKOFF_SECONDS[min(attempts - 1, len(BACKOFF_SECONDS) - 1)]
    session.execute(update(OutboxMessage).where(OutboxMessage.id == message.id).values(
        status=MessageStatus.FAILED.value, attempts=attempts, last_error=error[:2000],
        next_attempt_at=at + timedelta(seconds=delay)))


@dataclass(frozen=True)
class MessageFilter:
    cycle_id: str | None = None
    assignee: str | None = None
    kind: str | None = None
    status: str | None = None
    limit: int = 200
    search: str | None = None  # in the subject, the recipient's address or the assignee
    offset: int = 0  # a page further on: the newest `offset` left out


def _conditions(wanted: MessageFilter) -> list[Any]:
    conditions = [column == value for column, value in (
        (OutboxMessage.cycle_id, wanted.cycle_id), (OutboxMessage.kind, wanted.kind),
        (OutboxMessage.status, wanted.status)) if value is not None]
    if wanted.assignee is not None:  # a unit's code in any case: unit:sxd finds unit:SXD
        conditions.append(func.upper(OutboxMessage.assignee) == wanted.assignee.upper())
    if wanted.search:
        pattern = "%" + wanted.search.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        conditions.append(or_(*(func.lower(column).like(pattern, escape="\\") for column in (
            OutboxMessage.subject, OutboxMessage.to_address, OutboxMessage.assignee))))
    return conditions


def count_messages(session: Session, wanted: MessageFilter) -> int:
    return session.scalar(select(func.count()).select_from(OutboxMessage).where(*_conditions(wanted))) or 0


def list_messages(session: Session, wanted: MessageFilter) -> tuple[int, list[OutboxMessage]]:
    """Messages matching the filter, newest first (at most `limit`), and how many match in all."""
    total = count_messages(session, wanted)
    rows = session.execute(select(OutboxMessage).where(*_conditions(wanted))
                           .order_by(OutboxMessage.id.desc()).offset(wanted.offset).limit(wanted.limit)).scalars().all()
    return total, list(rows)
