"""Prefilled XLSX forms: the criteria tree with maximum points, and columns for what the sender enters."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from models.forms.fields import (
    BALLOT_LAYOUT,
    EXPLANATION_LAYOUT,
    MAX_POINTS,
    POINTS,
    RESULTS_LAYOUT,
    SATISFACTION_LAYOUT,
    SCORE_LAYOUT,
    SURVEY_POINTS_LAYOUT,
    UNIT_EVIDENCE,
    UNIT_FILES,
    Field,
    Layout,
)
from models.forms.parse import Catalogue

HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
SECTION_FILL = PatternFill("solid", fgColor="F2F2F2")
ENTRY_FILL = PatternFill("solid", fgColor="FFF2CC")

Prefill = Mapping[tuple[str, str], Decimal]  # (unit, leaf) → points shown in the points column
Notes = Mapping[tuple[str, str], tuple[str, str]]  # (unit, leaf) → (the unit's references, its files' links)


@dataclass
class SheetPlan:
    layout: Layout
    columns: tuple[Field, ...]
    rows: list[tuple[dict[str, object], bool]] = field(default_factory=list)  # values, is a section row
    entry: tuple[str, ...] = ()  # the columns the sender fills in
    title: str = ""


def score_form(catalogue: Catalogue, units: Sequence[str], *, layout: Layout, title: str,
               prefill: Prefill | None = None, notes: Notes | None = None) -> SheetPlan:
    """The appraisal part of the tree for each unit: fields and criteria as headings, leaves to score; with
    `notes` (the working group's form), each leaf also shows the unit's references and links to its files."""
    columns = ("cycle", "unit", "unit_name", "criterion", "title", "max_points", "points", "evidence", "explanation")
    extra = (UNIT_EVIDENCE, UNIT_FILES) if notes is not None else ()
    plan = SheetPlan(layout, tuple(f for key in columns for f in layout.fields if f.key == key) + extra,
                     entry=("points", "evidence", "explanation"), title=title)
    for code in units:
        unit = catalogue.units[code]
        for criterion in _appraisal_nodes(catalogue, code):
            values: dict[str, object] = {"cycle": catalogue.cycle_id, "unit": code, "unit_name": unit.name,
                                         "criterion": criterion.code, "title": criterion.title,
                                         "max_points": criterion.max_points}
            if criterion.is_leaf and prefill and (code, criterion.code) in prefill:
                values["points"] = prefill[(code, criterion.code)]
            if criterion.is_leaf and criterion.evidence_required:
                values["title"] = f"{criterion.title} (cần tài liệu kiểm chứng)"
            if criterion.is_leaf and notes and (code, criterion.code) in notes:
                values[UNIT_EVIDENCE.key], values[UNIT_FILES.key] = notes[(code, criterion.code)]
            plan.rows.append((values, not criterion.is_leaf))
    return plan


def _appraisal_nodes(catalogue: Catalogue, unit: str) -> list[Any]:
    """Appraisal leaves of the unit's tree and their ancestors, in tree order; maximums of headings count
    appraisal leaves only."""
    criteria = catalogue.criteria(unit)
    keep = {leaf.code for leaf in catalogue.leaves("appraisal", unit)}
    for code in list(keep):
        parent = criteria[code].parent_code
        while parent:
            keep.add(parent)
            parent = criteria[parent].parent_code
    return [c for c in criteria.values() if c.code in keep]


def survey_forms(catalogue: Catalogue) -> list[SheetPlan]:
    points = SheetPlan(SURVEY_POINTS_LAYOUT, SURVEY_POINTS_LAYOUT.fields, entry=("points",),
                       title="Điểm ĐTXHH theo đơn vị và tiêu chí (hoặc để trống và gửi phiếu + tỷ lệ hài lòng)")
    for code, unit in catalogue.units.items():
        for leaf in catalogue.leaves("survey", code):
            points.rows.append(({"cycle": catalogue.cycle_id, "unit": code, "unit_name": unit.name,
                                 "criterion": leaf.code, "title": leaf.title, "max_points": leaf.max_points}, False))
    ballots = SheetPlan(BALLOT_LAYOUT, BALLOT_LAYOUT.fields, entry=("ballot", "group", "answer"),
                        title=f"Phiếu khảo sát: trả lời {'/'.join(sorted(catalogue.answer_weights))}")
    satisfaction = SheetPlan(SATISFACTION_LAYOUT, SATISFACTION_LAYOUT.fields, entry=("satisfaction",),
                             title="Tỷ lệ hài lòng (SIPAS) của nhóm 4–5")
    satisfaction.rows = [({"cycle": catalogue.cycle_id, "unit": code, "unit_name": unit.name}, False)
                         for code, unit in catalogue.units.items()]
    return [points, ballots, satisfaction]


def results_form(catalogue: Catalogue) -> SheetPlan:
    plan = SheetPlan(RESULTS_LAYOUT, RESULTS_LAYOUT.fields, entry=("index_percent", "rank", "band"),
                     title=f"Kết quả năm trước; xếp loại: {', '.join(catalogue.bands)}")
    plan.rows = [({"cycle": catalogue.cycle_id, "unit": code, "unit_name": name}, False)
                 for code, name in catalogue.prior_units.items()]
    return plan


def write_workbook(path: Path, plans: Sequence[SheetPlan]) -> int:
    """Write the sheets; returns the number of rows to fill in."""
    book = Workbook()
    book.remove(book.active)
    entries = 0
    for plan in plans:
        sheet = book.create_sheet(plan.layout.sheet)
        sheet.append([plan.title])
        sheet["A1"].font = Font(italic=True)
        sheet.append([f.header for f in plan.columns])
        for index, column in enumerate(plan.columns, start=1):
            cell = sheet.cell(row=2, column=index)
            cell.font, cell.fill = Font(bold=True), HEADER_FILL
            cell.alignment = Alignment(wrap_text=True, vertical="center")
            sheet.column_dimensions[get_column_letter(index)].width = column.width
        keys = [f.key for f in plan.columns]
        for values, section in plan.rows:
            sheet.append([_cell(values.get(key)) for key in keys])
            if section:
                for cell in sheet[sheet.max_row]:
                    cell.font, cell.fill = Font(bold=True), SECTION_FILL
            else:
                entries += 1
                for key in plan.entry:
                    sheet.cell(row=sheet.max_row, column=keys.index(key) + 1).fill = ENTRY_FILL
        _validate_points(sheet, keys, len(plan.rows))
        sheet.freeze_panes = "A3"
    book.save(path)
    return entries


def _validate_points(sheet: Any, keys: list[str], count: int) -> None:
    """Excel itself refuses a score outside 0..maximum while the sender types it."""
    if POINTS.key not in keys or MAX_POINTS.key not in keys or not count:
        return
    points = get_column_letter(keys.index(POINTS.key) + 1)
    maximum = get_column_letter(keys.index(MAX_POINTS.key) + 1)
    rule = DataValidation(type="custom", formula1=f"AND(ISNUMBER({points}3),{points}3>=0,{points}3<={maximum}3)",
                          allow_blank=True, showErrorMessage=True, errorTitle="Điểm không hợp lệ",
                          error="Điểm phải là số từ 0 đến điểm tối đa của tiêu chí.")
    rule.add(f"{points}3:{points}{count + 2}")
    sheet.add_data_validation(rule)


def _cell(value: object) -> object:
    return float(value) if isinstance(value, Decimal) else value


FORM_LAYOUTS = {"self-assessment": SCORE_LAYOUT, "explanation": EXPLANATION_LAYOUT, "appraisal": SCORE_LAYOUT}
