"""Delivery through a real SMTP server on loopback: parsed mail, an outage, and header injection."""

import email
from datetime import UTC, datetime, timedelta
from email import policy

import pytest
from icalendar import Calendar
from sqlalchemy import select

from models.db import session_scope
from models.settings import Settings
from models.tables import MessageStatus, OutboxMessage
from notifications.capture import CaptureServer
from notifications.ics import deadline_event
from notifications.outbox import NewMessage, enqueue
from notifications.render import render
from tasks.mail.delivery import deliver_pending

AT = datetime(2023, 11, 27, 1, tzinfo=UTC)
SUBJECT_NAME = "Sở Lao động - Thương binh và Xã hội"


def new_message(key: str, name: str = SUBJECT_NAME, address: str = "soldtbxh@hanoi.example") -> NewMessage:
    context = {"lang": "vi", "title": "t", "cycle_title": "Chỉ số CCHC 2023", "plan_document": "KH 243",
               "recipient_name": name, "task_number": 5, "task_title": "Tự đánh giá, chấm điểm",
               "task_product": "Báo cáo", "deadline_end": AT + timedelta(days=3), "moved_because": None,
               "missing": ["Báo cáo tự đánh giá"], "status_url": "http://x/y", "coordinator_name": "Sở Nội vụ"}
    ics = deadline_event(uid=key, sequence=0, title="Hạn: Tự đánh giá", last_day=(AT + timedelta(days=3)).date(),
                         due_at=AT + timedelta(days=4), description="30/11/2023", url="http://x/y", stamp=AT)
    return NewMessage("hanoi-2023", key, "reminder", "unit:SLDTBXH", None, address, (), render(
        "reminder", context, ics=ics), AT + timedelta(days=4))


@pytest.fixture
def smtp(tmp_path):
    with CaptureServer(tmp_path / "outbox") as server:
        yield server


def settings_for(server: CaptureServer, sessions: int = 2) -> Settings:
    """The loopback capture server offers no AUTH (it has no TLS), so no password here."""
    return Settings(smtp_host="127.0.0.1", smtp_port=server.port, smtp_connections=sessions)


def statuses(db):
    with session_scope(db) as session:
        return dict(session.execute(select(OutboxMessage.idempotency_key, OutboxMessage.status)).all())


def test_a_key_is_queued_once(loaded_hanoi, db):
    with session_scope(db) as session:
        assert enqueue(session, [new_message("k1")], at=AT) == 1
        assert enqueue(session, [new_message("k1"), new_message("k2")], at=AT) == 1
    assert set(statuses(db)) == {"k1", "k2"}


def test_delivered_mail_parses_with_vietnamese_text_and_a_calendar(loaded_hanoi, db, smtp):
    with session_scope(db) as session:
        enqueue(session, [new_message("k1")], at=AT)
    report = deliver_pending(db, settings_for(smtp), cycle_id="hanoi-2023", at=AT)
    assert (report.sent, report.failed) == (1, 0)
    assert statuses(db) == {"k1": MessageStatus.SENT.value}
    (path,) = smtp.messages()
    mail = email.message_from_bytes(path.read_bytes(), policy=policy.default)
    assert mail["Subject"].startswith("Hạn ") and "Tự đánh giá, chấm điểm" in mail["Subject"]  # deadline first
    assert f"Kính gửi {SUBJECT_NAME}," in mail.get_body(("plain",)).get_content()
    assert "<strong>Sở Lao động - Thương binh và Xã hội</strong>" in mail.get_body(("html",)).get_content()
    (attachment,) = list(mail.iter_attachments())
    event = next(iter(Calendar.from_ical(attachment.get_content()).walk("VEVENT")))
    assert str(event.get("summary")) == "Hạn: Tự đánh giá"
    # answers go to the cycle's coordinator; the date is the sending instant in the cycle's zone
    assert mail["Reply-To"] == "cchc.sonoivu@hanoi.example"
    assert mail["Date"] == "Mon, 27 Nov 2023 08:00:00 +0700" and mail["Date"].datetime == AT
    raw = path.read_bytes().split(b"\r\n\r\n", 1)[0]
    assert all(len(line) <= 78 for line in raw.split(b"\r\n"))  # folded headers


def test_an_smtp_outage_keeps_messages_until_the_server_returns(loaded_hanoi, db, tmp_path):
    with session_scope(db) as session:
        enqueue(session, [new_message("k1"), new_message("k2")], at=AT)
    down = Settings(smtp_host="127.0.0.1", smtp_port=1, smtp_password="s3cret-never-logged")
    report = deliver_pending(db, down, cycle_id="hanoi-2023", at=AT)
    assert report.failed == 2 and "s3cret" not in report.error
    with session_scope(db) as session:
        errors = session.execute(select(OutboxMessage.last_error, OutboxMessage.attempts)).all()
    assert all(error and attempts == 1 and "s3cret" not in error for error, attempts in errors)
    assert deliver_pending(db, down, cycle_id="hanoi-2023", at=AT).failed == 0  # backing off: not retried yet
    with CaptureServer(tmp_path / "back") as server:
        later = AT + timedelta(hours=1)
        assert deliver_pending(db, settings_for(server), cycle_id="hanoi-2023", at=later).sent == 2
        assert len(server.messages()) == 2
    assert set(statuses(db).values()) == {MessageStatus.SENT.value}


def test_line_breaks_in_names_never_reach_a_header(loaded_hanoi, db, smtp):
    with session_scope(db) as session:
        enqueue(session, [new_message("k1", name="Evil\r\nBcc: victim@example.com <b>x</b>")], at=AT)
    deliver_pending(db, settings_for(smtp), cycle_id="hanoi-2023", at=AT)
    (path,) = smtp.messages()
    raw = path.read_bytes()
    mail = email.message_from_bytes(raw, policy=policy.default)
    headers = raw.split(b"\r\n\r\n", 1)[0]
    assert mail["Bcc"] is None and b"Bcc:" not in headers
    assert "&lt;b&gt;x&lt;/b&gt;" in mail.get_body(("html",)).get_content()


class Crash(BaseException):
    """The process dying: nothing in parindex catches it."""


def test_a_crash_between_acceptance_and_marking_resends_that_message_only(loaded_hanoi, db, smtp, monkeypatch):
    from tasks.mail import delivery

    with session_scope(db) as session:
        enqueue(session, [new_message(key) for key in ("k1", "k2", "k3")], at=AT)
    real_mark_sent, calls = delivery.mark_sent, []

    def dies_on_the_second(session, ids, *, at):
        calls.append(ids)
        if len(calls) == 2:
            raise Crash  # k2 was accepted by the server; the process dies before recording it
        real_mark_sent(session, ids, at=at)

    monkeypatch.setattr(delivery, "mark_sent", dies_on_the_second)
    with pytest.raises(Crash):  # one SMTP session, so the messages go in order
        deliver_pending(db, settings_for(smtp, sessions=1), cycle_id="hanoi-2023", at=AT)
    assert statuses(db) == {"k1": "sent", "k2": "pending", "k3": "pending"}
    monkeypatch.setattr(delivery, "mark_sent", real_mark_sent)
    assert deliver_pending(db, settings_for(smtp), cycle_id="hanoi-2023", at=AT).sent == 2  # after the restart
    received = [email.message_from_bytes(p.read_bytes(), policy=policy.default)["Message-ID"]
                for p in smtp.messages()]
    with session_scope(db) as session:
        ids = dict(session.execute(select(OutboxMessage.idempotency_key, OutboxMessage.id)).all())
    assert len(received) == 4 and len(set(received)) == 3  # k2 twice, the others once, none lost
    assert set(statuses(db).values()) == {"sent"} and ids.keys() == {"k1", "k2", "k3"}


def test_sessions_side_by_side_deliver_every_message_exactly_once(loaded_hanoi, db, smtp):
    keys = [f"k{i}" for i in range(25)]
    with session_scope(db) as session:
        enqueue(session, [new_message(key) for key in keys], at=AT)
    report = deliver_pending(db, settings_for(smtp, sessions=3), cycle_id="hanoi-2023", at=AT)
    received = [email.message_from_bytes(p.read_bytes(), policy=policy.default)["X-Parindex-Key"]
                for p in smtp.messages()]
    assert report.sent == 25 and sorted(received) == sorted(keys)
    assert set(statuses(db).values()) == {"sent"}


def test_each_mark_is_committed_with_its_time_and_the_connection_returns_to_the_pool_as_it_was(loaded_hanoi, db,
                                                                                               smtp):
    with session_scope(db) as session:
        enqueue(session, [new_message(key) for key in ("m1", "m2")], at=AT)
    assert deliver_pending(db, settings_for(smtp, sessions=1), cycle_id="hanoi-2023", at=AT).sent == 2
    with session_scope(db) as session:  # another connection sees them: committed
        rows = session.execute(select(OutboxMessage.status, OutboxMessage.sent_at, OutboxMessage.last_error)).all()
    assert [tuple(row) for row in rows] == [("sent", AT, ""), ("sent", AT, "")]
    with db.connect() as connection:  # back in the pool: transactions and settings as every other connection's
        assert not getattr(connection.connection.driver_connection, "autocommit", False)
        if db.dialect.name == "postgresql":
            assert connection.exec_driver_sql("SHOW synchronous_commit").scalar() == "on"
