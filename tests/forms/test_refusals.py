"""A corpus of malformed files: each is refused whole, naming where and which rule, and the database is as before."""

from __future__ import annotations

import json
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
from openpyxl import load_workbook

from models.forms.problems import FormRejected
from tasks.engine.events import unit_of_work
from tasks.inputs.imports import (
    Inputs,
    import_appraisal,
    import_prior_results,
    import_survey,
    submit_explanation,
    submit_self_assessment,
)
from tests.forms.conftest import SUBMITTED, as_csv, database_state, fill, rows_of_sheet, template

Rows = list[dict]


def edited(change: Callable[[Rows], Rows]) -> Callable[[Path, Path], Path]:
    """A CSV of SNV's valid self-assessment, changed."""
    def build(valid: Path, folder: Path) -> Path:
        return as_csv(change(rows_of_sheet(valid)), folder / "bad.csv")
    return build


def cell(index: int, column: str, value) -> Callable[[Rows], Rows]:  # type: ignore[no-untyped-def]
    def change(rows: Rows) -> Rows:
        rows[index][column] = value
        return rows
    return change


def workbook(change: Callable) -> Callable[[Path, Path], Path]:  # type: ignore[type-arg]
    def build(valid: Path, folder: Path) -> Path:
        book = load_workbook(valid)
        change(book.worksheets[0])
        path = folder / "bad.xlsx"
        book.save(path)
        return path
    return build


def with_member(name: str, content: bytes) -> Callable[[Path, Path], Path]:
    def build(valid: Path, folder: Path) -> Path:
        path = folder / "bad.xlsx"
        path.write_bytes(valid.read_bytes())
        with zipfile.ZipFile(path, "a", compression=zipfile.ZIP_DEFLATED) as archive:
            archive.writestr(name, content)
        return path
    return build


def raw(name: str, content: bytes | Callable[[Path], bytes]) -> Callable[[Path, Path], Path]:
    def build(valid: Path, folder: Path) -> Path:
        path = folder / name
        path.write_bytes(content(valid) if callable(content) else content)
        return path
    return build


def sparse(name: str, size: int) -> Callable[[Path, Path], Path]:
    def build(valid: Path, folder: Path) -> Path:
        path = folder / name
        with path.open("wb") as handle:
            handle.truncate(size)
        return path
    return build


def cp1258_csv(valid: Path) -> bytes:
    rows = rows_of_sheet(valid)
    text = "Chu kỳ,Mã đơn vị,Mã tiêu chí,Điểm\n" + "".join(
        f"{r['Chu kỳ']},{r['Mã đơn vị']},{r['Mã tiêu chí']},{r['Điểm']}\n" for r in rows)
    return text.encode("utf-16")


def second_unit(rows: Rows) -> Rows:
    return rows + [{**row, "Mã đơn vị": "STP"} for row in rows]


def drop_leaf(rows: Rows) -> Rows:
    return [row for row in rows if row["Mã tiêu chí"] != "2.1.1"]


def set_formula(sheet) -> None:  # type: ignore[no-untyped-def]
    sheet["G4"] = "=E4*1"


# name: (how to build the file, the rule, a piece of where it is)
def link_outside(valid: Path, folder: Path) -> Path:
    """A form dropped in a folder as a symbolic link to a file elsewhere (another unit's, or a system file)."""
    link = folder / "snv.xlsx"
    link.symlink_to(valid)
    return link


SELF_ASSESSMENT_CASES = {
    "unknown cycle": (edited(lambda rows: [{**r, "Chu kỳ": "hanoi-1999"} for r in rows]), "unknown-cycle", ""),
    "unknown unit": (edited(cell(0, "Mã đơn vị", "SXYZ")), "unknown-unit", "row 2, column 'Mã đơn vị'"),
    "unknown criterion": (edited(cell(3, "Mã tiêu chí", "9.9.9")), "unknown-criterion", "row 5"),
    "above maximum": (edited(cell(0, "Điểm", 1.5)), "above-maximum", "row 2, column 'Điểm'"),
    "below zero": (edited(cell(0, "Điểm", -1)), "below-zero", "row 2"),
    "text for a number": (edited(cell(1, "Điểm", "một")), "not-a-number", "row 3, column 'Điểm'"),
    "too many decimals": (edited(cell(0, "Điểm", "0.1234")), "precision", "row 2"),
    "blank points": (edited(cell(0, "Điểm", "")), "required", "row 2, column 'Điểm'"),
    "missing evidence": (edited(cell(0, "Tài liệu kiểm chứng", "")), "evidence-required",
                         "column 'Tài liệu kiểm chứng'"),
    "duplicate row": (edited(lambda rows: rows + rows[:1]), "duplicate-row", "row 59"),
    "two units": (edited(second_unit), "one-unit", ""),
    "a leaf left out": (edited(drop_leaf), "incomplete", ""),
    "survey leaf scored": (edited(lambda rows: [*rows, {**rows[0], "Mã tiêu chí": "1.6.1", "Điểm": 1}]),
                           "wrong-method", "column 'Mã tiêu chí'"),
    "heading scored": (edited(lambda rows: [*rows, {**rows[0], "Mã tiêu chí": "1.1", "Điểm": 1}]),
                       "not-a-leaf", ""),
    "mixed cycles": (edited(cell(4, "Chu kỳ", "hcm-2023")), "mixed-cycles", "row 6"),
    "no points column": (edited(lambda rows: [{k: v for k, v in r.items() if k != "Điểm"} for r in rows]),
                         "missing-column", ""),
    "formula": (workbook(set_formula), "formula", "row 4, column 'G'"),
    "macros": (with_member("xl/vbaProject.bin", b"\x00" * 64), "macro", ""),
    "external links": (with_member("xl/externalLinks/externalLink1.xml", b"<externalLink/>"), "external-link", ""),
    "zip bomb": (with_member("xl/worksheets/sheet9.xml", b"\x00" * 60_000_000), "zip-bomb", ""),
    "not UTF-8": (raw("utf16.csv", cp1258_csv), "encoding", ""),
    "empty file": (raw("empty.csv", b""), "empty", ""),
    "header only": (raw("header.csv", "Chu kỳ,Mã đơn vị,Mã tiêu chí,Điểm\n".encode()), "empty", ""),
    "xlsx that is not a workbook": (raw("fake.xlsx", b"Chu ky;Ma don vi\nhanoi-2023;SNV\n"), "unreadable", ""),
    "broken JSON": (raw("bad.json", b'[{"Chu k\xe1\xbb\xb3": "hanoi-2023",'), "not-json", "row 1"),
    "nested JSON": (raw("nested.json", json.dumps([{"Chu kỳ": "hanoi-2023", "Mã đơn vị": "SNV",
                                                     "Mã tiêu chí": "1.1.1", "Điểm": {"v": 1}}]).encode()),
                    "not-a-value", "column 'Điểm'"),
    "old Excel format": (raw("old.xls", b"\xd0\xcf\x11\xe0"), "file-type", ""),
    "macro-enabled workbook": (raw("book.xlsm", b"PK"), "file-type", ""),
    "too large": (sparse("huge.csv", 100 * 1024 * 1024), "too-large", ""),
    "a link to a file outside its folder": (lambda valid, folder: link_outside(valid, folder), "outside", ""),
}


@pytest.fixture
def valid_self_assessment(opened, tmp_path) -> Path:
    return fill(template(opened, tmp_path, "self-assessment", unit="SNV"))


def assert_refused(db, record, path: Path, rule: str, where: str) -> FormRejected:
    before = database_state(db)
    with pytest.raises(FormRejected) as refused, unit_of_work(db) as session:
        record(session, path, Inputs("operator:tester", SUBMITTED))
    assert database_state(db) == before
    matching = [p for p in refused.value.problems if p.rule == rule]
    assert matching, [str(p) for p in refused.value.problems]
    assert any(where in str(p) and str(p).startswith(str(path)) for p in matching), [str(p) for p in matching]
    return refused.value


@pytest.mark.parametrize("case", list(SELF_ASSESSMENT_CASES))
def test_a_malformed_self_assessment_is_refused_whole(opened, valid_self_assessment, tmp_path, case):
    build, rule, where = SELF_ASSESSMENT_CASES[case]
    folder = tmp_path / "bad"
    folder.mkdir()
    assert_refused(opened, submit_self_assessment, build(valid_self_assessment, folder), rule, where)


def test_every_problem_of_a_file_is_listed_at_once(opened, valid_self_assessment, tmp_path):
    rows = rows_of_sheet(valid_self_assessment)
    rows[0]["Điểm"], rows[1]["Điểm"], rows[2]["Mã đơn vị"] = 7, "x", "NOPE"
    error = assert_refused(opened, submit_self_assessment, as_csv(rows, tmp_path / "three.csv"), "above-maximum",
                           "row 2")
    assert {p.rule for p in error.problems} >= {"above-maximum", "not-a-number", "unknown-unit"}


def test_a_file_for_a_closed_stage_is_refused(opened, tmp_path):
    """Round-2 appraisal while the units are still self-assessing: the stage is not open for them."""
    rows = [row for row in rows_of_sheet(fill(template(opened, tmp_path, "appraisal", round_="2"), evidence=False))
            if row["Mã đơn vị"] == "SNV"]
    assert_refused(opened, lambda s, p, w: import_appraisal(s, p, "2", w), as_csv(rows, tmp_path / "r2.csv"),
                   "stage-closed", "")


def test_an_explanation_outside_its_window_is_refused(opened, tmp_path):
    rows = rows_of_sheet(template(opened, tmp_path, "explanation", unit="SNV"))
    rows[0]["Giải trình"] = "lý do"
    assert_refused(opened, submit_explanation, as_csv(rows, tmp_path / "e.csv"), "stage-closed", "")


@pytest.mark.parametrize(("row", "rule", "column"), [
    (["hanoi-2023", "P-1", "SNV", 1, "1.6.1", "E"], "unknown-answer", "Trả lời"),
    (["hanoi-2023", "P-1", "SNV", 4, "1.6.1", "A"], "wrong-group", "Nhóm"),
    (["hanoi-2023", "P-1", "SNV", 9, "1.6.1", "A"], "out-of-range", "Nhóm"),
])
def test_a_bad_ballot_is_refused(opened, tmp_path, row, rule, column):
    path = tmp_path / "ballots.csv"
    path.write_text("Chu kỳ,Mã phiếu,Mã đơn vị,Nhóm,Mã tiêu chí,Trả lời\n" + ",".join(map(str, row)) + "\n",
                    encoding="utf-8")
    assert_refused(opened, import_survey, path, rule, f"row 2, column '{column}'")


def test_last_years_results_with_an_unknown_band_are_refused(opened, tmp_path):
    path = tmp_path / "2022.csv"
    path.write_text("Chu kỳ,Mã đơn vị,Chỉ số (%),Hạng,Xếp loại\nhanoi-2023,SNV,91,2,Xuất sắc\n", encoding="utf-8")
    assert_refused(opened, lambda s, p, w: import_prior_results(s, p, 2022, w), path, "unknown-band", "row 2")
