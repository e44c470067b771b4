"""The results report: `results.xlsx` (one sheet per block) and `report.html` (self-contained, offline)."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter

from models.report_data import CycleReport
from models.workdays import format_day
from notifications.render import environment

XLSX_COLUMNS = ("Hạng", "Mã đơn vị", "Đơn vị", "Điểm thẩm định", "Điểm ĐTXHH", "Tổng điểm", "Chỉ số (%)", "Xếp loại")
GROUP_COLUMNS = ("Nhóm", "Hạng trong nhóm")
SATISFACTION_COLUMN = ("Chỉ số hài lòng (%)",)
BAND_COLOURS = ("2E7D32", "1565C0", "EF6C00", "C62828", "6A1B9A", "455A64")


def write_results_xlsx(report: CycleReport, path: Path) -> None:
    book = Workbook()
    book.remove(book.active)
    field_headers = [f"{code}. {title} (%)" for code, title in report.fields]
    for block in report.blocks:
        sheet = book.create_sheet(_sheet_title(block.name))
        group_columns = GROUP_COLUMNS if block.ranks_groups else ()
        satisfaction_column = SATISFACTION_COLUMN if report.has_satisfaction else ()
        columns = (*XLSX_COLUMNS, *group_columns, *satisfaction_column)
        sheet.append([*columns, *field_headers])
        for cell in sheet[1]:
            cell.font, cell.fill = Font(bold=True), PatternFill("solid", fgColor="DDEBF7")
        for unit in block.units:
            in_group = (block.group_names.get(unit.group, unit.group), unit.rank_in_group) if group_columns else ()
            sheet.append([unit.rank, unit.code, unit.name, float(unit.appraisal), float(unit.survey),
                          float(unit.total), float(unit.index), unit.band, *in_group,
                          *((float(unit.satisfaction) if unit.satisfaction is not None else None,)
                            if satisfaction_column else ()),
                          *(float(unit.fields.get(code, Decimal(0))) for code, _ in report.fields)])
        for index, width in enumerate((7, 14, 40, 14, 12, 11, 11, 12, 18, 10), start=1):
            sheet.column_dimensions[get_column_letter(index)].width = width
        for index in range(len(columns) + 1, len(columns) + len(field_headers) + 1):
            sheet.column_dimensions[get_column_letter(index)].width = 16
        sheet.freeze_panes = "D2"
    book.save(path)


def _sheet_title(name: str) -> str:
    for forbidden in "[]:*?/\\":
        name = name.replace(forbidden, "-")
    return name[:31]


def render_report_html(report: CycleReport) -> str:
    colours = {band: f"#{BAND_COLOURS[i % len(BAND_COLOURS)]}" for i, band in enumerate(report.bands)}
    return environment().get_template("report/report.html").render(
        report=report, colours=colours, heat=heat_colour, day=format_day, signed=signed)


def heat_colour(value: Decimal) -> str:
    """60 % and below red, 100 % green, through yellow."""
    hue = max(0, min(120, int((float(value) - 60) / 40 * 120)))
    return f"hsl({hue}, 70%, 80%)"


def signed(value: Decimal | None) -> str:
    if value is None:
        return "—"
    return f"+{value}" if value > 0 else str(value)


def write_report(report: CycleReport, folder: Path) -> tuple[Path, Path]:
    folder.mkdir(parents=True, exist_ok=True)
    xlsx, html = folder / "results.xlsx", folder / "report.html"
    write_results_xlsx(report, xlsx)
    html.write_text(render_report_html(report), encoding="utf-8")
    return xlsx, html
