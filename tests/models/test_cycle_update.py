"""Loading a changed definition: only what has not happened yet changes, and the rest is refused whole."""

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import func, select

from models.cycle_context import load_context
from models.cycle_update import DefinitionConflict, update_cycle
from models.db import session_scope
from models.definition.loader import load_cycle
from models.lifecycle import UnitEvent
from models.tables import Assignment, Cycle, Deadline, HistoryEntry, PlanTask, ScoreKind, Unit
from models.transitions import transition_units
from tasks.inputs.intake import ScoreSheet, record_scores, report_task_done
from tests.models.test_definition import write

AT = datetime(2023, 11, 2, 2, tzinfo=UTC)


def apply(db, folder):
    with session_scope(db) as session:
        return update_cycle(session, session.get(Cycle, "hanoi-2023"), load_cycle(folder), at=AT, actor="operator")


def snapshot(db):
    with session_scope(db) as session:
        return (session.get(Cycle, "hanoi-2023").definition_hash,
                session.scalar(select(func.count()).select_from(Unit)),
                session.scalar(select(func.count()).select_from(Deadline)),
                session.scalar(select(func.count()).select_from(HistoryEntry)))


def test_a_moved_deadline_reaches_the_assignments_not_yet_done(loaded_hanoi, db, cycle_copy):
    write(cycle_copy, "plan.toml", 'due = "Trước ngày 10/02/2024"', 'due = "20/02/2024"')
    result = apply(db, cycle_copy)
    assert result.changes == ["nhiệm vụ 16: hạn 'Trước ngày 10/02/2024' → '20/02/2024'; 1 nhiệm vụ chưa xong "
                              "nhận hạn mới"]
    with session_scope(db) as session:
        task = session.execute(select(PlanTask).where(PlanTask.number == 16)).scalar_one()
        assignment = session.execute(select(Assignment).where(Assignment.plan_task_id == task.id)).scalar_one()
        reasons = session.execute(select(Deadline.reason).where(Deadline.assignment_id == assignment.id)
                                  .order_by(Deadline.id)).scalars().all()
        last = session.execute(select(HistoryEntry).order_by(HistoryEntry.seq.desc()).limit(1)).scalar_one()
    assert (task.last_day, assignment.last_day) == (date(2024, 2, 20), date(2024, 2, 20))
    assert reasons[-1] == 'kế hoạch thay đổi: hạn "Trước ngày 10/02/2024" thành "20/02/2024"'
    assert (last.event, last.actor) == ("update_cycle", "operator")


def test_a_finished_assignment_keeps_its_deadline(loaded_hanoi, db, cycle_copy):
    with session_scope(db) as session:
        report_task_done(session, load_context(session, "hanoi-2023"), number=1, at=AT, actor="body:so_noi_vu")
    write(cycle_copy, "plan.toml", "within_working_days = 5", "within_working_days = 8")
    assert apply(db, cycle_copy).changes[0].endswith("0 nhiệm vụ chưa xong nhận hạn mới")
    with session_scope(db) as session:
        task = session.execute(select(PlanTask).where(PlanTask.number == 1)).scalar_one()
        assignment = session.execute(select(Assignment).where(Assignment.plan_task_id == task.id)).scalar_one()
    assert task.last_day == date(2023, 10, 17) and assignment.last_day == date(2023, 10, 12)


def test_a_new_unit_joins_with_its_assignments(loaded_hanoi, db, cycle_copy):
    with (cycle_copy / "units.csv").open("a", encoding="utf-8") as units:
        units.write("BQLHOALAC,BQL Khu công nghệ cao Hòa Lạc,so,so,hoalac@hanoi.example,truongban.hoalac@hanoi.example\n")
    with (cycle_copy / "population.csv").open("a", encoding="utf-8") as population:  # whom its survey asks
        population.writelines(f"BQLHOALAC,{group},{people}\n" for group, people in enumerate((95, 20, 350, 90, 4000), 1))
    write(cycle_copy, "units.csv", "sonoivu@hanoi.example,", "cchc.sonoivu@hanoi.example,")
    assert apply(db, cycle_copy).changes == ["đơn vị SNV: cập nhật email", "thêm 1 đơn vị: BQLHOALAC"]
    with session_scope(db) as session:
        unit = session.execute(select(Unit).where(Unit.code == "BQLHOALAC")).scalar_one()
        assignees = session.execute(select(Assignment.assignee).where(Assignment.unit_id == unit.id)).scalars().all()
    assert unit.state == "registered" and assignees == ["unit:BQLHOALAC", "unit:BQLHOALAC"]


def test_rewriting_the_past_is_refused_whole_and_changes_nothing(loaded_hanoi, db, cycle_copy):
    with session_scope(db) as session:
        ctx = load_context(session, "hanoi-2023")
        transition_units(session, cycle_id="hanoi-2023", codes=["STP"], event=UnitEvent.OPEN_SELF_ASSESSMENT,
                         actor="t", at=AT)
        record_scores(session, ctx, kind=ScoreKind.SURVEY, sheets=[ScoreSheet("SNV", {})], at=AT, actor="vien",
                      source="x.xlsx")
    before = snapshot(db)
    for name in ("units.csv", "population.csv"):  # the unit, and whom its survey would have asked
        text = (cycle_copy / name).read_text(encoding="utf-8")
        (cycle_copy / name).write_text("\n".join(line for line in text.splitlines() if not line.startswith("STP,"))
                                       + "\n", encoding="utf-8")
    write(cycle_copy, "criteria.csv", "Ban hành kế hoạch CCHC năm kịp thời", "Ban hành kịp thời")
    write(cycle_copy, "plan.toml", 'due = "Trước ngày 10/02/2024"', 'due = "20/02/2024"')
    with pytest.raises(DefinitionConflict) as refused:
        apply(db, cycle_copy)
    assert refused.value.conflicts == [
        "đơn vị STP bị bỏ nhưng đã ở trạng thái 'đang tự đánh giá'",
        "bộ tiêu chí thay đổi nhưng đã có điểm được ghi theo bộ cũ",
    ]
    assert snapshot(db) == before


def test_new_result_rules_rescore_results_and_are_refused_once_approved(loaded_hanoi, db, cycle_copy):
    """criteria.toml's ranking rule changed after scoring: the results go stale and are rescored under it (and
    the recomputation agrees); once results are approved, a change of rules is refused whole."""
    from models.settings import Settings
    from models.tables import UnitResult
    from tasks.engine.scoring import score_ready_blocks
    from tasks.inputs.intake import approve_results
    from tests.seasons import SCORED_AT, assert_recomputed, drive_to_scored

    drive_to_scored(db)
    write(cycle_copy, "criteria.toml", '\ncompare = "published"', '\ncompare = "exact"')
    result = apply(db, cycle_copy)
    assert any("quy tắc tính kết quả trong criteria.toml thay đổi (ranking): 52 kết quả" in c for c in result.changes), \
        result.changes
    with session_scope(db) as session:
        assert session.scalar(select(func.count()).select_from(UnitResult).where(UnitResult.stale)) == 52
        ctx = load_context(session, "hanoi-2023")
        assert ctx.criteria_set.ranking.compare == "exact"
        score_ready_blocks(session, ctx, at=SCORED_AT, actor="t", flow_run_id=None, settings=Settings())
        assert session.scalar(select(func.count()).select_from(UnitResult).where(UnitResult.stale)) == 0
        approve_results(session, ctx, at=SCORED_AT, actor="Chủ tịch")
    assert_recomputed(db)
    write(cycle_copy, "criteria.toml", '\nties_at_cap = "all_out"', '\nties_at_cap = ["appraisal_points"]')
    before = snapshot(db)
    with pytest.raises(DefinitionConflict, match=r"\(reward\) nhưng kết quả của 52 đơn vị đã được phê duyệt"):
        apply(db, cycle_copy)
    assert snapshot(db) == before
