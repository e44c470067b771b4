"""Driving hanoi-2023 to a scored state through the production intake functions, without files or ticks."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from sqlalchemy import Engine, select

from models.cycle_context import load_context
from models.db import session_scope
from models.lifecycle import UnitEvent
from models.stages import Stage
from models.tables import Criterion, ScoreKind, Unit
from models.transitions import transition_units
from tasks.engine.assignments import reconcile_stage
from tasks.engine.scoring import score_ready_blocks
from tasks.engine.stage_steps import open_self_assessment
from tasks.inputs.intake import ScoreSheet, record_scores

START = datetime(2023, 10, 5, 1, tzinfo=UTC)  # the plan issued (a window opens no earlier)
SCORED_AT = datetime(2024, 1, 25, 3, tzinfo=UTC)
TIED = ("STP", "SKHDT")  # the same points everywhere: they share a rank


def unit_share(code: str, position: int) -> Decimal:
    """A unit's share of each leaf's maximum: spread out, and equal for the tied pair."""
    if code in TIED:
        return Decimal("0.925")  # no other unit has this share
    return Decimal(60 + (position * 7) % 40) / 100


def sheets(db: Engine, method: str, cut: Decimal = Decimal(0)) -> list[ScoreSheet]:
    with session_scope(db) as session:
        units = session.execute(select(Unit.code).where(Unit.cycle_id == "hanoi-2023").order_by(Unit.id)).scalars()
        leaves = session.execute(select(Criterion.code, Criterion.max_points).where(
            Criterion.cycle_id == "hanoi-2023", Criterion.method == method)).all()
        return [ScoreSheet(code, {leaf: ((maximum * (unit_share(code, i) - cut)).quantize(Decimal("0.01")), "VB", "")
                                  for leaf, maximum in leaves})
                for i, code in enumerate(units)]


def drive_to_scored(db: Engine) -> None:
    """Every unit self-assessed, appraised twice, surveyed and scored."""
    at = START
    with session_scope(db) as session:
        ctx = load_context(session, "hanoi-2023")
        reconcile_stage(session, ctx, stage=Stage.SELF_ASSESSMENT.value, at=at, actor="t", flow_run_id=None)
        open_self_assessment(session, ctx, at=at, actor="t", flow_run_id=None)
    steps = [(ScoreKind.SELF_ASSESSED, "appraisal", Decimal(0)), (ScoreKind.APPRAISED_ROUND1, "appraisal",
                                                                   Decimal("0.02"))]
    for kind, method, cut in steps:
        at += timedelta(days=10)
        forms = sheets(db, method, cut)
        with session_scope(db) as session:
            record_scores(session, load_context(session, "hanoi-2023"), kind=kind, sheets=forms, at=at, actor="t",
                          source="test")
    with session_scope(db) as session:
        codes = list(session.execute(select(Unit.code).where(Unit.cycle_id == "hanoi-2023")).scalars())
        transition_units(session, cycle_id="hanoi-2023", codes=codes, event=UnitEvent.SEND_DRAFT, actor="t", at=at)
    for kind, method in ((ScoreKind.APPRAISED_ROUND2, "appraisal"), (ScoreKind.SURVEY, "survey")):
        at += timedelta(days=10)
        forms = sheets(db, method)
        with session_scope(db) as session:
            record_scores(session, load_context(session, "hanoi-2023"), kind=kind, sheets=forms, at=at, actor="t",
                          source="test")
    with session_scope(db) as session:
        score_ready_blocks(session, load_context(session, "hanoi-2023"), at=SCORED_AT, actor="t", flow_run_id=None)


def assert_recomputed(db: Engine, cycle_id: str = "hanoi-2023") -> None:
    """The auditor's recomputation (`parindex audit recompute`) agrees with every published result."""
    from tasks.reads.recompute import recompute_cycle

    with session_scope(db) as session:
        found = recompute_cycle(session, cycle_id)
    assert found.units > 0 and found.blocks > 0 and found.figures > 0
    assert found.differences == [], found.differences[:10]
