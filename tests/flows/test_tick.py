"""Real tick flow runs: idempotence, one catch-up after downtime, and a whole season replayed."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from flows.season import replay_season
from flows.tick import tick
from models.db import session_scope
from models.history import verify_chain
from models.lifecycle import FINAL_STATE
from models.tables import Assignment, AssignmentStatus, HistoryEntry, OutboxMessage, Unit

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
    first = tick(cycle_id="hanoi-2023", at=instant, database_url=database_url)
    assert "self_assessment" in first["stages"] and first["queued"] > 52
    before = counts(db)
    assert before[2] == {"self_assessing": 52}
    second = tick(cycle_id="hanoi-2023", at=instant, database_url=database_url)
    assert counts(db) == before
    assert (second["stages"], second["queued"], second["delivery"]["sent"]) == ([], 0, 0)
    assert len(smtp.messages()) == first["delivery"]["sent"]


def test_after_downtime_one_catch_up_sends_the_latest_reminder_only(loaded_hanoi, db, database_url, smtp):
    tick(cycle_id="hanoi-2023", at=datetime(2023, 10, 2, 8, tzinfo=HCM), database_url=database_url)
    tick(cycle_id="hanoi-2023", at=datetime(2023, 11, 29, 9, tzinfo=HCM), database_url=database_url)
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
    assert len(smtp.messages()) == sum(kinds.values())
