"""A council final cannot outlive a correction below it: a re-run of round 2 withdraws it (the history says
which version), scoring falls back on the corrected appraisal, and the council gives its final again.
Issue 19's case: a final of 70.00, round 2 re-imported lower (63.00), no longer leaves 70.00 in force."""

from __future__ import annotations

import email
import json
from datetime import timedelta
from decimal import Decimal
from email import policy

from sqlalchemy import select

from models.cycle_context import load_context
from models.db import session_scope
from models.history import verify_chain
from models.settings import Settings
from models.stages import Stage
from models.tables import Criterion, HistoryEntry, OutboxMessage, ScoreKind, ScoreVersion, Unit, UnitResult
from tasks.engine.scoring import score_ready_blocks
from tasks.engine.stage_steps import announce
from tasks.inputs.intake import ScoreSheet, approve_results, record_scores
from tasks.operations.rerun import rerun_stage
from tests.seasons import SCORED_AT, TIED, assert_recomputed, drive_to_scored

AT = SCORED_AT + timedelta(days=2)


def appraisal_at(db, share: Decimal) -> dict[str, tuple[Decimal, str, str]]:
    """Every appraised leaf at `share` of its maximum: 70 appraisal points × share."""
    with session_scope(db) as session:
        leaves = session.execute(select(Criterion.code, Criterion.max_points).where(
            Criterion.cycle_id == "hanoi-2023", Criterion.method == "appraisal")).all()
    return {code: (maximum * share, "VB", "") for code, maximum in leaves}


def result(db, code: str) -> tuple[Decimal, int]:
    with session_scope(db) as session:
        return session.execute(select(UnitResult.appraisal_points, UnitResult.rank_in_block)
                               .join(Unit, Unit.id == UnitResult.unit_id).where(Unit.code == code)).one()


def score(db, at) -> None:  # type: ignore[no-untyped-def]
    with session_scope(db) as session:
        score_ready_blocks(session, load_context(session, "hanoi-2023"), at=at, actor="t", flow_run_id=None,
                           settings=Settings())


def test_a_rerun_below_the_final_withdraws_it(loaded_hanoi, db):
    drive_to_scored(db)
    unit = "TTTP"
    full, corrected = appraisal_at(db, Decimal(1)), appraisal_at(db, Decimal("0.9"))
    with session_scope(db) as session:
        record_scores(session, load_context(session, "hanoi-2023"), kind=ScoreKind.COUNCIL_FINAL,
                      sheets=[ScoreSheet(unit, full)], at=AT, actor="body:hoi_dong",
                      source="qd-hoi-dong.pdf")
    score(db, AT + timedelta(hours=1))
    points, with_final = result(db, unit)
    assert points == Decimal("70.000")  # the council's final, in force
    with session_scope(db) as session:
        rerun = rerun_stage(session, load_context(session, "hanoi-2023"), stage=Stage.APPRAISAL_ROUND2,
                            unit_code=unit, reason="Tổ công tác sửa điểm vòng 2", actor="Nguyễn Văn A",
                            at=AT + timedelta(days=1))
    assert rerun.withdrawn_final == 1
    with session_scope(db) as session:
        record_scores(session, load_context(session, "hanoi-2023"), kind=ScoreKind.APPRAISED_ROUND2,
                      sheets=[ScoreSheet(unit, corrected)], at=AT + timedelta(days=2),
                      actor="body:to_cong_tac", source="r2-sua.xlsx")
    score(db, AT + timedelta(days=2, hours=1))
    points, rank = result(db, unit)
    assert points == Decimal("63.000") and rank > with_final  # the corrected appraisal, not the withdrawn 70.00
    with session_scope(db) as session:
        finals = session.execute(select(ScoreVersion.version, ScoreVersion.withdrawn).join(
            Unit, Unit.id == ScoreVersion.unit_id).where(Unit.code == unit, ScoreVersion.kind == "council_final")
            .order_by(ScoreVersion.version)).all()
        history = session.execute(select(HistoryEntry.event, HistoryEntry.details).where(
            HistoryEntry.subject == unit, HistoryEntry.event.in_(["rerun", "withdraw_council_final"]))
            .order_by(HistoryEntry.seq)).all()
        assert verify_chain(session, cycle_id="hanoi-2023") is None
    assert finals == [(1, False), (2, True)]  # versions are only added: the first final stays, withdrawn
    assert [event for event, _ in history] == ["withdraw_council_final", "rerun"]
    assert json.loads(history[0][1])["withdrawn_version"] == 1
    assert json.loads(history[1][1])["council_final_withdrawn"] == 1
    assert_recomputed(db)
    # the council gives its final again: in force again
    with session_scope(db) as session:
        record_scores(session, load_context(session, "hanoi-2023"), kind=ScoreKind.COUNCIL_FINAL,
                      sheets=[ScoreSheet(unit, full)], at=AT + timedelta(days=3),
                      actor="body:hoi_dong", source="qd-hoi-dong-2.pdf")
    score(db, AT + timedelta(days=3, hours=1))
    assert result(db, unit) == (Decimal("70.000"), with_final)
    assert_recomputed(db)


def test_the_letter_and_the_recomputation_after_a_tie(loaded_hanoi, db):
    """Two units share a rank: their letters say so in a sentence naming the other; the recomputation agrees."""
    drive_to_scored(db)
    assert_recomputed(db)
    with session_scope(db) as session:
        ctx = load_context(session, "hanoi-2023")
        approve_results(session, ctx, at=SCORED_AT, actor="Chủ tịch")
        announce(session, ctx, Settings(), at=SCORED_AT, actor="t", flow_run_id=None)
        names = dict(session.execute(select(Unit.code, Unit.name).where(Unit.code.in_(TIED))).all())
        raw = session.scalar(select(OutboxMessage.body_text).where(
            OutboxMessage.kind == "result", OutboxMessage.assignee == f"unit:{TIED[0]}"))
        rank = session.scalar(select(UnitResult.rank_in_block).join(Unit, Unit.id == UnitResult.unit_id)
                              .where(Unit.code == TIED[0]))
    letter = email.message_from_string(raw, policy=policy.default) if raw.startswith("Content-") else None
    text = letter.get_body(("plain",)).get_content() if letter else raw
    assert f"Ghi chú: Đồng hạng {rank} với {names[TIED[1]]}." in text
