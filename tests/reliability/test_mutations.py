"""Property: a valid form mutated anywhere (its bytes, its sheet's XML, its cells) is accepted or refused with
rules, never anything else; a refusal leaves the database exactly as it was."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from models.forms.problems import FormRejected
from tasks.engine.events import unit_of_work
from tasks.inputs.imports import Inputs, submit_self_assessment
from tests.forms.conftest import SUBMITTED, as_csv, database_state, fill, rows_of_sheet, template

pytestmark = pytest.mark.reliability
SHEET = "xl/worksheets/sheet1.xml"
PROPERTY = settings(max_examples=40, deadline=None, derandomize=True, database=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
Edits = st.lists(st.tuples(st.integers(min_value=0), st.binary(min_size=0, max_size=4)), min_size=1, max_size=6)


def edited(data: bytes, edits: list[tuple[int, bytes]]) -> bytes:
    for position, replacement in edits:
        at = position % (len(data) + 1)
        data = data[:at] + replacement + data[at + len(replacement) or at + 1:]
    return data


def outcome(db, path: Path, figures) -> str:  # type: ignore[no-untyped-def]
    before = database_state(db)
    try:
        with unit_of_work(db) as session:
            submit_self_assessment(session, path, Inputs("", SUBMITTED))
    except FormRejected as refused:
        assert refused.problems and all(p.rule and p.file == str(path) for p in refused.problems)
        assert database_state(db) == before
        figures.update(hostile_refused=1)
        return "refused"
    figures.update(hostile_accepted=1)
    return "accepted"


@pytest.fixture
def valid(opened, tmp_path) -> Path:
    return fill(template(opened, tmp_path, "self-assessment", unit="SNV"))


@PROPERTY
@given(edits=Edits)
def test_any_bytes_of_a_workbook(opened, valid, tmp_path, edits, figures):
    path = tmp_path / "mutated.xlsx"
    path.write_bytes(edited(valid.read_bytes(), edits))
    outcome(opened, path, figures)


@PROPERTY
@given(edits=Edits)
def test_any_bytes_of_a_sheets_xml(opened, valid, tmp_path, edits, figures):
    path = tmp_path / "mutated-xml.xlsx"
    with zipfile.ZipFile(valid) as source, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info)
            target.writestr(info.filename, edited(data, edits) if info.filename == SHEET else data)
    outcome(opened, path, figures)


@PROPERTY
@given(row=st.integers(min_value=0, max_value=56),
       column=st.sampled_from(["Chu kỳ", "Mã đơn vị", "Mã tiêu chí", "Điểm", "Tài liệu kiểm chứng"]),
       value=st.one_of(st.text(st.characters(codec=None), max_size=30), st.floats(allow_nan=True),
                       st.integers(min_value=-10**30, max_value=10**30), st.none()))
def test_any_value_in_any_cell(opened, valid, tmp_path, row, column, value, figures):
    rows = rows_of_sheet(valid)
    rows[row % len(rows)][column] = value
    path = tmp_path / "mutated.csv"
    try:
        as_csv(rows, path)
    except UnicodeEncodeError:  # a lone surrogate cannot even be written as UTF-8: write the bytes escaped
        path.write_bytes(path.read_bytes() if path.exists() else b"")
        text = "\n".join(",".join(str(v) for v in r.values()) for r in rows)
        path.write_bytes(text.encode("utf-8", "surrogatepass"))
    outcome(opened, path, figures)
