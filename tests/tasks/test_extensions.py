"""Extensions: the deadline moves for whom it is meant, the ladder follows, obsolete reminders are cancelled."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from models.cycle_context import load_context
from models.db import session_scope
from models.history import verify_chain
from models.refusals import NotFound
from models.settings import Settings
from models.stages import Stage
from models.tables import Assignment, Deadline, HistoryEntry, MessageStatus, OutboxMessage, PlanTask
from tasks.engine.assignments import reconcile_stage
from tasks.engine.reminders import queue_ladder
from tasks.operations.extensions import ExtensionRefused, extend_deadline

HCM = ZoneInfo("Asia/Ho_Chi_Minh")
MONDAY = datetime(2023, 11, 27, 8, tzinfo=HCM)  # d-3 of the self-assessment deadline, 30/11/2023
SETTINGS = Settings()


def advance(db, at: datetime) -> int:
    """What a tick does for the self-assessment stage, without Prefect: reconcile, then queue the ladder."""
    with session_scope(db) as session:
        ctx = load_context(session, "hanoi-2023")
        reconcile_stage(session, ctx, stage=Stage.SELF_ASSESSMENT.value, at=at, actor="t", flow_run_id=None)
        return queue_ladder(session, ctx, SETTINGS, stage=Stage.SELF_ASSESSMENT.value, at=at)


def extend(db, codes, until: date, *, at: datetime = MONDAY, reason: str = "lũ lụt, mất điện"):
    with session_scope(db) as session:
        return extend_deadline(session, load_context(session, "hanoi-2023"), task_number=5, unit_codes=codes,
                               until=until, reason=reason, actor="Trần Văn B", at=at)


def messages(db, assignee: str) -> list[tuple[str, str, str]]:
    with session_scope(db) as session:
        return [tuple(row) for row in session.execute(
            select(OutboxMessage.kind, OutboxMessage.idempotency_key, OutboxMessage.status)
            .where(OutboxMessage.assignee == assignee).order_by(OutboxMessage.id))]


def test_an_extension_cancels_the_old_reminder_and_the_ladder_follows_the_new_deadline(loaded_hanoi, db):
    assert advance(db, MONDAY) == 52
    result = extend(db, ["SNV"], date(2023, 12, 9))  # a Saturday: rolls to Monday 11/12
    assert (result.last_day, result.extended, result.cancelled_messages) == (date(2023, 12, 11), ["unit:SNV"], 1)
    assert messages(db, "unit:SNV") == [
        ("reminder", "hanoi-2023|unit:SNV|task5|d-3|20231130T1700Z", MessageStatus.CANCELLED.value),
        ("extended", "hanoi-2023|unit:SNV|task5|extended|20231211T1700Z", MessageStatus.PENDING.value)]
    assert result.notified == 1
    assert messages(db, "unit:STP")[0][2] == MessageStatus.PENDING.value  # others keep theirs

    advance(db, datetime(2023, 12, 1, 8, tzinfo=HCM))  # the old deadline has passed
    snv = [key for _, key, _ in messages(db, "unit:SNV")]
    assert snv[2:] == ["hanoi-2023|unit:SNV|task5|d-7|20231211T1700Z"]  # no overdue notice, the new ladder
    calendars = [calendar_of(db, key) for key in snv]
    # one entry in the unit's calendar: the same UID throughout, moved by a higher SEQUENCE
    assert {entry["UID"] for entry in calendars} == {"hanoi-2023.unit-SNV.task5@parindex"}
    assert [entry["SEQUENCE"] for entry in calendars] == ["0", "1", "1"]
    assert [entry["DTSTART;VALUE=DATE"] for entry in calendars] == ["20231130", "20231211", "20231211"]
    assert calendars[1]["TRIGGER"] == "-PT16H"  # 08:00 the day before the new last day
    assert "Hạn: hết ngày Thứ Hai 11/12/2023" in calendar_description(db, snv[1])
    assert [kind for kind, _, _ in messages(db, "unit:STP")] == ["reminder", "overdue"]

    with session_scope(db) as session:
        snv_row = session.execute(select(Assignment).join(PlanTask).where(
            Assignment.assignee == "unit:SNV", PlanTask.number == 5)).scalar_one()
        sources = session.execute(select(Deadline.source, Deadline.reason).where(
            Deadline.assignment_id == snv_row.id).order_by(Deadline.id)).all()
        history = session.execute(select(HistoryEntry.event, HistoryEntry.actor, HistoryEntry.reason).where(
            HistoryEntry.entity == "deadline")).all()
        assert verify_chain(session, cycle_id="hanoi-2023") is None
    assert (snv_row.status, snv_row.last_day) == ("open", date(2023, 12, 11))
    assert "11/12/2023" in snv_row.moved_because and "lũ lụt" in snv_row.moved_because
    assert [source for source, _ in sources] == ["plan", "extension"]
    assert history == [("extend", "Trần Văn B", "lũ lụt, mất điện")]


def calendar_of(db, key: str) -> dict[str, str]:
    """The message's calendar entry, unfolded, as property → its first value."""
    with session_scope(db) as session:
        ics = session.execute(select(OutboxMessage.ics).where(OutboxMessage.idempotency_key == key)).scalar_one()
    entry: dict[str, str] = {}
    for line in ics.replace("\r\n ", "").split("\r\n"):
        if ":" in line:
            entry.setdefault(*line.split(":", 1))
    return entry


def calendar_description(db, key: str) -> str:
    with session_scope(db) as session:
        ics = session.execute(select(OutboxMessage.ics).where(OutboxMessage.idempotency_key == key)).scalar_one()
    line = next(line for line in ics.replace("\r\n ", "").split("\r\n") if line.startswith("DESCRIPTION:"))
    return line.removeprefix("DESCRIPTION:").replace("\\n", "\n").replace("\\,", ",")


def test_extending_an_overdue_assignment_reopens_it(loaded_hanoi, db):
    advance(db, MONDAY)
    late = datetime(2023, 12, 4, 8, tzinfo=HCM)
    advance(db, late)
    result = extend(db, None, date(2023, 12, 8), at=late)
    assert (len(result.extended), result.reopened) == (52, 52)
    assert advance(db, late) == 52  # one reminder of the new deadline each, no escalation
    assert {kind for kind, _, status in messages(db, "unit:SNV") if status == "pending"} == {"extended", "reminder"}


@pytest.mark.parametrize(("codes", "until", "reason", "error", "message"), [
    (["SNV"], date(2023, 12, 8), "  ", ExtensionRefused, "gia hạn phải có lý do"),
    (["SNV"], date(2023, 11, 20), "r", ExtensionRefused, "đã qua"),
    (["SNV"], date(2023, 11, 29), "r", ExtensionRefused, "gia hạn chỉ dời hạn về sau"),
    (["NOPE"], date(2023, 12, 8), "r", NotFound, "không có đơn vị NOPE"),
])
def test_refused_extensions_change_nothing(loaded_hanoi, db, codes, until, reason, error, message):
    advance(db, MONDAY)
    with pytest.raises(error, match=message.replace("(", r"\(").replace(")", r"\)")):
        extend(db, codes, until, reason=reason)
    with session_scope(db) as session:
        assert session.scalar(select(Deadline.id).where(Deadline.source == "extension")) is None
    assert messages(db, "unit:SNV")[0][2] == "pending"


def test_an_unknown_task_is_named(loaded_hanoi, db):
    with session_scope(db) as session, pytest.raises(NotFound, match="không có nhiệm vụ số 99"):
        extend_deadline(session, load_context(session, "hanoi-2023"), task_number=99, unit_codes=None,
                        until=date(2023, 12, 8), reason="r", actor="a", at=MONDAY)
