"""Delivering the outbox over SMTP: each message marked sent right after the server accepts it."""

from __future__ import annotations

import smtplib
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from models.cycle_context import load_context
from models.db import session_scope
from models.faults import reach
from models.refusals import NotFound
from models.settings import Settings
from models.tables import OutboxMessage
from notifications.outbox import SentMarks, cancel_obsolete, claim_due, mark_failed, mark_sent, sent_marks
from notifications.smtp import CycleHeading, Undeliverable, compose, send, smtp_connection
from tasks.engine.leadership import delivering
from tasks.mail.attachments import BatchFiles

BATCH = 500


@dataclass
class DeliveryReport:
    sent: int = 0
    failed: int = 0
    cancelled: int = 0
    error: str = ""


def deliver_pending(engine: Engine, settings: Settings, *, cycle_id: str, at: datetime) -> DeliveryReport:
    """Send what is due, over `settings.smtp_connections` SMTP sessions side by side (each composes while
    another waits for the server). A message is marked sent in its own commit right after acceptance, so a
    crash can resend at most one per session; while the server is down messages wait with back-off."""
    with delivering(engine, cycle_id) as mine:
        return _deliver_all(engine, settings, cycle_id=cycle_id, at=at) if mine else DeliveryReport()


def _deliver_all(engine: Engine, settings: Settings, *, cycle_id: str, at: datetime) -> DeliveryReport:
    report = DeliveryReport()
    with session_scope(engine) as session:
        report.cancelled = cancel_obsolete(session, cycle_id=cycle_id,
                                           reason="không còn cần: nhiệm vụ đã xong hoặc hạn đã đổi")
        heading = cycle_heading(session, cycle_id)
    sessions = settings.smtp_connections
    with ThreadPoolExecutor(max_workers=sessions, thread_name_prefix="smtp") as pool:
        while True:
            with session_scope(engine) as session:
                batch = claim_due(session, at=at, limit=BATCH * sessions)
            if not batch:
                return report
            shares = [batch[index::sessions] for index in range(sessions)]
            for share in pool.map(lambda share: _deliver(engine, settings, share, at, heading), filter(None, shares)):
                report.sent += share.sent
                report.failed += share.failed
                report.error = report.error or share.error
            if report.error or len(batch) < BATCH * sessions:
                return report


def deliver_now(engine: Engine, settings: Settings, cycle_id: str, message_ids: list[int], *,
                at: datetime) -> DeliveryReport:
    """Send these messages at once (a sign-in link someone is waiting for); left to the delivery under way, or
    to the next tick, when one runs or the server is down."""
    with delivering(engine, cycle_id) as mine:
        if not mine:
            return DeliveryReport()
        with session_scope(engine) as session:
            batch = claim_due(session, at=at, limit=len(message_ids), only=message_ids)
            heading = cycle_heading(session, cycle_id)
        return _deliver(engine, settings, batch, at, heading) if batch else DeliveryReport()


def cycle_heading(session, cycle_id: str) -> CycleHeading:
    """The cycle's coordinator address (Reply-To) and time zone (Date)."""
    ctx = load_context(session, cycle_id)
    return CycleHeading(ctx.coordinator.email, ctx.calendar.zone.key)


def _deliver(engine: Engine, settings: Settings, batch: list[OutboxMessage], at: datetime,
             heading: CycleHeading) -> DeliveryReport:
    """One SMTP session's share of a batch."""
    report = DeliveryReport()
    sent_now: set[int] = set()
    try:
        files = BatchFiles(engine, batch)
        with smtp_connection(settings) as client, _marking_connection(engine) as marks:
            for message in batch:
                try:
                    send(client, compose(message, settings, files.of(message), heading=heading, at=at))
                except (smtplib.SMTPRecipientsRefused, smtplib.SMTPDataError, Undeliverable, NotFound) as refused:
                    _record_failure(engine, message, at, refused, report)
                    continue
                reach("smtp-accepted")
                mark_sent(marks, [message.id], at=at)  # its own commit, right after acceptance
                sent_now.add(message.id)
                report.sent += 1
    except (OSError, smtplib.SMTPException) as outage:
        # The server is unreachable or dropped us: everything unsent in this share waits for a retry.
        waiting = [message for message in batch if message.id not in sent_now]
        with session_scope(engine) as session:
            for message in waiting:
                mark_failed(session, message, at=at, error=_describe(outage))
        report.failed += len(waiting)
        report.error = _describe(outage)
    return report


@contextmanager
def _marking_connection(engine: Engine) -> Iterator[SentMarks]:
    """The connection that marks each message sent, in autocommit: every UPDATE its own commit (SQLite's
    driver connection is in autocommit already; parindex issues BEGIN itself). On PostgreSQL those commits
    do not wait for the WAL flush (synchronous_commit off, on this connection only, reset after): a killed
    parindex loses no mark, since the server has them; only a crash of the database server itself can
    forget the last fraction of a second of marks, and those messages are sent again with the same
    Message-ID, which mail clients show once."""
    postgres = engine.dialect.name == "postgresql"
    with engine.connect() as connection:
        driver = connection.connection.driver_connection
        if postgres:
            connection.exec_driver_sql("SET synchronous_commit TO off")
            connection.commit()
            driver.autocommit = True
        try:
            yield sent_marks(connection)
        finally:
            if postgres:
                try:
                    driver.autocommit = False
                    connection.exec_driver_sql("RESET synchronous_commit")
                    connection.commit()
                except (SQLAlchemyError, engine.dialect.loaded_dbapi.Error):
                    connection.invalidate()  # gone: the pool opens a fresh one with the server's defaults


def _record_failure(engine: Engine, message, at: datetime, error: Exception, report: DeliveryReport) -> None:
    with session_scope(engine) as session:
        mark_failed(session, message, at=at, error=_describe(error))
    report.failed += 1


def _describe(error: Exception) -> str:
    """The error's kind and text; the SMTP password is never part of either."""
    return f"{type(error).__name__}: {error}"[:500]
