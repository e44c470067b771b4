"""The dashboard's overview: tallies counted by the database, the units most behind shown first."""

from collections import Counter

from sqlalchemy import select, update

from models.cycle_context import load_context
from models.db import session_scope
from models.stages import Stage
from models.tables import Assignment, AssignmentStatus, Unit
from tasks.reads.status import cycle_overview, cycle_status
from tests.conftest import OPENED


def test_the_overview_shows_overdue_units_first_and_counts_every_assignment(opened):
    with session_scope(opened) as session:
        code_of = dict(session.execute(select(Unit.id, Unit.code).where(Unit.cycle_id == "hanoi-2023")).all())
        ids = sorted(code_of)
        behind = [ids[-1], ids[20], ids[-7]]
        session.execute(update(Assignment).where(Assignment.unit_id.in_(behind), Assignment.status == "open")
                        .values(status=AssignmentStatus.OVERDUE.value))
        session.execute(update(Assignment).where(Assignment.unit_id == ids[3], Assignment.status == "open")
                        .values(status=AssignmentStatus.DONE.value, late=True))
    with session_scope(opened) as session:
        ctx = load_context(session, "hanoi-2023")
        overview = cycle_overview(session, ctx, at=OPENED, limit=5)
        everything = cycle_status(session, ctx, at=OPENED)
        rows = session.execute(select(Assignment.plan_task_id, Assignment.status, Assignment.late)
                               .where(Assignment.cycle_id == "hanoi-2023")).all()
    by_code = {u.code: u for u in everything.units}
    shown = overview.status.units
    assert [u.code for u in shown[:3]] == [code_of[i] for i in sorted(behind)]
    assert all(u.overdue for u in shown[:3]) and not any(u.overdue for u in shown[3:])
    assert [u.code for u in shown[3:]] == [code_of[i] for i in ids[:2]]
    assert all(u == by_code[u.code] for u in shown)
    assert overview.unit_count == len(ids) == len(everything.units)
    assert overview.unit_stages == [s.value for s in Stage if any(s.value in u.stages for u in everything.units)]
    assert "self_assessment" in overview.unit_stages
    totals = Counter(task_id for task_id, _, _ in rows)
    overdue = Counter(task_id for task_id, status, _ in rows if status == AssignmentStatus.OVERDUE.value)
    late = Counter(task_id for task_id, _, is_late in rows if is_late)
    for task in overview.status.tasks:
        task_id = next(t.id for t in ctx.tasks.values() if t.number == task.number)
        assert (task.total, task.overdue, task.late) == (totals[task_id], overdue[task_id], late[task_id])
    assert sum(t.overdue for t in overview.status.tasks) == 3
    assert overview.status.tasks == everything.tasks

