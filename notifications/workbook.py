"""results.xlsx: the annexes of the decision that publishes the results, as the council signs and prints them.

Every sheet is an annex: "Phụ lục I", its title, "(Kèm theo Quyết định số … ngày … của …)" (blank dots until
cycle.toml [decision] names the decision), the council's approval, then one header row: wrapped, repeated on
every printed page, frozen on screen. Rows are numbered (TT) and name units in full; a unit's code is only in
the last column, hidden. Headers carry the maximum points. A block ranked by groups lists each group as a section
with its mean; a sheet across blocks has a section per block, each starting a printed page. One font (Times New
Roman, as the Department's documents); exact decimals (97.73, never 97.73000000000001); A4 landscape, one page
wide.

Annexes: per block its ranking, then its sub-indexes by field; then the bands, the units eligible for a reward,
the heads to be held accountable, the change on last year and the satisfaction index, each where the season has
it.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.pagebreak import Break
from openpyxl.worksheet.worksheet import Worksheet

from models.formatting import day, percent
from models.report_data import (
    BlockReport,
    CycleReport,
    UnitLine,
    group_in_sentence,
    group_title,
    mean_field,
    mean_index,
)
from models.words import words_in

HEADER_ROW = 6  # rows 1-4 the annex's caption, title, decision and approval; row 5 blank
POINTS, PERCENT, WHOLE, TEXT, CHANGE, RANK = "points", "percent", "whole", "text", "change", "rank"
FONT = "Times New Roman"
THIN = Side(style="thin", color="9E9E9E")
ROMAN = ((1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"), (90, "XC"), (50, "L"), (40, "XL"),
         (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I"))


@dataclass(frozen=True)
class Column:
    header: str
    width: float
    value: Callable[..., object]
    style: str = TEXT
    mean: Callable[[list[UnitLine]], object] | None = None  # its value in a group's or block's mean row


@dataclass
class Section:
    """Rows under one heading (a block, a group; none when the sheet is one block ranked whole), with the mean
    of its units when the sheet shows one."""

    heading: str | None
    rows: Sequence[object]
    mean_label: str = ""
    units: list[UnitLine] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # lines under the section, across the sheet


def _percent(value: Decimal | None) -> Decimal | None:
    """A value in percent (89.27) as the fraction a percent cell holds (0.8927), exactly."""
    return None if value is None else value / 100


def roman(number: int) -> str:
    out = ""
    for value, letters in ROMAN:
        while number >= value:
            out, number = out + letters, number - value
    return out


class Annexes:
    """The workbook being written: each sheet is the next annex."""

    def __init__(self, report: CycleReport, language: str) -> None:
        self.report, self.language, self.t = report, language, words_in(language)
        self.styles = _styles(language, report.index_places)
        self.book = Workbook()
        self.book.remove(self.book.active)

    def sheet(self, name: str, subject: str, columns: Sequence[Column], sections: Sequence[Section],
              empty: str = "", frozen_columns: int = 2, code_header: str = "") -> Worksheet:
        columns = [Column(self.t("xlsx.number"), 5, lambda row: None, WHOLE), *columns,
                   Column(code_header or self.t("xlsx.code"), 14, _code)]
        sheet = self.book.create_sheet(_sheet_title(name, self.book.sheetnames))
        annex = self.t("xlsx.annex", number=roman(len(self.book.sheetnames)))
        _title_block(sheet, self.report, self.t, annex, subject, columns)
        for index, column in enumerate(columns, start=1):
            cell = _cell(sheet, HEADER_ROW, index, column.header, bold=True)
            cell.fill = PatternFill("solid", fgColor="DDEBF7")
            cell.alignment = Alignment(wrap_text=True, vertical="center", horizontal="center")
            sheet.column_dimensions[get_column_letter(index)].width = column.width
        sheet.column_dimensions[get_column_letter(len(columns))].hidden = True  # the codes: for a machine
        sheet.row_dimensions[HEADER_ROW].height = 14 * max(_lines(c.header, c.width) for c in columns)
        row = HEADER_ROW
        for section in sections:
            if section.heading:
                row += 1
                if row > HEADER_ROW + 1:
                    sheet.row_breaks.append(Break(id=row - 1))  # each block starts a printed page
                _cell(sheet, row, 1, section.heading, bold=True)
                sheet.merge_cells(start_row=row, start_column=1, end_row=row, end_column=len(columns) - 1)
            for number, item in enumerate(section.rows, start=1):
                row += 1
                self._row(sheet, row, columns, item, number)
            if section.mean_label and section.units:
                row += 1
                for index, column in enumerate(columns, start=1):
                    value = section.mean_label if index == 2 else column.mean(section.units) if column.mean else None
                    _cell(sheet, row, index, value, bold=True).number_format = self.styles[
                        column.style if column.mean else TEXT]
            for note in section.notes:
                row += 1
                cell = _cell(sheet, row, 1, note, italic=True)
                cell.alignment = Alignment(wrap_text=True, vertical="top")
                sheet.merge_cells(start_row=row, start_column=1, end_row=row, end_column=len(columns) - 1)
                sheet.row_dimensions[row].height = 16 * _lines(note, sum(c.width for c in columns[:-1]))
        if row == HEADER_ROW and empty:
            _cell(sheet, HEADER_ROW + 1, 2, empty, italic=True)
        _print_setup(sheet, len(columns) - 1, self.t("xlsx.page"), annex)
        sheet.freeze_panes = f"{get_column_letter(frozen_columns + 1)}{HEADER_ROW + 1}"
        return sheet

    def _row(self, sheet: Worksheet, row: int, columns: Sequence[Column], item: object, number: int) -> None:
        for index, column in enumerate(columns, start=1):
            value = number if index == 1 else column.value(item)
            cell = _cell(sheet, row, index, value)
            cell.number_format = self.styles[column.style if column.style != RANK else TEXT]
            if column.style in (RANK, WHOLE):
                cell.alignment = Alignment(horizontal="center", vertical="center")
            elif column.style == TEXT:  # one line a unit: a long name shrinks rather than spill into the next row
                cell.alignment = Alignment(shrink_to_fit=True, vertical="center")
            if index == len(columns):  # the hidden codes: wrapped, so none spills into an empty printed cell
                cell.alignment = Alignment(wrap_text=True, vertical="center")


def write_results_xlsx(report: CycleReport, path: Path, language: str = "vi") -> None:
    annexes = Annexes(report, language)
    t = annexes.t
    for block in report.blocks:
        annexes.sheet(block.name, t("xlsx.block_ranking", block=block.name),
                      _ranking_columns(report, block, t, language),
                      _block_sections(block, t, language))
        annexes.sheet(t("xlsx.fields_sheet", block=block.name), t("xlsx.fields", block=block.name),
                      [_unit_column(t, 34), *(_field_column(report, block, code, title, t, language)
                                              for code, title in block.fields)],
                      _block_sections(block, t, language))
    annexes.sheet(t("xlsx.bands_sheet"), t("xlsx.bands"), [
        Column(t("report.block"), 34, lambda block: block.name),
        *(Column(band, 11, lambda block, band=band: block.band_counts(report.bands)[band], WHOLE)
          for band in report.bands),
        Column(t("report.count"), 9, lambda block: len(block.units), WHOLE)], [Section(None, report.blocks)],
        code_header=t("xlsx.block_code"))  # a row a block: its code
    index = Column(t("report.index"), 11, lambda u: _percent(u.index), PERCENT)
    rank = Column(t("report.rank_in_block"), 10, lambda u: _rank(u, t), RANK)
    annexes.sheet(t("xlsx.reward_sheet"), t("report.reward"),
                  [_unit_column(t), rank, index, Column(t("report.band"), 12, lambda u: u.band)],
                  _by_block(report, lambda u: u.reward), empty=t("report.none"))
    annexes.sheet(t("xlsx.accountability_sheet"), t("report.accountability"),
                  [_unit_column(t), rank, index, Column(t("xlsx.grounds"), 60, lambda u: u.accountability)],
                  _by_block(report, lambda u: bool(u.accountability)), empty=t("report.none"))
    if any(u.last_year is not None for block in report.blocks for u in block.units):
        annexes.sheet(t("xlsx.change_sheet"), t("xlsx.change", year=report.year, previous=report.year - 1), [
            _unit_column(t), rank,
            Column(t("xlsx.year_index", year=report.year - 1), 12, lambda u: _percent(u.last_year), PERCENT),
            Column(t("xlsx.year_index", year=report.year), 12, lambda u: _percent(u.index), PERCENT),
            Column(t("xlsx.change_points"), 12, lambda u: u.change, CHANGE),
            *_compared_with(report, t)],
            _by_block(report, lambda u: u.last_year is not None or u.prior_words is not None))
    if report.has_satisfaction:
        sections = _by_block(report, lambda u: u.satisfaction is not None,
                             order=lambda u: (-(u.satisfaction or 0), u.name))
        if report.satisfaction_threshold is not None:
            for section, block in zip(sections, [b for b in report.blocks if b.has_satisfaction], strict=True):
                section.notes = _satisfaction_notes(report, block, t, language)
        annexes.sheet(t("xlsx.satisfaction_sheet"), t("report.satisfaction"), [
            _unit_column(t),
            Column(t("report.satisfaction_index"), 13, lambda u: _percent(u.satisfaction), PERCENT),
            Column(t("xlsx.year_index", year=report.year - 1), 12, lambda u: _percent(u.satisfaction_last_year),
                   PERCENT), *_compared_with(report, t)], sections)
    with _exact_numbers():
        annexes.book.save(path)


@contextmanager
def _exact_numbers() -> Iterator[None]:
    """Numbers stored as written: openpyxl writes every number as "%.16g" of a float (0.9773 becomes
    0.9772999999999999 in the file); while the book is saved a Decimal is written as its digits, a float as
    its shortest form."""
    from openpyxl.cell import _writer

    default = _writer.safe_string

    def exact(value: object) -> str:
        if isinstance(value, Decimal):
            return format(value, "f")
        return repr(value) if isinstance(value, float) else default(value)

    _writer.safe_string = exact
    try:
        yield
    finally:
        _writer.safe_string = default


def _satisfaction_notes(report: CycleReport, block: BlockReport, t, language: str) -> list[str]:
    """Under a block's satisfaction list: how many units reached the threshold and how many did not, and those
    that held it two years running (QĐ 903 publishes both)."""
    threshold = report.satisfaction_threshold
    shown = percent(threshold, language, report.index_places)
    reached, below = block.satisfaction_sides(threshold)
    notes = [t("report.satisfaction_sides", reached=reached, below=below, threshold=shown)]
    both = block.satisfied_two_years(threshold)
    if both:
        notes.append(f"{t('report.satisfied_two_years', threshold=shown)} {', '.join(u.name for u in both)}.")
    return notes


def _styles(language: str, places: int = 2) -> dict[str, str]:
    """The number formats of the reader's language: [$-42A] Vietnamese (97,73), [$-809] English (97.73); indexes
    and changes with the published decimals (criteria.toml [ranking] index_decimals)."""
    tag = "[$-42A]" if language != "en" else "[$-809]"
    decimals = "." + "0" * places if places else ""
    return {POINTS: f"{tag}#,##0.00", PERCENT: f"{tag}0{decimals}%", WHOLE: "0", TEXT: "@",
            CHANGE: f"{tag}+#,##0{decimals};−#,##0{decimals};0{decimals}"}


def _number(value: Decimal | None, language: str) -> str:
    """A maximum as a header writes it: 80, 7,5 (7.5 in English)."""
    if value is None:
        return ""
    text = f"{value.normalize():f}"
    return text.replace(".", ",") if language != "en" else text


def _code(item: object) -> str:
    return getattr(item, "code", "")


def _unit_column(t, width: float = 40) -> Column:
    return Column(t("report.unit"), width, lambda u: u.name)


def _rank(unit: UnitLine, t) -> str | int:
    """The rank, with "(đồng hạng)" when units share it."""
    return f"{unit.rank} {t('report.tied')}" if unit.tied else unit.rank


def _ranking_columns(report: CycleReport, block: BlockReport, t, language: str) -> list[Column]:
    places = report.index_places
    columns = [
        _unit_column(t),
        Column(t("xlsx.max_points", what=t("report.appraisal"), points=_number(block.appraisal_max, language)), 12,
               lambda u: u.appraisal, POINTS),
        Column(t("xlsx.max_points", what=t("report.survey"), points=_number(block.survey_max, language)), 12,
               lambda u: u.survey, POINTS),
        Column(t("xlsx.max_points", what=t("report.total"), points=_number(block.total_max, language)), 12,
               lambda u: u.total, POINTS),
        Column(t("report.index"), 11, lambda u: _percent(u.index), PERCENT,
               lambda units: _percent(mean_index(units, places))),
        Column(t("report.rank_in_block"), 10, lambda u: _rank(u, t), RANK),
        Column(t("report.band"), 12, lambda u: u.band)]
    if block.ranks_groups:
        columns.append(Column(t("report.rank_in_group"), 10, lambda u: u.rank_in_group, WHOLE))
    if report.has_satisfaction:
        columns.append(Column(t("report.satisfaction_index"), 11, lambda u: _percent(u.satisfaction), PERCENT))
    return columns


def _compared_with(report: CycleReport, t) -> list[Column]:
    """What last year's figure is, where it is not the unit's own (a new unit, one formed from others): a column
    where some unit has one."""
    if not any(u.prior_words for block in report.blocks for u in block.units):
        return []
    return [Column(t("xlsx.compared_with"), 36, lambda u: t(u.prior_words[0], **u.prior_words[1])
                   if u.prior_words else None)]


def _field_column(report: CycleReport, block: BlockReport, code: str, title: str, t, language: str) -> Column:
    """A field's sub-index (%), its maximum points in the header, and the mean of a section's units."""
    def mean(units: list[UnitLine]) -> Decimal | None:
        return _percent(mean_field(units, code, report.index_places))

    return Column(t("xlsx.field", code=code, title=title, points=_number(block.maxima.get(code), language)), 11,
                  lambda u: _percent(u.fields.get(code, Decimal(0))), PERCENT, mean)


def _block_sections(block: BlockReport, t, language: str) -> list[Section]:
    """A block ranked whole: its units by rank, and the block's mean. A block ranked by groups: a section per
    group, its units by rank in the group and the group's mean, then the block's mean."""
    whole = Section(None, block.units, t("xlsx.block_mean", block=block.name), block.units)
    if not block.ranks_groups:
        return [whole]
    sections = [Section(group_title(name, language), members,
                        t("xlsx.group_mean", group=group_in_sentence(name, language)), members)
                for name, members in block.groups()]
    return [*sections, Section(None, [], whole.mean_label, block.units)]


def _by_block(report: CycleReport, keep: Callable[[UnitLine], bool],
              order: Callable[[UnitLine], object] | None = None) -> list[Section]:
    """A section per block with the units that `keep` keeps, by rank (or `order`)."""
    sections = []
    for block in report.blocks:
        units = [u for u in block.units if keep(u)]
        if units:
            sections.append(Section(block.name, sorted(units, key=order) if order else units))
    return sections


def _cell(sheet: Worksheet, row: int, column: int, value: object, *, bold: bool = False, italic: bool = False,
          size: float = 11):
    cell = sheet.cell(row, column, value)
    cell.font = Font(name=FONT, bold=bold, italic=italic, size=size)
    cell.border = Border(THIN, THIN, THIN, THIN) if row >= HEADER_ROW else Border()
    return cell


def _lines(text: str, width: float) -> int:
    """How many lines `text` wraps to in a column `width` characters wide (a width counts digits; a letter of
    Times New Roman is about as wide, and one character a line is kept for the margins)."""
    return sum(max(1, math.ceil(len(part) / max(width - 1, 1))) for part in text.split("\n"))


def _title_block(sheet: Worksheet, report: CycleReport, t, annex: str, subject: str,
                 columns: Sequence[Column]) -> None:
    if report.decision_number and report.decision_day:
        attached = t("xlsx.attached", number=report.decision_number, day=f"{report.decision_day:%d/%m/%Y}",
                     issuer=report.authority)
    else:  # a draft for the decision: its number and date are written in when it is signed
        attached = t("xlsx.attached_draft", issuer=report.authority)
    if report.approved_at:
        approved = t("xlsx.approved", day=day(report.approved_at, zone=report.zone))
        approved += f" ({report.approval_decision})" if report.approval_decision else ""
    else:
        approved = t("xlsx.not_approved")
    width = sum(column.width for column in columns[:-1])
    lines = ((annex, True, False, 12),
             (t("xlsx.subject", subject=subject, year=report.year).upper(), True, False, 12),
             (attached, False, True, 11), (approved, False, True, 10))
    for row, (text, bold, italic, size) in enumerate(lines, start=1):
        cell = _cell(sheet, row, 1, text, bold=bold, italic=italic, size=size)
        cell.alignment = Alignment(wrap_text=True, vertical="center", horizontal="center")
        sheet.merge_cells(start_row=row, start_column=1, end_row=row, end_column=max(len(columns) - 1, 1))
        sheet.row_dimensions[row].height = 17 * _lines(text, width * 11 / size)  # never clipped when printed


def _print_setup(sheet: Worksheet, width: int, page: str, annex: str) -> None:
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
    sheet.oddFooter.center.font = FONT
    sheet.oddFooter.right.text = annex
    sheet.oddFooter.right.font = FONT


def _sheet_title(name: str, taken: Sequence[str]) -> str:
    """A tab's name: at most 31 characters, cut at a word's end, and none of Excel's forbidden ones."""
    for forbidden in "[]:*?/\\":
        name = name.replace(forbidden, "-")
    if len(name) > 31:
        name = name[:32].rsplit(" ", 1)[0].rstrip(" ,-")
    title, number = name[:31], 2
    while title in taken:
        suffix = f" ({number})"
        title, number = name[:31 - len(suffix)] + suffix, number + 1
    return title
