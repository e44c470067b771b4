"""A re-run after announcement: the unit goes back, its block goes stale, the rescoring moves ranks, and every
announced unit whose rank or band changed gets a correction notice; the history tells it all."""

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from models.cycle_context import load_context
from models.db import session_scope
from models.history import verify_chain
from models.lifecycle import TransitionRefused
from models.refusals import NotFound
from models.settings import Settings
from models.stages import Stage
from models.tables import HistoryEntry, OutboxMessage, ScoreKind, Unit, UnitResult
from tasks.engine.scoring import score_ready_blocks
from tasks.engine.stage_steps import announce
from tasks.inputs.intake import ScoreSheet, approve_results, record_scores
from tasks.operations.rerun import RerunRefused, rerun_stage
from tests.seasons import SCORED_AT, drive_to_scored

AT = SCORED_AT + timedelta(days=20)


def ranks(db, block: str = "so") -> dict[str, tuple[int, str, bool]]:
    with session_scope(db) as session:
        return {code: (rank, band, stale) for code, rank, band, stale in session.execute(
            select(Unit.code, UnitResult.rank_in_block, UnitResult.band, UnitResult.stale)
            .join(UnitResult, UnitResult.unit_id == Unit.id).where(Unit.block == block))}


def states(db) -> dict[str, str]:
    with session_scope(db) as session:
        return dict(session.execute(select(Unit.code, Unit.state)).all())


@pytest.fixture
def announced(loaded_hanoi, db):
    drive_to_scored(db)
    with session_scope(db) as session:
        ctx = load_context(session, "hanoi-2023")
        approve_results(session, ctx, at=SCORED_AT, actor="Chủ tịch")
        announce(session, ctx, Settings(), at=SCORED_AT, actor="t", flow_run_id=None)
    return db


def test_a_rerun_after_announcement_moves_ranks_and_notifies_who_changed(announced):
    db = announced
    before = ranks(db)
    last = max(before, key=lambda code: before[code][0])  # the block's last unit
    with session_scope(db) as session:
        result = rerun_stage(session, load_context(session, "hanoi-2023"), stage=Stage.APPRAISAL_ROUND2,
                             unit_code=last, reason="Hội đồng sửa điểm thẩm định vòng 2", actor="Nguyễn Văn A", at=AT)
    assert (result.from_state, result.to_state, result.stale_results) == ("announced", "explained", 22)
    assert all(stale for _, _, stale in ranks(db).values())
    best = {leaf: (maximum, "VB", "Hội đồng") for leaf, maximum in _maxima(db).items()}  # full marks now
    with session_scope(db) as session:
        ctx = load_context(session, "hanoi-2023")
        record_scores(session, ctx, kind=ScoreKind.APPRAISED_ROUND2, sheets=[ScoreSheet(last, best)],
                      at=AT + timedelta(hours=1), actor="body:to_cong_tac", source="r2-sua.xlsx")
        score_ready_blocks(session, ctx, at=AT + timedelta(hours=2), actor="t", flow_run_id=None,
                           settings=Settings())
    after = ranks(db)
    assert after[last][0] < before[last][0] and not any(stale for _, _, stale in after.values())
    changed = {code for code in before if code != last and before[code][:2] != after[code][:2]}
    assert changed  # the units the re-run unit overtook
    with session_scope(db) as session:
        notices = dict(session.execute(select(OutboxMessage.assignee, OutboxMessage.body_text)
                                       .where(OutboxMessage.kind == "correction")).all())
        history = session.execute(select(HistoryEntry.event, HistoryEntry.actor, HistoryEntry.reason)
                                  .where(HistoryEntry.subject == last, HistoryEntry.event == "rerun")).all()
        assert verify_chain(session, cycle_id="hanoi-2023") is None
    assert set(notices) == {f"unit:{code}" for code in changed}
    some = next(iter(changed))
    assert f"{before[some][0]} → {after[some][0]}" in notices[f"unit:{some}"]
    assert "Hội đồng sửa điểm thẩm định vòng 2" in notices[f"unit:{some}"]
    assert history == [("rerun", "Nguyễn Văn A", "Hội đồng sửa điểm thẩm định vòng 2")]
    assert states(db)[last] == "scored"  # its new result awaits the council
    with session_scope(db) as session:
        ctx = load_context(session, "hanoi-2023")
        assert approve_results(session, ctx, at=AT + timedelta(days=1), actor="Chủ tịch") == 1
        announce(session, ctx, Settings(), at=AT + timedelta(days=1), actor="t", flow_run_id=None)
        letters = session.scalar(select(func.count()).select_from(OutboxMessage).where(
            OutboxMessage.kind == "result", OutboxMessage.assignee == f"unit:{last}"))
    assert letters == 2 and set(states(db).values()) == {"announced"}


def _maxima(db) -> dict[str, Decimal]:
    from models.tables import Criterion

    with session_scope(db) as session:
        return dict(session.execute(select(Criterion.code, Criterion.max_points).where(
            Criterion.method == "appraisal")).all())


@pytest.mark.parametrize(("stage", "code", "reason", "error", "message"), [
    (Stage.SCORING, "SNV", " ", RerunRefused, "chạy lại phải có lý do"),
    (Stage.SCORING, "NOPE", "r", NotFound, "không có đơn vị NOPE"),
    (Stage.SURVEY, "SNV", "r", RerunRefused, "không chạy lại được"),
    (Stage.EXPLANATIONS, "SNV", "r", TransitionRefused, "từ trạng thái 'đang tự đánh giá'"),
])
def test_refused_reruns_change_nothing(opened, stage, code, reason, error, message):
    with session_scope(opened) as session:
        count = session.scalar(select(func.count()).select_from(HistoryEntry))
    with pytest.raises(error, match=message), session_scope(opened) as session:
        rerun_stage(session, load_context(session, "hanoi-2023"), stage=stage, unit_code=code, reason=reason,
                    actor="A", at=AT)
    with session_scope(opened) as session:
        assert session.scalar(select(func.count()).select_from(HistoryEntry)) == count
