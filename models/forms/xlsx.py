"""Reading an XLSX workbook cell by cell, with bounded work and every failure a named rule.

The workbook is checked as an archive before any XML is parsed (size, packing ratio, macros, external links,
a DOCTYPE in any part, an encrypted or old binary file). Then each visible sheet's XML is streamed through
openpyxl's own parser (defusedxml underneath) with no padding: the dimension a sheet declares is never used,
so one cell at XFD1048576 costs one cell, not a billion. Limits on rows, columns and cells apply as cells
arrive. Documented rules: hidden sheets are not read (a sender sends what they see; templates keep their
lists there); a hidden row that holds values is refused; a number formatted as a percentage (the cell holds
0.85 and shows 85 %) is read as the percentage it shows (85).
"""

from __future__ import annotations

import re
import zipfile
import zlib
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

from openpyxl.reader.excel import ExcelReader
from openpyxl.styles.numbers import BUILTIN_FORMATS, BUILTIN_FORMATS_MAX_SIZE
from openpyxl.styles.stylesheet import apply_stylesheet
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._reader import WorkSheetParser

from models.forms.limits import (
    MAX_CELLS,
    MAX_COLUMNS,
    MAX_PACKING_RATIO,
    MAX_PART_BYTES,
    MAX_ROWS,
    MAX_SHEETS,
    MAX_UNPACKED_BYTES,
    OLE_MAGIC,
    PROLOG_BYTES,
)
from models.forms.problems import FormProblems, FormRejected
from models.forms.text_files import Cleaner, Grid
from models.words import word


class _Unreadable(Exception):
    def __init__(self, coordinate: str | None, error: Exception) -> None:
        super().__init__(str(error))
        self.coordinate, self.error = coordinate, error


class _CheckedParser(WorkSheetParser):  # type: ignore[misc]  # openpyxl is untyped
    """openpyxl's sheet parser, telling which cell it could not read."""

    def parse_cell(self, element: Any) -> Any:
        try:
            return super().parse_cell(element)
        except Exception as error:  # a cell's text that is not its type: "abc" in a number, a bad date
            raise _Unreadable(element.get("r"), error) from None


def xlsx_grids(path: Path, problems: FormProblems, clean: Cleaner) -> list[tuple[str, Grid]]:
    """Each visible sheet's rows that hold a value; `clean(value, sheet, row, column)` checks every text."""
    if not _safe_archive(path, problems):
        return []
    try:
        reader = _workbook(path)
    except Exception as error:  # a damaged workbook raises many kinds
        problems.add("unreadable", word("form.not_xlsx_readable", why=_describe(error)))
        return []
    grids: list[tuple[str, Grid]] = []
    cells = 0
    title = ""
    try:
        listed = list(reader.parser.find_sheets())
        if len(listed) > MAX_SHEETS:
            problems.add("too-many-sheets", word("form.too_many_sheets", count=len(listed), most=MAX_SHEETS))
            return []
        for sheet, relation in listed:
            title = sheet.name
            if sheet.state != "visible" or "chartsheet" in relation.Type:
                continue
            if relation.target not in reader.valid_files:
                problems.add("unreadable", word("form.part_missing", part=relation.target), sheet=title)
                return []
            grid: Grid = []
            for number, values, hidden in _rows(reader, relation.target, title, problems):
                cells += len(values)
                if cells > MAX_CELLS:
                    problems.add("too-many-cells", word("form.too_many_cells_xlsx", most=MAX_CELLS), sheet=title)
                    return []
                values = [clean(value, title, number, get_column_letter(index + 1)) if isinstance(value, str)
                          else value for index, value in enumerate(values)]
                if any(value not in (None, "") for value in values):
                    if hidden:
                        problems.add("hidden-row", word("form.hidden_row"),
                                     sheet=title, row=number)
                    grid.append((number, values))
            grids.append((title, grid))
    except _Stop:
        return []
    except FormRejected:  # enough problems found already
        raise
    except _Unreadable as error:
        row, column = _split(error.coordinate)
        problems.add("unreadable-cell", word("form.cell_unreadable", why=_describe(error.error)), sheet=title,
                     row=row, column=column)
        return []
    except Exception as error:  # damaged XML or archive member: truncated, bad CRC, an entity
        problems.add("unreadable", word("form.sheet_unreadable", why=_describe(error)), sheet=title)
        return []
    finally:
        reader.archive.close()
    return grids


class _Stop(Exception):
    pass


def _workbook(path: Path) -> ExcelReader:
    """The workbook's parts a form needs (sheets, shared strings, styles), read as openpyxl reads them, but not
    its worksheets: openpyxl's read-only worksheet scans a whole sheet on opening when it declares no size."""
    reader = ExcelReader(str(path), read_only=True, keep_vba=False, data_only=False, keep_links=False)
    try:
        reader.read_manifest()
        reader.read_strings()
        reader.read_workbook()
        apply_stylesheet(reader.archive, reader.wb)
    except BaseException:
        reader.archive.close()
        raise
    return reader


def _rows(reader: ExcelReader, target: str, title: str,
          problems: FormProblems) -> Iterator[tuple[int, list[Any], bool]]:
    """(row number, values by column from A, hidden) for each row the sheet's XML holds, unpadded."""
    book = reader.wb
    with reader.archive.open(target) as source:
        parser = _CheckedParser(source, reader.shared_strings, data_only=False, epoch=book.epoch,
                                date_formats=book._date_formats, timedelta_formats=book._timedelta_formats)
        for number, cells in parser.parse():
            if number > MAX_ROWS:
                problems.add("too-many-rows", word("form.row_beyond", row=number, most=MAX_ROWS),
                             sheet=title)
                raise _Stop
            width = max((cell["column"] for cell in cells), default=0)
            if width > MAX_COLUMNS:
                problems.add("too-many-columns", word("form.column_beyond", column=get_column_letter(width),
                                                                      most=MAX_COLUMNS),
                             sheet=title, row=number)
                raise _Stop
            values: list[Any] = [None] * width
            for cell in cells:
                values[cell["column"] - 1] = _value(book, title, cell, problems)
            hidden = parser.row_dimensions.get(str(number), {}).get("hidden") in ("1", "true")
            yield number, values, hidden


def _value(book: Any, title: str, cell: dict[str, Any], problems: FormProblems) -> Any:
    """A cell's value as the sender saw it: a float as Excel shows it (15 significant digits, so 0.1 + 0.2 is 0.3),
    a number formatted as a percentage as the percentage it shows (0.85 shown as 85 % is 85)."""
    value = cell["value"]
    if cell["data_type"] == "f":
        formula = getattr(value, "text", value)  # an array formula is an object holding its text
        problems.add("formula", word("form.formula", formula=str(formula)[:40]),
                     sheet=title, row=cell["row"], column=get_column_letter(cell["column"]))
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        return value
    number = Decimal(format(value, ".15g")) if isinstance(value, float) else Decimal(value)
    if cell["style_id"]:
        try:
            shown = _number_format(book, cell["style_id"])
        except (IndexError, KeyError):
            raise _Unreadable(f"{get_column_letter(cell['column'])}{cell['row']}",
                              ValueError(f"style {cell['style_id']} is not in the workbook's styles")) from None
        if _is_percent(shown):
            return number * 100
    return number


def _number_format(book: Any, style_id: int) -> str:
    """The number format of a style, as openpyxl's cells compute it."""
    number = book._cell_styles[style_id].numFmtId
    if number < BUILTIN_FORMATS_MAX_SIZE:
        return str(BUILTIN_FORMATS.get(number, "General"))
    return str(book._number_formats[number - BUILTIN_FORMATS_MAX_SIZE])


def _is_percent(number_format: str) -> bool:
    """Whether a format multiplies by 100: a % outside quoted text ("…"), not escaped (\\%) or a literal (_%)."""
    bare = re.sub(r'"[^"]*"|\\.|_.', "", number_format)
    return "%" in bare


def _safe_archive(path: Path, problems: FormProblems) -> bool:
    with path.open("rb") as handle:
        head = handle.read(len(OLE_MAGIC))
    if head == OLE_MAGIC:
        problems.add("encrypted", word("form.encrypted"))
        return False
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
            if not _plain_archive(members, problems):
                return False
            for member in members:
                if member.filename.lower().endswith((".xml", ".rels")):
                    with archive.open(member) as part:
                        prolog = part.read(PROLOG_BYTES).upper()
                    if b"<!DOCTYPE" in prolog or b"<!ENTITY" in prolog:
                        problems.add("xml-entity", word("form.xml_entity", member=member.filename))
                        return False
    except (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, EOFError, OSError, NotImplementedError,
            ValueError) as error:
        problems.add("unreadable", word("form.not_zip", why=_describe(error)))
        return False
    return True


# What Excel, LibreOffice and every spreadsheet program write. zipfile's bzip2 and lzma branches decompress a
# whole compressed chunk before they cut it to the declared size: a 500-byte member whose size field lies takes
# hundreds of MB of memory in one call. Nothing but these two methods is opened, whatever the sizes say; with
# them, a read never produces more than the declared size, which the checks below bound.
PLAIN_METHODS = {zipfile.ZIP_STORED: "stored", zipfile.ZIP_DEFLATED: "deflate"}


def _plain_archive(members: list[zipfile.ZipInfo], problems: FormProblems) -> bool:
    names = {member.filename.lower() for member in members}
    odd = next((m for m in members if m.compress_type not in PLAIN_METHODS), None)
    if odd is not None:
        problems.add("compression", word("form.compression", member=odd.filename, method=odd.compress_type))
        return False
    unpacked = sum(member.file_size for member in members)
    packed = sum(member.compress_size for member in members) or 1
    if unpacked > MAX_UNPACKED_BYTES or unpacked / packed > MAX_PACKING_RATIO:
        problems.add("zip-bomb", word("form.zip_bomb", unpacked=f"{unpacked / 1e6:.0f}", packed=f"{packed / 1e6:.2f}"))
        return False
    large = [m.filename for m in members
             if m.file_size > MAX_PART_BYTES and not m.filename.startswith("xl/worksheets/")]
    if large:
        problems.add("too-large", word("form.part_too_large", member=large[0], most=MAX_PART_BYTES // (1024 * 1024)))
        return False
    if any(name.endswith("vbaproject.bin") for name in names):
        problems.add("macro", word("form.macro"))
        return False
    if any(name.startswith("xl/externallinks/") for name in names):
        problems.add("external-link", word("form.external_link"))
        return False
    if "xl/workbook.xml" not in names:
        problems.add("unreadable", word("form.no_workbook_xml"))
        return False
    return True


def _split(coordinate: str | None) -> tuple[int | None, str]:
    if not coordinate:
        return None, ""
    letters = coordinate.rstrip("0123456789")
    digits = coordinate[len(letters):]
    return (int(digits) if digits.isdigit() and len(digits) < 9 else None), letters[:8]


def _describe(error: BaseException) -> str:
    return type(error).__name__  # the kind of damage; its English wording stays out of a clerk's message
