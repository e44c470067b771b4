"""Forms written and filled in as people do: a template from parindex, values typed into its cells."""

from __future__ import annotations

import csv
import json
from datetime import UTC, datetime
from pathlib import Path

from openpyxl import load_workbook
from sqlalchemy import func, select

from models.db import session_scope
from models.tables import HistoryEntry, PriorResult, ScoreLine, ScoreVersion, Unit
from tasks.inputs.form_templates import write_template

SUBMITTED = datetime(2023, 11, 20, 3, tzinfo=UTC)


def template(db, tmp_path: Path, kind: str, name: str | None = None, **options) -> Path:
    path = tmp_path / (name or f"{kind}.xlsx")
    with session_scope(db) as session:
        write_template(session, kind=kind, cycle_id="hanoi-2023", out=path, **options)
    return path


def fill(path: Path, value=lambda row: row["Điểm tối đa"], sheet: str | None = None, column: str = "Điểm",
         evidence: bool = True) -> Path:
    """Type a value into every leaf row's column (a row with a maximum and not a heading)."""
    book = load_workbook(path)
    worksheet = book[sheet] if sheet else book.worksheets[0]
    headers = [cell.value for cell in worksheet[2]]
    for row in worksheet.iter_rows(min_row=3):
        values = dict(zip(headers, (cell.value for cell in row), strict=False))
        if row[0].font.bold:  # a heading: a field or a criterion
            continue
        row[headers.index(column)].value = value(values)
        if evidence and "Tài liệu kiểm chứng" in headers:
            row[headers.index("Tài liệu kiểm chứng")].value = f"VB-{values['Mã tiêu chí']}"
    book.save(path)
    return path


def rows_of_sheet(path: Path, sheet: str | None = None) -> list[dict]:
    book = load_workbook(path)
    worksheet = book[sheet] if sheet else book.worksheets[0]
    headers = [cell.value for cell in worksheet[2]]
    return [dict(zip(headers, (cell.value for cell in row), strict=False))
            for row in worksheet.iter_rows(min_row=3) if not row[0].font.bold]


def as_csv(rows: list[dict], path: Path, delimiter: str = ",") -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]), delimiter=delimiter)
        writer.writeheader()
        writer.writerows(rows)
    return path


def as_json(rows: list[dict], path: Path) -> Path:
    path.write_text(json.dumps(rows, ensure_ascii=False, default=str), encoding="utf-8")
    return path


def database_state(db) -> tuple:
    """Everything an import could change, to compare before and after a refusal."""
    with session_scope(db) as session:
        return (
            session.scalar(select(func.count()).select_from(ScoreVersion)),
            session.scalar(select(func.count()).select_from(ScoreLine)),
            session.scalar(select(func.count()).select_from(HistoryEntry)),
            session.scalar(select(func.count()).select_from(PriorResult)),
            tuple(session.execute(select(Unit.code, Unit.state).order_by(Unit.code)).all()),
        )
