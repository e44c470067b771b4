"""Issue 19's edge cases through the database, the letters and the report (both databases): a tie at rank 7
of the 22 Sở straddling the reward cap of 7, and an index of 89.995 % published as 90,00 %. Each outcome is
the one criteria.toml's rule gives, says so in the unit's letter and in the report, and the auditor's
recomputation agrees."""

from __future__ import annotations

import email
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from email import policy

from sqlalchemy import select

from models.cycle_context import load_context
from models.db import session_scope
from models.report_data import cycle_report
from models.settings import Settings
from models.tables import Criterion, OutboxMessage, ScoreKind, Unit, UnitResult
from notifications.report import render_report_html
from tasks.engine.scoring import score_ready_blocks
from tasks.engine.stage_steps import announce
from tasks.inputs.intake import ScoreSheet, approve_results, record_scores
from tests.seasons import SCORED_AT, assert_recomputed, drive_to_scored

AT = SCORED_AT + timedelta(days=1)


def leaves(db, method: str) -> list[tuple[str, Decimal]]:
    with session_scope(db) as session:
        return list(session.execute(select(Criterion.code, Criterion.max_points).where(
            Criterion.cycle_id == "hanoi-2023", Criterion.method == method).order_by(Criterion.position)).all())


def spread(total: Decimal, maxima: list[tuple[str, Decimal]]) -> dict[str, tuple[Decimal, str, str]]:
    """Leaf points adding up to `total`, each within its maximum."""
    lines, left = {}, total
    for code, maximum in maxima:
        points = min(maximum, left)
        lines[code], left = (points, "VB", "Hội đồng"), left - points
    assert left == 0
    return lines


def test_a_tie_at_the_cap_and_a_rounded_threshold(loaded_hanoi, db):
    drive_to_scored(db)
    with session_scope(db) as session:
        so = list(session.execute(select(Unit.code).where(Unit.block == "so").order_by(Unit.code)).scalars())
    assert len(so) == 22
    # Sở totals (index = points: 100 in all): ranks 1–6 clear, a tie at 7, then the rest; one at 89.995.
    totals = [Decimal(99) - Decimal("0.5") * i for i in range(6)] + [Decimal(95), Decimal(95)] + \
        [Decimal(94) - Decimal("0.25") * i for i in range(12)] + [Decimal("89.995"), Decimal(80)]
    target = dict(zip(so, totals, strict=True))
    appraisal, survey = leaves(db, "appraisal"), leaves(db, "survey")
    full_survey = {code: (maximum, "", "") for code, maximum in survey}  # 30 survey points each
    finals = [ScoreSheet(code, spread(total - 30, appraisal)) for code, total in target.items()]
    with session_scope(db) as session:
        ctx = load_context(session, "hanoi-2023")
        record_scores(session, ctx, kind=ScoreKind.SURVEY, sheets=[ScoreSheet(c, full_survey) for c in so], at=AT,
                      actor="body:vien", source="dtxhh.xlsx")
        record_scores(session, ctx, kind=ScoreKind.COUNCIL_FINAL, sheets=finals, at=AT, actor="body:hoi_dong",
                      source="qd.pdf")
        score_ready_blocks(session, ctx, at=AT + timedelta(hours=1), actor="t", flow_run_id=None, settings=Settings())
    with session_scope(db) as session:
        results = {code: result for code, result in session.execute(
            select(Unit.code, UnitResult).join(UnitResult, UnitResult.unit_id == Unit.id).where(Unit.block == "so"))}
    tied = [code for code, total in target.items() if total == 95]
    assert [results[c].rank_in_block for c in tied] == [7, 7]
    rewarded = sorted(c for c, r in results.items() if r.reward_eligible)
    assert len(rewarded) == 6 and not set(tied) & set(rewarded)  # the cap of 7 (22 / 3) is never exceeded
    rounded = next(c for c, total in target.items() if total == Decimal("89.995"))
    assert (results[rounded].index_percent, results[rounded].band) == (Decimal("90.000"), "Tốt")
    assert_recomputed(db)
    with session_scope(db) as session:
        ctx = load_context(session, "hanoi-2023")
        approve_results(session, ctx, at=AT + timedelta(days=1), actor="Chủ tịch")
        announce(session, ctx, Settings(), at=AT + timedelta(days=1), actor="t", flow_run_id=None)
        names = dict(session.execute(select(Unit.code, Unit.name)).all())
        letters = dict(session.execute(select(OutboxMessage.assignee, OutboxMessage.body_text).where(
            OutboxMessage.kind == "result")).all())
        page = render_report_html(cycle_report(session, ctx, at=datetime.now(UTC)))

    def plain(code: str) -> str:
        raw = letters[f"unit:{code}"]
        parsed = email.message_from_string(raw, policy=policy.default)
        body = parsed.get_body(("plain",)) if parsed.is_multipart() else None
        return body.get_content() if body is not None else raw

    cap_sentence = (f"Đồng hạng 7 với {names[tied[1]]}; theo quy định chỉ khen thưởng không quá 1/3 số đơn vị của "
                    "khối (tối đa 7 trong số 22 đơn vị), nên các đơn vị đồng hạng vượt quá số này đều không được đề nghị khen "
                    "thưởng.")
    assert cap_sentence in plain(tied[0])
    assert cap_sentence in page
    band_sentence = ("Chỉ số chính xác 89,995% được làm tròn thành 90,00%, đạt ngưỡng 90% của loại Tốt: theo quy "
                     "định, xếp loại theo chỉ số công bố (2 chữ số thập phân).")
    assert band_sentence in plain(rounded) and band_sentence in page


def test_the_recomputation_finds_a_published_result_changed_by_hand(loaded_hanoi, db):
    """A rank, a band and a deciding rule edited in the published table are each listed, against the score
    lines; a rule note removed by hand is a difference too (letters and the report publish it)."""
    from sqlalchemy import update

    from tasks.reads.recompute import recompute_cycle
    from tests.seasons import TIED

    drive_to_scored(db)
    with session_scope(db) as session:
        ids = dict(session.execute(select(Unit.code, Unit.id).where(Unit.code.in_([*TIED, "SNV"]))).all())
        session.execute(update(UnitResult).where(UnitResult.unit_id == ids[TIED[0]]).values(decided_by="[]"))
        session.execute(update(UnitResult).where(UnitResult.unit_id == ids["SNV"]).values(
            rank_in_block=UnitResult.rank_in_block + 1, band="Yếu"))
    with session_scope(db) as session:
        found = recompute_cycle(session, "hanoi-2023")
    listed = {(d.subject, d.what) for d in found.differences}
    assert {(TIED[0], "decided_by"), ("SNV", "rank_in_block"), ("SNV", "band")} <= listed
    assert ("block:so", "band_count") in listed  # the report's count of the band moved with it
    assert next(d for d in found.differences if d.what == "decided_by").recomputed == "tie"
