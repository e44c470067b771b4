"""The hostile corpus: every file a sender (or an attacker) can craft ends accepted-and-right or refused whole
with a named rule, never a traceback, and the database is exactly as before a refusal."""

from __future__ import annotations

import json
import os
import re
import unicodedata
import zipfile
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import select, update

from models.db import session_scope
from models.tables import PriorResult, ScoreKind, ScoreVersion, Unit
from tasks.engine.events import unit_of_work
from tasks.inputs.imports import Inputs, import_appraisal, import_prior_results, submit_self_assessment
from tests.forms.conftest import SUBMITTED, as_csv, as_json, database_state, fill, rows_of_sheet, template
from tests.forms.test_refusals import assert_refused

pytestmark = pytest.mark.reliability
SHEET = "xl/worksheets/sheet1.xml"
Build = Callable[[Path, Path], Path]


def member(change: Callable[[bytes], bytes], name: str = SHEET, stored: bool = False) -> Build:
    """The valid workbook with one part rewritten (stored uncompressed when asked, to tamper with its bytes)."""
    def build(valid: Path, folder: Path) -> Path:
        path = folder / "bad.xlsx"
        with zipfile.ZipFile(valid) as source, zipfile.ZipFile(
                path, "w", compression=zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED) as target:
            for info in source.infolist():
                data = source.read(info)
                target.writestr(info.filename, change(data) if info.filename == name else data)
        return path
    return build


def rows_added(xml: str) -> Callable[[bytes], bytes]:
    return lambda data: data.replace(b"</sheetData>", xml.encode() + b"</sheetData>")


def doctype(declarations: str) -> Callable[[bytes], bytes]:
    return lambda data: data.replace(b"<worksheet", f"<!DOCTYPE worksheet [{declarations}]><worksheet".encode(), 1)


BILLION_LAUGHS = '<!ENTITY lol0 "lol">' + "".join(f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, 10))


def flipped_byte(data: bytes) -> bytes:
    """A stored part whose bytes no longer match the CRC-32 in the archive's directory."""
    at = data.index(b"<sheetData>") + 5
    return data[:at] + bytes([data[at] ^ 0x20]) + data[at + 1:]


def csv_of(change: Callable[[list[dict]], list[dict]] = lambda rows: rows, *, name: str = "snv.csv",
           text: Callable[[str], str] = lambda t: t) -> Build:
    def build(valid: Path, folder: Path) -> Path:
        path = as_csv(change(rows_of_sheet(valid)), folder / name)
        path.write_text(text(path.read_text(encoding="utf-8")), encoding="utf-8", newline="")
        return path
    return build


def json_text(make: Callable[[list[dict]], str]) -> Build:
    def build(valid: Path, folder: Path) -> Path:
        path = folder / "snv.json"
        path.write_text(make(rows_of_sheet(valid)), encoding="utf-8", errors="surrogatepass")
        return path
    return build


def points(index: int, value) -> Callable[[list[dict]], list[dict]]:  # type: ignore[no-untyped-def]
    def change(rows: list[dict]) -> list[dict]:
        rows[index]["Điểm"] = value
        return rows
    return change


def book(change: Callable) -> Build:  # type: ignore[type-arg]
    def build(valid: Path, folder: Path) -> Path:
        workbook = load_workbook(valid)
        change(workbook)
        path = folder / "bad.xlsx"
        workbook.save(path)
        return path
    return build


def hidden_sheet(workbook) -> None:  # type: ignore[no-untyped-def]
    """The filled form moved to a veryHidden sheet; the visible one is blank."""
    workbook.worksheets[0].sheet_state = "veryHidden"
    workbook.create_sheet("Trang tính 1", 0)
    workbook.active = 0


def hidden_row(workbook) -> None:  # type: ignore[no-untyped-def]
    workbook.worksheets[0].row_dimensions[5].hidden = True


def second_points_column(workbook) -> None:  # type: ignore[no-untyped-def]
    sheet = workbook.worksheets[0]
    sheet["J2"] = "score"
    for row in range(3, sheet.max_row + 1):
        sheet.cell(row, 10, 0)


def merged_header(workbook) -> None:  # type: ignore[no-untyped-def]
    """'Điểm' merged over its own and the evidence column: the evidence header is gone."""
    workbook.worksheets[0].merge_cells("G2:H2")


def literal_percent(workbook) -> None:  # type: ignore[no-untyped-def]
    """A format whose % is quoted text: the cell shows its own value followed by "%", not a percentage."""
    for row in workbook.worksheets[0].iter_rows(min_row=3):
        row[6].number_format = '0.00"%"'


def float_leftover(workbook) -> None:  # type: ignore[no-untyped-def]
    """0.7 + 0.1 + 0.1 + 0.1 is 0.9999999999999999 in a float; Excel shows (and means) 1."""
    for row in workbook.worksheets[0].iter_rows(min_row=3):
        if row[3].value == "1.1.1":
            row[6].value = 0.7 + 0.1 + 0.1 + 0.1


def many_sheets(workbook) -> None:  # type: ignore[no-untyped-def]
    for number in range(60):
        workbook.create_sheet(f"Trang {number}")


def missing_part(data: bytes) -> bytes:
    return data.replace(b'Target="/xl/worksheets/sheet1.xml"', b'Target="/xl/worksheets/sheet7.xml"')


def bad_style(data: bytes) -> bytes:
    """The first points cell holding a number points at style 999, which styles.xml does not have."""
    cell = re.search(rb'<c r="(G\d+)"([^>]*)><v>', data)
    attributes = re.sub(rb' s="\d+"', b"", cell[2]) + b' s="999"'
    return data[:cell.start()] + b'<c r="' + cell[1] + b'"' + attributes + b"><v>" + data[cell.end():]


def directory(valid: Path, folder: Path) -> Path:
    path = folder / "x.csv"
    path.mkdir()
    return path


def encrypted(valid: Path, folder: Path) -> Path:
    path = folder / "locked.xlsx"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 4000)
    return path


def through_linked_folder(valid: Path, folder: Path) -> Path:
    """A folder that is a symbolic link to another folder: the file's own name is no link, its folder is."""
    elsewhere = folder.parent / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "snv.xlsx").write_bytes(valid.read_bytes())
    (folder / "inbox").symlink_to(elsewhere, target_is_directory=True)
    return folder / "inbox" / "snv.xlsx"


# name: (how to build it, the rule it is refused by, a piece of where)
REFUSED: dict[str, tuple[Build, str, str]] = {
    "a cell in row 1,048,576": (member(rows_added('<row r="1048576"><c r="A1048576"><v>1</v></c></row>')),
                                "too-many-rows", ""),
    "a cell in column ZZZZ": (member(rows_added('<row r="200"><c r="ZZZZ200"><v>1</v></c></row>')),
                              "unreadable-cell", "row 200, column 'ZZZZ'"),
    "a column past the limit": (member(rows_added('<row r="201"><c r="XFD201"><v>1</v></c></row>')),
                                "too-many-columns", "row 201"),
    "NaN in a number cell": (member(rows_added('<row r="202"><c r="G202"><v>NaN</v></c></row>')),
                             "unreadable-cell", "row 202, column 'G'"),
    "text in a number cell": (member(rows_added('<row r="203"><c r="G203"><v>abc</v></c></row>')),
                              "unreadable-cell", "row 203, column 'G'"),
    "not-a-date in a date cell": (member(rows_added('<row r="204"><c r="G204" t="d"><v>not-a-date</v></c></row>')),
                                  "unreadable-cell", "row 204"),
    "truncated sheet XML": (member(lambda data: data[: len(data) // 2]), "unreadable", ""),
    "billion laughs": (member(doctype(BILLION_LAUGHS)), "xml-entity", ""),
    "external entity (XXE)": (member(doctype('<!ENTITY xxe SYSTEM "file:///etc/passwd">')), "xml-entity", ""),
    "bad CRC-32": (member(flipped_byte, stored=True), "unreadable", ""),
    "encrypted workbook": (encrypted, "encrypted", ""),
    "a folder named x.csv": (directory, "not-a-file", ""),
    "a link through a linked folder": (through_linked_folder, "outside", ""),
    "a stray quote in a file over 128 KB": (csv_of(text=lambda t: t + 'hanoi-2023,SNV,"' + "z" * 140_000 + "\n"),
                                            "csv-syntax", ""),
    "JSON nested 100,000 deep": (json_text(lambda rows: "[" * 100_000 + "]" * 100_000), "too-deep", ""),
    "an integer of 5,000 digits": (json_text(lambda rows: json.dumps(rows, ensure_ascii=False).replace(
        '"Điểm": 1', '"Điểm": ' + "9" * 5000, 1)), "not-a-number", ""),
    "a lone surrogate in a text cell": (json_text(lambda rows: json.dumps(rows).replace(
        '"VB-1.1.1"', '"VB-\\ud800"', 1)), "encoding", "column 'Tài liệu kiểm chứng'"),
    "0_1 for a number": (csv_of(points(0, "0_1")), "not-a-number", "row 2, column 'Điểm'"),
    "1,000 for a number": (csv_of(points(0, "1,000")), "ambiguous-number", "row 2, column 'Điểm'"),
    "two columns meaning points": (book(lambda b: second_points_column(b)), "duplicate-column", "'score (J)'"),
    "points only on a veryHidden sheet": (book(hidden_sheet), "missing-column", ""),
    "a hidden row holding values": (book(hidden_row), "hidden-row", "row 5"),
    "a header merged over the evidence column": (book(merged_header), "missing-column", "Tài liệu kiểm chứng"),
    "a JSON object naming a key twice": (json_text(lambda rows: json.dumps(rows, ensure_ascii=False).replace(
        '"Điểm": 1,', '"Điểm": 1, "Điểm": 0,', 1)), "duplicate-column", ""),
    "JSON with 60 sheets": (json_text(lambda rows: json.dumps({f"s{i}": [] for i in range(60)})), "too-many-sheets",
                            ""),
    "a workbook with 61 sheets": (book(many_sheets), "too-many-sheets", ""),
    "a listed sheet whose part is missing": (member(missing_part, name="xl/_rels/workbook.xml.rels"),
                                             "unreadable", "không có trong tệp"),
    "a style that does not exist": (member(bad_style), "unreadable-cell", "column 'G'"),
    "5,000 wrong rows": (csv_of(lambda rows: rows + [{**rows[0], "Mã tiêu chí": f"9.{i}"} for i in range(5000)]),
                         "too-many-problems", ""),
    "a missing column": (csv_of(lambda rows: [{k: v for k, v in r.items() if k != "Mã tiêu chí"} for r in rows]),
                         "missing-column", "'Mã tiêu chí'"),
}
ACCEPTED: dict[str, Build] = {
    "a declared dimension of A1:XFD1048576": member(lambda data: re.sub(rb'<dimension ref="[^"]*"/>',
                                                                        b'<dimension ref="A1:XFD1048576"/>', data)),
    "CR-only line ends (CSV Macintosh)": csv_of(text=lambda t: t.replace("\r\n", "\r").replace("\n", "\r")),
    "the header repeated under itself": csv_of(lambda rows: [{k: k for k in rows[0]}, *rows]),
    "blank rows between header and data": book(lambda b: b.worksheets[0].insert_rows(3, 4)),
    "a % that is quoted text in the number format": book(literal_percent),
    "a float leftover (0.9999999999999999 shown as 1)": book(float_leftover),
    "a title with a comma, quoted, and evidence in single quotes": csv_of(lambda rows: [
        {**row, "Tiêu chí": f"{row['Tiêu chí']}, năm 2023", "Tài liệu kiểm chứng": f"'{row['Tài liệu kiểm chứng']}'"}
        for row in rows]),
    "keys in NFD on some JSON rows": json_text(lambda rows: json.dumps(
        [{(unicodedata.normalize("NFD", k) if i % 2 else k): v for k, v in row.items()} for i, row in enumerate(rows)],
        ensure_ascii=False)),
}


@pytest.fixture
def valid_form(opened, tmp_path) -> Path:
    return fill(template(opened, tmp_path, "self-assessment", unit="SNV"), value=lambda row: 1 if row["Mã tiêu chí"]
                == "1.1.1" else row["Điểm tối đa"])


@pytest.mark.parametrize("case", list(REFUSED))
def test_a_hostile_file_is_refused_with_a_rule(opened, valid_form, tmp_path, case, figures):
    build, rule, where = REFUSED[case]
    folder = tmp_path / "in"
    folder.mkdir()
    error = assert_refused(opened, submit_self_assessment, build(valid_form, folder), rule, where)
    if rule != "too-many-problems":
        assert len(error.problems) <= 2, [str(p) for p in error.problems]  # the cause, not a flood of consequences
    figures.update(hostile_refused=1)


@pytest.mark.parametrize("case", list(ACCEPTED))
def test_an_odd_but_valid_file_is_accepted_right(opened, valid_form, tmp_path, case, figures):
    folder = tmp_path / "in"
    folder.mkdir()
    expected = sum(Decimal(str(row["Điểm"])) for row in rows_of_sheet(valid_form))
    with unit_of_work(opened) as session:
        result = submit_self_assessment(session, ACCEPTED[case](valid_form, folder), Inputs("", SUBMITTED))
    assert result.units == ["SNV"]
    with session_scope(opened) as session:
        total, actor = session.execute(select(ScoreVersion.total, ScoreVersion.actor)
                                       .where(ScoreVersion.kind == ScoreKind.SELF_ASSESSED.value)).one()
    assert (total, actor) == (expected, "unit:SNV")
    figures.update(hostile_accepted=1)


def test_row_numbers_count_blank_rows(opened, valid_form, tmp_path):
    """Four blank rows under the header: a mistake in the first scored row is reported at that row's number."""
    wrong: list[int] = []

    def change(workbook) -> None:  # type: ignore[no-untyped-def]
        sheet = workbook.worksheets[0]
        sheet.insert_rows(3, 4)
        wrong.append(next(row for row in range(7, sheet.max_row) if not sheet.cell(row, 1).font.bold))
        sheet.cell(wrong[0], 7, 99)
    path = book(change)(valid_form, tmp_path)
    assert wrong[0] > 7
    assert_refused(opened, submit_self_assessment, path, "above-maximum", f"row {wrong[0]}, column 'Điểm (G)'")


def test_a_form_sent_as_another_unit_is_refused(opened, valid_form):
    before = database_state(opened)
    with pytest.raises(Exception) as refused, unit_of_work(opened) as session:
        submit_self_assessment(session, valid_form, Inputs("unit:STP", SUBMITTED))
    assert [p.rule for p in refused.value.problems] == ["wrong-sender"] and database_state(opened) == before
    with unit_of_work(opened) as session:
        submit_self_assessment(session, valid_form, Inputs("operator:Nguyễn Văn A", SUBMITTED))


def prior_results(opened, tmp_path: Path, band: str = "Tốt", index=0.9123, number_format: str = "0.00%") -> Path:
    path = template(opened, tmp_path, "results", name="2022.xlsx")
    workbook = load_workbook(path)
    sheet = workbook.worksheets[0]
    headers = [cell.value for cell in sheet[2]]
    for row in sheet.iter_rows(min_row=3):
        row[headers.index("Chỉ số (%)")].value = index
        row[headers.index("Chỉ số (%)")].number_format = number_format
        row[headers.index("Hạng")].value = 1
        row[headers.index("Xếp loại")].value = band
    workbook.save(path)
    return path


def test_a_percent_cell_and_a_decomposed_band_read_as_shown(opened, tmp_path):
    """0.9123 formatted 0.00% shows 91.23 %: it is 91.23; "Tốt" typed in decomposed form (NFD) is Tốt."""
    import unicodedata
    path = prior_results(opened, tmp_path, band=unicodedata.normalize("NFD", "Tốt"))
    with unit_of_work(opened) as session:
        import_prior_results(session, path, 2022, Inputs("", SUBMITTED))
    with session_scope(opened) as session:
        values = set(session.execute(select(PriorResult.index_percent, PriorResult.band, )).all())
    assert values == {(Decimal("91.23"), "Tốt")}


def test_last_years_results_stay_frozen_after_approval_and_years_are_checked(opened, tmp_path):
    path = prior_results(opened, tmp_path)
    assert_refused(opened, lambda s, p, w: import_prior_results(s, p, 0, w), path, "wrong-year", "")
    with session_scope(opened) as session:
        session.execute(update(Unit).where(Unit.code == "SNV").values(state="approved"))
    assert_refused(opened, lambda s, p, w: import_prior_results(s, p, 2022, w), path, "results-frozen", "")


def test_a_closed_stage_names_every_unit_with_words_not_states(opened, tmp_path):
    rows = rows_of_sheet(fill(template(opened, tmp_path, "appraisal", round_="2"), evidence=False))
    error = assert_refused(opened, lambda s, p, w: import_appraisal(s, p, "2", w), as_csv(rows, tmp_path / "r2.csv"),
                           "stage-closed", "")
    message = " ".join(p.message for p in error.problems)
    assert "52 đơn vị" in message and "và 42 đơn vị khác" in message and "đang tự đánh giá" in message
    assert not re.search(r"self_assessing|appraised_round|submit_self_assessment", message)


def test_a_json_form_of_numbers_as_text_is_read_exactly(opened, valid_form, tmp_path):
    path = as_json(rows_of_sheet(valid_form), tmp_path / "snv.json")
    with unit_of_work(opened) as session:
        assert submit_self_assessment(session, path, Inputs("", SUBMITTED)).units == ["SNV"]


def test_a_missing_file_or_a_pipe_is_refused(opened, tmp_path):
    assert_refused(opened, submit_self_assessment, tmp_path / "gone.csv", "unreadable", "No such file")
    os.mkfifo(tmp_path / "pipe.csv")  # reading it would wait forever for a writer
    assert_refused(opened, submit_self_assessment, tmp_path / "pipe.csv", "not-a-file", "")
