"""Reminders, overdue notices and escalations reach people in office hours on working days only."""

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from models.cycle_context import load_context
from models.db import session_scope
from models.settings import Settings
from models.stages import Stage
from models.tables import OutboxMessage
from tasks.engine.assignments import reconcile_stage
from tasks.engine.reminders import queue_ladder

HCM = ZoneInfo("Asia/Ho_Chi_Minh")
SUNDAY_NIGHT = datetime(2023, 12, 3, 2, 27, tzinfo=HCM)  # 30/11 passed; the overdue notice fell due Friday 08:00
FRIDAY_EVENING = datetime(2023, 12, 1, 18, 30, tzinfo=HCM)
MONDAY_MORNING = datetime(2023, 12, 4, 8, 0, tzinfo=HCM)


def queue(db, at: datetime) -> int:
    with session_scope(db) as session:
        ctx = load_context(session, "hanoi-2023")
        reconcile_stage(session, ctx, stage=Stage.SELF_ASSESSMENT.value, at=at, actor="t", flow_run_id=None)
        return queue_ladder(session, ctx, Settings(), stage=Stage.SELF_ASSESSMENT.value, at=at)


def kinds(db) -> dict[str, int]:
    with session_scope(db) as session:
        return dict(session.execute(select(OutboxMessage.kind, func.count()).group_by(OutboxMessage.kind)).all())


def test_a_tick_at_night_or_on_a_day_off_queues_nothing_and_the_next_working_morning_sends_it(opened):
    assert queue(opened, SUNDAY_NIGHT) == 0
    assert queue(opened, FRIDAY_EVENING) == 0
    assert kinds(opened) == {}
    assert queue(opened, MONDAY_MORNING) == 52
    assert kinds(opened) == {"overdue": 52}  # the escalation falls on Tuesday 05/12
