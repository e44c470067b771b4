"""results.xlsx: a workbook the Department can sign and print as it is.

Every sheet opens with a title block (the cycle, what the sheet lists, the council's decision, its date and
who approved it), then one header row: wrapped, repeated on every printed page, frozen on screen. Points have
two decimals, indexes are percentages; pages are A4 landscape, fitted to one page wide.

Sheets: one per block (its ranking with the field sub-indexes), one per group ranked apart, then the bands,
the units eligible for a reward, the heads to be held accountable, the change on last year and the
satisfaction index, each where the season has it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from functools import partial
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from models.formatting import day
from models.report_data import BlockReport, CycleReport, UnitLine
from models.words import words_in

HEADER_ROW = 5  # rows 1-3 the title block, row 4 blank
POINTS, PERCENT, WHOLE, TEXT, CHANGE = "points", "percent", "whole", "text", "change"  # _styles: each one's format
THIN = Side(style="thin", color="9E9E9E")


@dataclass(frozen=True)
class Column:
    header: str
    width: float
    value: Callable[..., object]
    style: str = TEXT


def _percent(value: Decimal | None) -> float | None:
    """A value in percent (89.27) as the fraction a percent cell holds (0.8927)."""
    return None if value is None else float(value) / 100


def _points(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


def write_results_xlsx(report: CycleReport, path: Path, language: str = "vi") -> None:
    t = words_in(language)
    styles = _styles(language, report.index_places)
    book = Workbook()
    book.remove(book.active)
    sheet = partial(_sheet, book, report, t, styles)
    for block in report.blocks:
        sheet(block.name, t("xlsx.block_ranking", block=block.name), _block_columns(report, block, t), block.units,
              frozen_columns=3)
        for group_name, members in block.groups():
            sheet(t("xlsx.group_sheet", group=group_name), t("xlsx.group_ranking", group=group_name, block=block.name),
                  _group_columns(t), members)
    counts = [(block, block.band_counts(report.bands)) for block in report.blocks]
    sheet(t("xlsx.bands_sheet"), t("xlsx.bands"), [
        Column(t("report.block"), 34, lambda row: row[0].name),
        *(Column(band, 11, lambda row, band=band: row[1][band], WHOLE) for band in report.bands),
        Column(t("report.count"), 9, lambda row: len(row[0].units), WHOLE)], counts)
    listed = [(block, unit) for block in report.blocks for unit in block.units]
    rewarded = [(block, unit) for block, unit in listed if unit.reward]
    sheet(t("xlsx.reward_sheet"), t("report.reward"), _pair_columns(
        t, (t("report.index"), 11, lambda b, u: _percent(u.index), PERCENT),
        (t("report.band"), 12, lambda b, u: u.band, TEXT)), rewarded, empty=t("report.none"))
    accountable = [(block, unit) for block, unit in listed if unit.accountability]
    sheet(t("xlsx.accountability_sheet"), t("report.accountability"), _pair_columns(
        t, (t("report.index"), 11, lambda b, u: _percent(u.index), PERCENT),
        (t("xlsx.grounds"), 60, lambda b, u: u.accountability, TEXT)), accountable, empty=t("report.none"))
    compared = [(block, unit) for block, unit in listed if unit.last_year is not None]
    if compared:
        sheet(t("xlsx.change_sheet"), t("xlsx.change", year=report.year, previous=report.year - 1), _pair_columns(
            t, (t("xlsx.year_index", year=report.year - 1), 12, lambda b, u: _percent(u.last_year), PERCENT),
            (t("xlsx.year_index", year=report.year), 12, lambda b, u: _percent(u.index), PERCENT),
            (t("xlsx.change_points"), 12, lambda b, u: _points(u.change), CHANGE)), compared)
    rated = [(block, unit) for block, unit in listed if unit.satisfaction is not None]
    if rated:
        order = {block.code: index for index, block in enumerate(report.blocks)}
        rated.sort(key=lambda pair: (order[pair[0].code], -pair[1].satisfaction))
        sheet(t("xlsx.satisfaction_sheet"), t("report.satisfaction"), _pair_columns(
            t, (t("report.satisfaction_index"), 13, lambda b, u: _percent(u.satisfaction), PERCENT),
            (t("xlsx.year_index", year=report.year - 1), 12, lambda b, u: _percent(u.satisfaction_last_year),
             PERCENT), ranked=False), rated)
    book.save(path)


def _styles(language: str, places: int = 2) -> dict[str, str]:
    """The number formats of the reader's language: [$-42A] Vietnamese (97,73), [$-809] English (97.73); indexes
    and changes with the published decimals (criteria.toml [ranking] index_decimals)."""
    tag = "[$-42A]" if language != "en" else "[$-809]"
    decimals = "." + "0" * places if places else ""
    return {POINTS: f"{tag}#,##0.00", PERCENT: f"{tag}0{decimals}%", WHOLE: "0", TEXT: "@",
            CHANGE: f"{tag}+#,##0{decimals};−#,##0{decimals};0{decimals}"}


def _block_columns(report: CycleReport, block: BlockReport, t) -> list[Column]:
    columns = [
        Column(t("report.rank"), 7, lambda u: u.rank, WHOLE), Column(t("xlsx.code"), 15, lambda u: u.code),
        Column(t("report.unit"), 40, lambda u: u.name),
        Column(t("report.appraisal"), 11, lambda u: _points(u.appraisal), POINTS),
        Column(t("report.survey"), 11, lambda u: _points(u.survey), POINTS),
        Column(t("report.total"), 11, lambda u: _points(u.total), POINTS),
        Column(t("report.index"), 11, lambda u: _percent(u.index), PERCENT),
        Column(t("report.band"), 12, lambda u: u.band)]
    if block.ranks_groups:
        columns += [Column(t("xlsx.group"), 14, lambda u: block.group_names.get(u.group, u.group)),
                    Column(t("report.rank_in_group"), 9, lambda u: u.rank_in_group, WHOLE)]
    if report.has_satisfaction:
        columns.append(Column(t("report.satisfaction_index"), 11, lambda u: _percent(u.satisfaction), PERCENT))
    columns += [Column(t("xlsx.field", code=code, title=title), 14,
                       lambda u, code=code: _percent(u.fields.get(code, Decimal(0))), PERCENT)
                for code, title in report.fields]
    return columns


def _group_columns(t) -> list[Column]:
    return [Column(t("report.rank_in_group"), 9, lambda u: u.rank_in_group, WHOLE),
            Column(t("report.rank_in_block"), 9, lambda u: u.rank, WHOLE),
            Column(t("xlsx.code"), 15, lambda u: u.code), Column(t("report.unit"), 40, lambda u: u.name),
            Column(t("report.index"), 11, lambda u: _percent(u.index), PERCENT),
            Column(t("report.band"), 12, lambda u: u.band)]


def _pair_columns(t, *more: tuple[str, float, Callable[[BlockReport, UnitLine], object], str],
                  ranked: bool = True) -> list[Column]:
    """Columns of a list across blocks: rows are (block, unit) pairs; with the unit's rank in its block."""
    return [Column(t("report.block"), 26, lambda pair: pair[0].name),
            *([Column(t("report.rank"), 7, lambda pair: pair[1].rank, WHOLE)] if ranked else []),
            Column(t("xlsx.code"), 15, lambda pair: pair[1].code),
            Column(t("report.unit"), 40, lambda pair: pair[1].name),
            *(Column(header, width, lambda pair, value=value: value(*pair), style)
              for header, width, value, style in more)]


def _sheet(book: Workbook, report: CycleReport, t, styles: dict[str, str], name: str, subject: str,
           columns: Sequence[Column], rows: Sequence[object], empty: str = "", frozen_columns: int = 0) -> Worksheet:
    sheet = book.create_sheet(_sheet_title(name, book.sheetnames))
    _title_block(sheet, report, t, subject, len(columns))
    for index, column in enumerate(columns, start=1):
        cell = sheet.cell(HEADER_ROW, index, column.header)
        cell.font, cell.fill = Font(bold=True), PatternFill("solid", fgColor="DDEBF7")
        cell.alignment = Alignment(wrap_text=True, vertical="center", horizontal="center")
        cell.border = Border(THIN, THIN, THIN, THIN)
        sheet.column_dimensions[get_column_letter(index)].width = column.width
    longest = max(len(column.header) / max(column.width - 1, 1) for column in columns)
    sheet.row_dimensions[HEADER_ROW].height = 15 * min(max(1, -(-int(longest * 10) // 10) + 1), 8)
    for offset, row in enumerate(rows, start=1):
        for index, column in enumerate(columns, start=1):
            cell = sheet.cell(HEADER_ROW + offset, index, column.value(row))
            cell.number_format = styles[column.style]
            cell.border = Border(THIN, THIN, THIN, THIN)
            if column.style == TEXT:  # one line a unit: a long name shrinks rather than spill into the next row
                cell.alignment = Alignment(shrink_to_fit=True, vertical="center")
    if not rows and empty:
        sheet.cell(HEADER_ROW + 1, 1, empty).font = Font(italic=True)
    _print_setup(sheet, len(columns), t("xlsx.page"))
    sheet.freeze_panes = sheet.cell(HEADER_ROW + 1, frozen_columns + 1)
    return sheet


def _title_block(sheet: Worksheet, report: CycleReport, t, subject: str, width: int) -> None:
    if report.approved_at:
        approved = t("xlsx.approved", day=day(report.approved_at, zone=report.zone))
        approved += f", {report.approved_by}" if report.approved_by else ""
        approved += f"; {report.approval_decision}" if report.approval_decision else ""
    else:
        approved = t("xlsx.not_approved")
    for row, (text, size) in enumerate(((report.title, 13), (t("xlsx.subject", subject=subject, year=report.year), 12),
                                        (approved, 10)), start=1):
        cell = sheet.cell(row, 1, text)
        cell.font = Font(bold=row < 3, size=size, italic=row == 3)
        cell.alignment = Alignment(wrap_text=True, vertical="center")
        sheet.merge_cells(start_row=row, start_column=1, end_row=row, end_column=max(width, 1))
        sheet.row_dimensions[row].height = 20 if row < 3 else 30


def _print_setup(sheet: Worksheet, width: int, page: str) -> None:
    sheet.print_title_rows = f"{HEADER_ROW}:{HEADER_ROW}"
    sheet.print_area = f"A1:{get_column_letter(width)}{max(sheet.max_row, HEADER_ROW)}"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.orientation = sheet.ORIENTATION_LANDSCAPE
    sheet.page_setup.fitToWidth, sheet.page_setup.fitToHeight = 1, 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.print_options.horizontalCentered = True
    sheet.page_margins.left = sheet.page_margins.right = 0.4
    sheet.page_margins.top = sheet.page_margins.bottom = 0.5
    sheet.oddFooter.center.text = page
    sheet.oddFooter.right.text = "&A"


def _sheet_title(name: str, taken: Sequence[str]) -> str:
    for forbidden in "[]:*?/\\":
        name = name.replace(forbidden, "-")
    title, number = name[:31], 2
    while title in taken:
        suffix = f" ({number})"
        title, number = name[:31 - len(suffix)] + suffix, number + 1
    return title
