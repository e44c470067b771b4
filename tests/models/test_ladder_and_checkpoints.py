"""The reminder ladder, what is due at an instant, and the checkpoints the scheduler ticks at."""

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from models.checkpoints import DeadlineGroup, checkpoints
from models.definition.specs import ReminderSpec
from models.reminders import due_rungs, ladder
from models.workdays import WorkingCalendar

HCM = ZoneInfo("Asia/Ho_Chi_Minh")
CAL = WorkingCalendar()
POLICY = ReminderSpec()


def at(day: int, month: int, year: int = 2023, hour: int = 8) -> datetime:
    return datetime(year, month, day, hour, tzinfo=HCM)


def test_the_self_assessment_ladder_of_hanoi_2023():
    rungs = ladder(CAL, POLICY, date(2023, 11, 30), optional=False)
    assert [(r.label, r.at) for r in rungs] == [
        ("d-7", at(21, 11)), ("d-3", at(27, 11)), ("d-1", at(29, 11)), ("d-0", at(30, 11)),
        ("overdue", at(1, 12)), ("escalation", at(5, 12)),
    ]


def test_optional_tasks_get_reminders_only():
    assert {r.kind for r in ladder(CAL, POLICY, date(2024, 1, 8), optional=True)} == {"reminder"}


def test_only_the_latest_passed_reminder_is_due_never_a_backlog():
    rungs = ladder(CAL, POLICY, date(2023, 11, 30), optional=False)
    assert [r.label for r in due_rungs(rungs, at=at(29, 11, hour=9), opened_at=None, overdue=False)] == ["d-1"]
    assert due_rungs(rungs, at=at(20, 11), opened_at=None, overdue=False) == []


def test_reminders_before_the_opening_are_not_sent():
    rungs = ladder(CAL, POLICY, date(2023, 11, 30), optional=False)
    assert due_rungs(rungs, at=at(28, 11), opened_at=at(28, 11, hour=7), overdue=False) == []


def test_after_the_deadline_the_overdue_notice_then_the_escalation():
    rungs = ladder(CAL, POLICY, date(2023, 11, 30), optional=False)
    assert [r.kind for r in due_rungs(rungs, at=at(1, 12, hour=9), opened_at=None, overdue=True)] == ["overdue"]
    assert [r.kind for r in due_rungs(rungs, at=at(6, 12), opened_at=None, overdue=True)] == ["overdue", "escalation"]


def test_checkpoints_merge_shared_deadlines_and_have_deterministic_ids():
    group = DeadlineGroup(None, date(2023, 11, 30), datetime.combine(date(2023, 12, 1), time(0), HCM), False)
    points = checkpoints([group, group], CAL, POLICY)
    assert len(points) == 7  # six rungs and the deadline itself
    assert points[0].job_id == "checkpoint-20231121T010000Z"
    assert checkpoints([group], CAL, POLICY)[0].job_id == points[0].job_id
    assert next(p.at for p in checkpoints([group], CAL, POLICY, after=at(30, 11))) == datetime(2023, 12, 1, tzinfo=HCM)
