"""A unit dissolved during the season is withdrawn: its history is kept, it is reminded of nothing more, its
block is scored and ranked without it, and the report says it is not ranked and why."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from models.cycle_context import load_context
from models.db import session_scope
from models.lifecycle import UnitEvent
from models.report_data import cycle_report
from models.tables import Assignment, HistoryEntry, OutboxMessage, ScoreKind, Unit, UnitResult
from models.transitions import transition_units
from notifications.outbox import NewMessage, enqueue
from notifications.render import RenderedMessage
from tasks.engine.scoring import missing_inputs, score_ready_blocks
from tasks.inputs.intake import approve_results, record_scores
from tasks.operations.withdrawal import WithdrawalRefused, withdraw_unit
from tasks.reads.status import cycle_status
from tests.conftest import OPENED
from tests.seasons import SCORED_AT, sheets

GONE = "Q-HOANKIEM"  # a district of the huyen block (merged away)
WHY = "giải thể theo Nghị quyết sắp xếp đơn vị hành chính"


def test_a_withdrawn_unit_no_longer_blocks_its_block_and_is_not_ranked(opened) -> None:  # type: ignore[no-untyped-def]
    db = opened
    with session_scope(db) as session:  # its opening mail, held back by an SMTP outage
        enqueue(session, [NewMessage("hanoi-2023", "k-opened", "opened", f"unit:{GONE}", None, "a@b.example", (),
                                     RenderedMessage("Mở tự đánh giá", "…", "<p>…</p>"), None)], at=OPENED)
    with session_scope(db) as session:
        ctx = load_context(session, "hanoi-2023")
        with pytest.raises(WithdrawalRefused, match="lý do"):
            withdraw_unit(session, ctx, unit_code=GONE, reason="  ", actor="Phòng CCHC", at=OPENED)
        done = withdraw_unit(session, ctx, unit_code=GONE.lower(), reason=WHY, actor="Phòng CCHC",
                             at=OPENED + timedelta(days=1))
    assert (done.unit, done.state, done.tasks, done.cancelled) == (GONE, "self_assessing", 2, 1)  # tasks 5, 8
    with session_scope(db) as session:
        with pytest.raises(WithdrawalRefused, match="đã được rút"):
            withdraw_unit(session, load_context(session, "hanoi-2023"), unit_code=GONE, reason=WHY, actor="x",
                          at=OPENED + timedelta(days=2))
        assert session.scalar(select(OutboxMessage.status)) == "cancelled"  # nothing more goes to it
        statuses = set(session.execute(select(Assignment.status).join(Unit, Unit.id == Assignment.unit_id)
                                       .where(Unit.code == GONE)).scalars())
        assert statuses == {"withdrawn"}
        entry = session.execute(select(HistoryEntry).where(HistoryEntry.event == "withdraw")).scalar_one()
        assert entry.subject == GONE and WHY in entry.reason and entry.actor == "Phòng CCHC"
        status = cycle_status(session, load_context(session, "hanoi-2023"), at=OPENED + timedelta(days=3))
        assert next(u for u in status.units if u.code == GONE).withdrawn == WHY
        assert next(t for t in status.tasks if t.number == 5).total == 51  # no longer asked of it

    at = OPENED
    for kind, method, cut in ((ScoreKind.SELF_ASSESSED, "appraisal", Decimal(0)),
                              (ScoreKind.APPRAISED_ROUND1, "appraisal", Decimal("0.02"))):
        at += timedelta(days=10)
        forms = [sheet for sheet in sheets(db, method, cut) if sheet.unit_code != GONE]
        with session_scope(db) as session:
            record_scores(session, load_context(session, "hanoi-2023"), kind=kind, sheets=forms, at=at, actor="t",
                          source="test")
    with session_scope(db) as session:
        codes = list(session.execute(select(Unit.code).where(Unit.cycle_id == "hanoi-2023")).scalars())
        moved = transition_units(session, cycle_id="hanoi-2023", codes=codes, event=UnitEvent.SEND_DRAFT,
                                 actor="t", at=at)
        assert GONE not in {t.code for t in moved} and len(moved) == 51  # a withdrawn unit takes no step
    for kind, method in ((ScoreKind.APPRAISED_ROUND2, "appraisal"), (ScoreKind.SURVEY, "survey")):
        at += timedelta(days=10)
        forms = [sheet for sheet in sheets(db, method) if sheet.unit_code != GONE]
        with session_scope(db) as session:
            record_scores(session, load_context(session, "hanoi-2023"), kind=kind, sheets=forms, at=at, actor="t",
                          source="test")
    with session_scope(db) as session:
        ctx = load_context(session, "hanoi-2023")
        assert missing_inputs(session, ctx) == {}
        assert score_ready_blocks(session, ctx, at=SCORED_AT, actor="t", flow_run_id=None) == {"huyen": 29, "so": 22}
        ranks = sorted(session.execute(select(UnitResult.rank_in_block).join(Unit, Unit.id == UnitResult.unit_id)
                                       .where(Unit.block == "huyen")).scalars())
        assert ranks[-1] <= 29 and GONE not in {u.code for u in session.execute(
            select(Unit).join(UnitResult, UnitResult.unit_id == Unit.id)).scalars()}
        assert approve_results(session, ctx, at=SCORED_AT, actor="Hội đồng") == 51
        report = cycle_report(session, ctx, at=datetime.now(UTC))
    assert report.units_total == 51 and report.unscored == []
    assert report.withdrawn == [(GONE, report.withdrawn[0][1], WHY)]
    with session_scope(db) as session, pytest.raises(WithdrawalRefused):
        withdraw_unit(session, load_context(session, "hanoi-2023"), unit_code="SNV", reason=WHY, actor="x",
                      at=SCORED_AT)
