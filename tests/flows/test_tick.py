"""Real tick flow runs: idempotence, one catch-up after downtime, and a whole season replayed."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from flows.season import replay_season, run_tick_flow
from models.db import session_scope
from models.history import verify_chain
from models.lifecycle import FINAL_STATE
from models.tables import (
    Assignment,
    AssignmentStatus,
    HistoryEntry,
    MessageStatus,
    OutboxMessage,
    PlanTask,
    Unit,
)
from tests.seasons import assert_recomputed

pytestmark = [pytest.mark.flow, pytest.mark.usefixtures("prefect_harness")]
HCM = ZoneInfo("Asia/Ho_Chi_Minh")


def counts(db) -> tuple[int, int, dict[str, int]]:
    with session_scope(db) as session:
        history = session.scalar(select(func.count()).select_from(HistoryEntry))
        outbox = session.scalar(select(func.count()).select_from(OutboxMessage))
        states = dict(session.execute(select(Unit.state, func.count()).group_by(Unit.state)).all())
    return history, outbox, states


def test_a_second_tick_at_the_same_instant_changes_nothing(loaded_hanoi, db, database_url, smtp):
    instant = datetime(2023, 11, 27, 8, 0, tzinfo=HCM)
    first = run_tick_flow("hanoi-2023", database_url, instant)
    assert "self_assessment" in first["stages"] and first["queued"] > 52
    before = counts(db)
    assert before[2] == {"self_assessing": 52}
    second = run_tick_flow("hanoi-2023", database_url, instant)
    assert counts(db) == before
    assert (second["stages"], second["queued"], second["delivery"]["sent"]) == ([], 0, 0)
    assert len(smtp.messages()) == first["delivery"]["sent"]


def test_after_downtime_one_catch_up_sends_the_latest_reminder_only(loaded_hanoi, db, database_url, smtp):
    run_tick_flow("hanoi-2023", database_url, datetime(2023, 10, 5, 8, tzinfo=HCM))  # the plan issued
    run_tick_flow("hanoi-2023", database_url, datetime(2023, 11, 29, 9, tzinfo=HCM))
    with session_scope(db) as session:
        labels = session.execute(select(OutboxMessage.idempotency_key).where(
            OutboxMessage.assignee == "unit:SNV", OutboxMessage.kind == "reminder")).scalars().all()
    assert labels == ["hanoi-2023|unit:SNV|task5|d-1|20231130T1700Z"]


@pytest.mark.slow
def test_a_whole_season_ends_with_every_unit_announced(loaded_hanoi, db, database_url, smtp):
    report = replay_season(database_url=database_url, cycle_id="hanoi-2023", seed=7)
    assert report.refused_inputs == []
    with session_scope(db) as session:
        states = dict(session.execute(select(Unit.state, func.count()).group_by(Unit.state)).all())
        unfinished = session.scalar(select(func.count()).select_from(Assignment).where(
            Assignment.status.not_in([AssignmentStatus.DONE.value, AssignmentStatus.MISSED.value])))
        kinds = dict(session.execute(select(OutboxMessage.kind, func.count()).group_by(OutboxMessage.kind)).all())
        assert verify_chain(session, cycle_id="hanoi-2023") is None
    assert states == {FINAL_STATE.value: 52}
    assert unfinished == 0
    assert kinds["result"] == 52 and kinds["draft"] == 52 and kinds["escalation"] >= 1
    assert_recomputed(db)  # the auditor's plain recomputation finds no difference
    assert len(smtp.messages()) == sum(kinds.values())
    assert_reminders_follow_behaviour(db)


def assert_reminders_follow_behaviour(db) -> None:
    """Nothing was sent about an assignment after it was done; everything late got its overdue notice;
    nothing is left pending."""
    with session_scope(db) as session:
        ladder = session.execute(
            select(OutboxMessage.kind, OutboxMessage.status, OutboxMessage.created_at, OutboxMessage.sent_at,
                   Assignment.id, Assignment.completed_at, Assignment.late, Assignment.status.label("state"))
            .join(Assignment, Assignment.id == OutboxMessage.assignment_id)
            .where(OutboxMessage.kind.in_(["reminder", "overdue", "escalation"]))).all()
        late = session.execute(select(Assignment.id).join(PlanTask).where(
            (Assignment.late.is_(True)) | (Assignment.status == AssignmentStatus.MISSED.value),
            PlanTask.optional.is_(False))).scalars().all()
        pending = session.scalar(select(func.count()).select_from(OutboxMessage).where(
            OutboxMessage.status == MessageStatus.PENDING.value))
    sent = [m for m in ladder if m.status == MessageStatus.SENT.value]
    after_done = [m for m in sent if m.completed_at is not None and m.sent_at > m.completed_at]
    assert after_done == []
    noticed = {m.id for m in sent if m.kind == "overdue"}
    assert late and set(late) <= noticed, sorted(set(late) - noticed)
    assert pending == 0
