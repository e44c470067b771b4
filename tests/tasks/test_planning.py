"""Planning a tick: scoring is due only when some unit's inputs are newer than that unit's own result."""

from datetime import timedelta

from sqlalchemy import select, update

from models.cycle_context import load_context
from models.db import session_scope
from models.stages import Stage
from models.tables import ScoreKind, ScoreVersion, Unit, UnitResult
from tasks.engine.planning import stages_with_work
from tests.seasons import SCORED_AT, drive_to_scored

LATER = SCORED_AT + timedelta(days=3)


def scoring_due(db) -> bool:
    with session_scope(db) as session:
        return Stage.SCORING in stages_with_work(session, load_context(session, "hanoi-2023"), at=LATER)


def test_blocks_scored_at_different_times_leave_nothing_to_rescore(loaded_hanoi, db):
    drive_to_scored(db)
    with session_scope(db) as session:
        so = select(Unit.id).where(Unit.block == "so")
        huyen_unit = session.scalar(select(Unit.id).where(Unit.block == "huyen").limit(1))
        # The departments were scored first; a district's survey came in after, and its block was scored then.
        session.execute(update(UnitResult).where(UnitResult.unit_id.in_(so))
                        .values(computed_at=SCORED_AT - timedelta(hours=2)))
        session.execute(update(ScoreVersion).where(ScoreVersion.unit_id == huyen_unit,
                                                   ScoreVersion.kind == ScoreKind.SURVEY.value)
                        .values(created_at=SCORED_AT - timedelta(hours=1)))
    assert not scoring_due(db)
    with session_scope(db) as session:  # now a department's survey is newer than its result: due
        department = session.scalar(so.limit(1))
        session.execute(update(ScoreVersion).where(ScoreVersion.unit_id == department,
                                                   ScoreVersion.kind == ScoreKind.SURVEY.value)
                        .values(created_at=SCORED_AT - timedelta(hours=1)))
    assert scoring_due(db)
