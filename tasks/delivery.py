"""Delivering the outbox over SMTP: each message marked sent right after the server accepts it."""

from __future__ import annotations

import smtplib
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine

from models.db import session_scope
from models.settings import Settings
from notifications.outbox import cancel_obsolete, claim_due, mark_failed, mark_sent
from notifications.smtp import compose, send, smtp_connection

BATCH = 500


@dataclass
class DeliveryReport:
    sent: int = 0
    failed: int = 0
    cancelled: int = 0
    error: str = ""


def deliver_pending(engine: Engine, settings: Settings, *, cycle_id: str, at: datetime) -> DeliveryReport:
    """Send what is due. A message is marked sent in its own commit right after acceptance, so a crash
    can resend at most that one; while the server is down messages wait with back-off, none is lost."""
    report = DeliveryReport()
    with session_scope(engine) as session:
        report.cancelled = cancel_obsolete(session, cycle_id=cycle_id, reason="obsolete: task done or deadline moved")
    while True:
        with session_scope(engine) as session:
            batch = claim_due(session, at=at, limit=BATCH)
        if not batch:
            return report
        sent_now: set[int] = set()
        try:
            with smtp_connection(settings) as client, engine.connect() as connection:
                for message in batch:
                    try:
                        send(client, compose(message, settings))
                    except (smtplib.SMTPRecipientsRefused, smtplib.SMTPDataError, RuntimeError) as refused:
                        _record_failure(engine, message, at, refused, report)
                        continue
                    with connection.begin():  # its own commit, right after acceptance
                        mark_sent(connection, [message.id], at=at)
                    sent_now.add(message.id)
                    report.sent += 1
        except (OSError, smtplib.SMTPException) as outage:
            # The server is unreachable or dropped us: everything unsent in this batch waits for a retry.
            waiting = [message for message in batch if message.id not in sent_now]
            with session_scope(engine) as session:
                for message in waiting:
                    mark_failed(session, message, at=at, error=_describe(outage))
            report.failed += len(waiting)
            report.error = _describe(outage)
            return report
        if len(batch) < BATCH:
            return report


def _record_failure(engine: Engine, message, at: datetime, error: Exception, report: DeliveryReport) -> None:  # type: ignore[no-untyped-def]
    with session_scope(engine) as session:
        mark_failed(session, message, at=at, error=_describe(error))
    report.failed += 1


def _describe(error: Exception) -> str:
    """The error's kind and text; the SMTP password is never part of either."""
    return f"{type(error).__name__}: {error}"[:500]
