"""Files in: self-assessment, explanations, appraisal, survey and last year's results, in XLSX, CSV and JSON."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from sqlalchemy import select

from models.db import session_scope
from models.history import verify_chain
from models.tables import PriorResult, ScoreKind, ScoreLine, ScoreVersion, Unit
from tasks.engine.events import unit_of_work
from tasks.inputs.imports import (
    Inputs,
    import_appraisal,
    import_prior_results,
    import_survey,
    submit_explanation,
    submit_self_assessment,
)
from tests.forms.conftest import SUBMITTED, as_csv, as_json, fill, rows_of_sheet, template

LATE = datetime(2023, 12, 4, 3, tzinfo=UTC)


def submit(db, path, record=submit_self_assessment, *args, at=SUBMITTED, actor=""):
    with unit_of_work(db) as session:
        return record(session, path, *args, Inputs(actor, at))


def versions(db, code: str, kind: ScoreKind) -> list[tuple[int, Decimal, bool, str]]:
    with session_scope(db) as session:
        return [tuple(row) for row in session.execute(
            select(ScoreVersion.version, ScoreVersion.total, ScoreVersion.late, ScoreVersion.actor)
            .join(Unit, Unit.id == ScoreVersion.unit_id)
            .where(Unit.code == code, ScoreVersion.kind == kind.value).order_by(ScoreVersion.version))]


def state(db, code: str) -> str:
    with session_scope(db) as session:
        return session.scalar(select(Unit.state).where(Unit.code == code))


def test_a_filled_self_assessment_template_moves_the_unit_and_keeps_every_version(opened, tmp_path):
    form = fill(template(opened, tmp_path, "self-assessment", unit="SNV"))
    result = submit(opened, form)
    assert (result.units, result.rows, result.late) == (["SNV"], 94, [])  # 57 leaves under 37 headings
    assert state(opened, "SNV") == "self_assessed"
    again = fill(template(opened, tmp_path, "self-assessment", "again.xlsx", unit="SNV"),
                 value=lambda row: row["Điểm tối đa"] / 2)
    assert submit(opened, again, at=LATE).late == ["SNV"]  # after 30/11: accepted, marked late
    assert versions(opened, "SNV", ScoreKind.SELF_ASSESSED) == [(1, Decimal("70.000"), False, "unit:SNV"),
                                                                (2, Decimal("35.000"), True, "unit:SNV")]
    with session_scope(opened) as session:
        evidence = session.scalar(select(ScoreLine.evidence_ref).where(ScoreLine.criterion_code == "1.1.1"))
        assert verify_chain(session, cycle_id="hanoi-2023") is None
    assert evidence == "VB-1.1.1"


@pytest.mark.parametrize("write", [as_csv, lambda rows, path: as_csv(rows, path, ";"), as_json])
def test_csv_and_json_carry_the_same_form(opened, tmp_path, write):
    rows = rows_of_sheet(fill(template(opened, tmp_path, "self-assessment", unit="STP")))
    suffix = ".json" if write is as_json else ".csv"
    if suffix == ".csv":  # people type decimal commas
        rows = [{**row, "Điểm": str(row["Điểm"]).replace(".", ",")} for row in rows]
    result = submit(opened, write(rows, tmp_path / f"stp{suffix}"))
    assert result.units == ["STP"] and versions(opened, "STP", ScoreKind.SELF_ASSESSED)[0][1] == Decimal("70.000")


def appraise_all(db, tmp_path, round_: str, value=lambda row: row["Điểm tối đa"]):
    return submit(db, fill(template(db, tmp_path, "appraisal", f"round{round_}.xlsx", round_=round_), value=value,
                           evidence=False), import_appraisal, round_, actor="body:to_cong_tac")


def self_assess_all(db, tmp_path):
    for code in ("SNV", "STP"):
        submit(db, fill(template(db, tmp_path, "self-assessment", f"{code}.xlsx", unit=code)))


def test_appraisal_then_explanation_then_round_two(opened, tmp_path):
    self_assess_all(opened, tmp_path)
    form = fill(template(opened, tmp_path, "appraisal", block="so"), evidence=False)
    rows = [row for row in rows_of_sheet(form) if row["Mã đơn vị"] in ("SNV", "STP")]
    result = submit(opened, as_csv(rows, tmp_path / "r1.csv"), import_appraisal, "1")
    assert result.units == ["SNV", "STP"] and state(opened, "SNV") == "appraised_round1"
    with unit_of_work(opened) as session:  # the draft goes out: the unit is explaining
        from models.lifecycle import UnitEvent
        from models.transitions import transition_units

        transition_units(session, cycle_id="hanoi-2023", codes=["SNV"], event=UnitEvent.SEND_DRAFT, actor="t",
                         at=SUBMITTED)
    explanation = template(opened, tmp_path, "explanation", unit="SNV")
    rows = rows_of_sheet(explanation)
    assert rows[0]["Điểm"] == 1.0  # prefilled with round 1
    rows[0]["Giải trình"], rows[0]["Điểm"] = "Đã ban hành đúng hạn, xem văn bản kèm", 1
    rows[1]["Giải trình"], rows[1]["Điểm"] = "Bổ sung tài liệu", None
    # only the two lines it explains, one without proposed points: every other criterion keeps its round-1 points
    result = submit(opened, as_json(rows[:2], tmp_path / "snv-explanation.json"), submit_explanation)
    assert result.kind == "explained" and state(opened, "SNV") == "explained"
    (_, total, _, actor), = versions(opened, "SNV", ScoreKind.EXPLAINED)
    assert actor == "unit:SNV" and total == versions(opened, "SNV", ScoreKind.APPRAISED_ROUND1)[-1][1]
    round2 = [row for row in rows_of_sheet(fill(template(opened, tmp_path, "appraisal", "r2.xlsx", round_="2"),
                                                 evidence=False)) if row["Mã đơn vị"] == "SNV"]
    submit(opened, as_csv(round2, tmp_path / "r2.csv"), import_appraisal, "2")
    assert state(opened, "SNV") == "appraised_round2"


def test_survey_from_ballots_and_satisfaction_rates(opened, tmp_path):
    from openpyxl import load_workbook

    path = template(opened, tmp_path, "survey")
    book = load_workbook(path)
    del book["Điểm ĐTXHH"]
    ballots = book["Phiếu"]
    # Three ballots about SNV from groups 1, 2 and 3 (every group 1.6.1 is asked of; max 2): A (1.0), B (0.6)
    # and C (0.2) → 2 × 0.6 = 1.2.
    ballots.append(["hanoi-2023", "P-001", "SNV", 1, "1.6.1", "A", None])
    ballots.append(["hanoi-2023", "P-002", "SNV", 2, "1.6.1", "b", None])
    ballots.append(["hanoi-2023", "P-003", "SNV", 3, "1.6.1", "C", None])
    snv = next(row for row in book["Hài lòng"].iter_rows(min_row=3) if row[1].value == "SNV")
    snv[2].value = 87.5  # SNV's satisfaction rate: leaves of groups 4–5 take 87.5 % of their maximum
    book.save(path)
    result = submit(opened, path, import_survey)
    assert result.units == ["SNV"]
    with session_scope(opened) as session:
        lines = dict(session.execute(select(ScoreLine.criterion_code, ScoreLine.points)
                                     .join(ScoreVersion).join(Unit, Unit.id == ScoreVersion.unit_id)
                                     .where(Unit.code == "SNV", ScoreVersion.kind == "survey")).all())
    assert lines["1.6.1"] == Decimal("1.200") and lines["8.4.1"] == Decimal("3.063")  # 3.5 × 0.875 = 3.0625
    assert "2.5.1" not in lines  # no ballot answered it: still missing, scoring will say so
    with session_scope(opened) as session:  # the rate is kept: it is the unit's satisfaction index
        rate = session.scalar(select(ScoreVersion.satisfaction_percent).join(Unit, Unit.id == ScoreVersion.unit_id)
                              .where(Unit.code == "SNV", ScoreVersion.kind == "survey"))
    assert rate == Decimal("87.500")


def test_last_years_satisfaction_index_is_kept_when_the_file_has_it(opened, tmp_path):
    rows = [{"Chu kỳ": "hanoi-2023", "Mã đơn vị": "SNV", "Chỉ số (%)": "91,5", "Hạng": 2, "Xếp loại": "Tốt",
             "Chỉ số hài lòng (%)": "92,4"},
            {"Chu kỳ": "hanoi-2023", "Mã đơn vị": "STP", "Chỉ số (%)": 84, "Hạng": 9, "Xếp loại": "Khá",
             "Chỉ số hài lòng (%)": ""}]
    submit(opened, as_csv(rows, tmp_path / "2022.csv"), import_prior_results, 2022)
    with session_scope(opened) as session:
        found = dict(session.execute(select(PriorResult.unit_code, PriorResult.satisfaction_percent)).all())
    assert found == {"SNV": Decimal("92.400"), "STP": None}


def test_last_years_results_replace_that_year(opened, tmp_path):
    rows = [{"Chu kỳ": "hanoi-2023", "Mã đơn vị": "SNV", "Chỉ số (%)": "91,5", "Hạng": 2, "Xếp loại": "Tốt"},
            {"Chu kỳ": "hanoi-2023", "Mã đơn vị": "STP", "Chỉ số (%)": 84, "Hạng": 9, "Xếp loại": "Khá"}]
    submit(opened, as_csv(rows, tmp_path / "2022.csv"), import_prior_results, 2022)
    submit(opened, as_csv(rows[:1], tmp_path / "2022b.csv"), import_prior_results, 2022)
    with session_scope(opened) as session:
        found = session.execute(select(PriorResult.unit_code, PriorResult.index_percent, PriorResult.band)).all()
    assert [tuple(row) for row in found] == [("SNV", Decimal("91.500"), "Tốt")]
