"""Plans of the two-tier provinces (since 07/2025): a criteria tree per block, units compared with their
predecessors of last year, and the due texts such plans write (calendar/haiphong-2025)."""

from __future__ import annotations

import csv
import shutil
from datetime import date, datetime
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from models.cycle_store import insert_cycle
from models.db import session_scope
from models.definition.loader import load_cycle
from models.forms.problems import FormRejected
from models.predecessors import Predecessor, PriorRow, parse_predecessors, prior_results
from models.tables import PriorResult
from tasks.inputs.imports import Inputs, import_prior_results, load_catalogue
from tests.conftest import ROOT
from tests.models.test_definition import refused, write

FOLDER = ROOT / "calendar" / "haiphong-2025"
ZONE = ZoneInfo("Asia/Ho_Chi_Minh")


@pytest.fixture(scope="module")
def haiphong():  # type: ignore[no-untyped-def]
    return load_cycle(FOLDER)


@pytest.fixture
def copy(tmp_path: Path) -> Path:
    target = tmp_path / "haiphong-2025"
    shutil.copytree(FOLDER, target)
    return target


def test_each_block_has_its_own_criteria_tree_with_its_totals_and_groups(haiphong):
    departments, communes = haiphong.criteria_of("so_nganh"), haiphong.criteria_of("xa")
    for tree, totals in ((departments, (100, 70, 30)), (communes, (100, 65, 35))):
        assert (sum(c.max_points for c in tree if c.parent_code is None),
                sum(c.max_points for c in tree if c.method == "appraisal"),
                sum(c.max_points for c in tree if c.method == "survey")) == totals
    assert {c.tree for c in communes} == {"criteria-xa.csv"} and {c.tree for c in departments} == {"criteria.csv"}
    assert [c.title for c in communes if c.code == "3"] == ["Cải cách thủ tục hành chính và bộ phận một cửa"]
    # the communes' four groups, numbered as their own tree numbers them: 3 and 4 give the satisfaction rate
    assert max(g for c in communes for g in c.respondents) == 4
    assert haiphong.block("xa").satisfaction_groups == [3, 4]
    assert haiphong.warnings() == []


def test_a_mistake_in_a_blocks_tree_names_its_file_and_its_block(copy):
    write(copy, "criteria-xa.csv", "3.2.1,Tỷ lệ hồ sơ giải quyết đúng hạn,5,", "3.2.1,Tỷ lệ hồ sơ giải quyết đúng hạn,4,")
    write(copy, "criteria-xa.csv", '5.4.1,Năng lực chuyên môn của công chức,2,survey,no,"1,2"',
          '5.4.1,Năng lực chuyên môn của công chức,2,survey,no,"1,5"')
    problems = refused(copy)
    assert any(p.startswith("criteria-xa.csv (block xa): line") and "3.2 has 9 points but its sub-criteria add up "
               "to 8" in p for p in problems), problems
    assert any(p.startswith("criteria-xa.csv (block xa): line") and "respondent group 5 does not exist (groups 1 "
               "to 4)" in p for p in problems), problems
    assert any("[[trees]] criteria-xa.csv: appraisal_points: declares 65 points but the appraised leaves in "
               "criteria-xa.csv add up to 64" in p for p in problems), problems


def test_a_tree_without_its_totals_is_refused(copy):
    write(copy, "criteria.toml", 'file = "criteria-xa.csv"', 'file = "criteria-phuong.csv"')
    problems = refused(copy)
    assert any("no [[trees]] entry with file = 'criteria-xa.csv'" in p for p in problems), problems
    assert any("[[trees]] criteria-phuong.csv: no block of cycle.toml names this file" in p for p in problems)


def test_the_due_texts_of_the_plan_read_as_a_clerk_reads_them(haiphong):
    due = {task.number: task for task in haiphong.tasks}
    assert due[3].due_at == datetime(2025, 12, 5, 17, 0, tzinfo=ZONE)  # "Trước 17h00 ngày 05/12/2025"
    assert due[2].last_day == date(2025, 11, 7)  # "Tuần đầu tháng 11/2025": the first week's last working day
    assert due[4].opens_at.date() == date(2025, 11, 3) and due[4].last_day == date(2025, 12, 19)  # a range
    assert due[5].last_day == date(2025, 12, 31)  # "Cuối tháng 12/2025": the month's last day (Art. 146)
    assert due[6].last_day == date(2026, 1, 7)  # "Tuần đầu tháng 01/2026": 01/01 is a holiday, 07/01 a Wednesday
    assert due[7].last_day == date(2026, 1, 16)  # "16/01/2026 (thứ Sáu)": the weekday agrees
    assert due[10].last_day == date(2026, 2, 13)  # "Trước Tết Nguyên đán Bính Ngọ": Tết is 17/02/2026
    assert due[11].last_day == date(2026, 3, 2)  # "Đầu tháng 3/2026": 01/03 a Sunday, so the Monday


def test_predecessors_are_read_and_a_split_must_hand_out_all_of_the_old_unit(copy):
    write(copy, "units.csv", "KT-KIENQUOC; KT-DOANXA; KT-DAIHA:0.5", "KT-KIENQUOC; KT-DOANXA; KT-DAIHA:0.4")
    write(copy, "units.csv", "HP-STP; HD-STP", "HP-STP; hd-stp")
    write(copy, "units.csv", "HP-SCT; HD-SCT", "HP-SCT; HD-SCT:1.5")
    problems = refused(copy)
    assert any("last year's unit KT-DAIHA is shared as X-KIENTHUY 0.5, X-KIENHAI 0.4: the shares add up to 0.9, "
               "not 1" in p for p in problems), problems
    assert any("column predecessors" in p and "'hd-stp' is not a unit code" in p for p in problems), problems
    assert any("share '1.5' is not above 0 and at most 1" in p for p in problems), problems


def test_a_unit_is_compared_with_its_own_result_its_predecessors_or_nothing():
    assert parse_predecessors("A; B:0.4; C:25%") == (Predecessor("A", Fraction(1)), Predecessor("B", Fraction(2, 5)),
                                                       Predecessor("C", Fraction(1, 4)))
    rows = {code: PriorRow(Decimal(index), rank, band, Decimal(rate) if rate else None)
            for code, index, rank, band, rate in (("OLD", "80.00", 5, "Khá", "91.00"), ("A", "90.00", 1, "Tốt", "95"),
                                                  ("B", "70.00", 9, "Trung bình", "80"), ("SPLIT", "85.00", 3, "Khá", ""))}
    found = prior_results([("OLD", None), ("NEW", "[]"), ("AB", '[["A", "1"], ["B", "1/2"]]'),
                           ("RENAMED", '[["OLD", "1"]]'), ("GONE", '[["Z", "1"]]'), ("PART", '[["SPLIT", "1/2"]]')],
                          rows, 2)
    assert found["OLD"].kind == "same" and found["OLD"].band == "Khá" and found["OLD"].rank_in_block == 5
    assert found["NEW"].kind == "new" and found["NEW"].index_percent is None
    # (1 × 90 + ½ × 70) / 1½ = 83.333…, published with two decimals; the rates likewise (1 × 95 + ½ × 80) / 1½
    assert found["AB"].kind == "merged" and found["AB"].index_percent == Decimal("83.33")
    assert found["AB"].satisfaction_percent == Decimal("90.00") and not found["AB"].ranked_last_year
    assert found["RENAMED"].kind == "whole" and found["RENAMED"].rank_in_block == 5
    assert found["GONE"].kind == "missing" and found["GONE"].sources == ("Z",)
    assert found["PART"].kind == "merged" and found["PART"].index_percent == Decimal("85.00")
    assert found["PART"].satisfaction_percent is None  # a predecessor without a rate: no rate to compare


def test_last_years_results_are_imported_by_the_predecessors_codes(db, haiphong, tmp_path):
    with session_scope(db) as session:
        insert_cycle(session, haiphong, at=datetime(2025, 10, 1, tzinfo=ZONE), actor="test")
    with session_scope(db) as session:
        behind = load_catalogue(session, haiphong.id).prior_units
    assert behind["HP-SLDTBXH"] == "tiền thân của Sở Nội vụ; tiền thân của Sở Giáo dục và Đào tạo; tiền thân của Sở Y tế"
    assert "SNV" not in behind and "DK-BACHLONGVI" not in behind  # compared with its predecessors; new
    path = tmp_path / "ket-qua-2024.csv"

    def send(rows: list[tuple[str, str, str, str]]) -> None:
        with path.open("w", newline="", encoding="utf-8") as handle:
            out = csv.writer(handle)
            out.writerow(["Chu kỳ", "Mã đơn vị", "Chỉ số (%)", "Hạng", "Xếp loại"])
            out.writerows([(haiphong.id, *row) for row in rows])
        with session_scope(db) as session:
            import_prior_results(session, path, 2024, Inputs("", datetime(2025, 10, 2, tzinfo=ZONE)))

    with pytest.raises(FormRejected) as error:
        send([("HP-SNV", "88.10", "3", "Khá"), ("SNV", "90.00", "1", "Tốt")])
    assert "row 3, column 'Mã đơn vị'" in str(error.value) and "'SNV' không phải đơn vị năm trước" in str(error.value)
    with session_scope(db) as session:
        assert session.scalars(select(PriorResult)).all() == []  # nothing of the refused file
    send([("HP-SNV", "88.10", "3", "Khá"), ("HD-SNV", "84.00", "61", "Khá")])  # a rank in the old, larger block
    with session_scope(db) as session:
        assert set(session.scalars(select(PriorResult.unit_code))) == {"HP-SNV", "HD-SNV"}


def test_a_mistyped_key_of_a_block_is_named_by_the_blocks_code_with_the_key_meant_and_nothing_else(copy):
    write(copy, "cycle.toml", "satisfaction_groups = [3, 4]", "satisfaction_group = [3, 4]")
    assert refused(copy) == ["cycle.toml: blocks[2] (xa).satisfaction_group: khóa này không có trong định dạng "
                             "(docs/cycle-format.md); có phải là satisfaction_groups?"]  # no mistake it leads to


def test_a_decimal_comma_in_a_maximum_is_read_and_an_unquoted_one_is_explained(copy):
    write(copy, "criteria-xa.csv", "3.4.3,Thái độ phục vụ của công chức Bộ phận Một cửa,2,",
          '3.4.3,Thái độ phục vụ của công chức Bộ phận Một cửa,"2,0",')
    assert load_cycle(copy).criteria_of("xa")  # "2,0" as Vietnamese write it
    write(copy, "criteria-xa.csv", '"2,0"', "2,0")
    assert any('a comma inside a value, such as 7,5 or 1,2,3, is written in double quotes: "7,5"' in p
               for p in refused(copy))
