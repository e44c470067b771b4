"""Reading a form file (XLSX, CSV or JSON) into sheets of raw rows, refusing what is not a plain table.

Refused before anything is parsed: a file too large, a workbook that decompresses to far more than it
weighs (a zip bomb), macros, external links. Refused while reading: formulas (a score must be a value the
sender saw), text that is not UTF-8, rows over the limit.
"""

from __future__ import annotations

import csv
import io
import json
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from openpyxl.utils import get_column_letter

from models.forms.fields import Layout, normalise_header
from models.forms.problems import FormProblems

MAX_FILE_BYTES = 25 * 1024 * 1024
MAX_UNPACKED_BYTES = 250 * 1024 * 1024
MAX_PACKING_RATIO = 200  # real sheets compress 5–20×; a bomb, thousands
MAX_ROWS = 2_000_000
HEADER_SEARCH_ROWS = 12
SUFFIXES = (".xlsx", ".csv", ".json")


@dataclass
class Sheet:
    """One table of a file: its layout, the column each field came from, and its rows by number."""

    name: str
    layout: Layout
    columns: dict[str, str]  # field key → "Điểm (F)" (spreadsheets) or the header as written
    rows: list[tuple[int, dict[str, Any]]] = field(default_factory=list)


def read_form(path: Path, layouts: tuple[Layout, ...], problems: FormProblems) -> list[Sheet]:
    """Every sheet of the file that matches one of the layouts; problems are collected, not raised."""
    if path.suffix.lower() not in SUFFIXES:
        problems.add("file-type", f"{path.suffix or 'no extension'}: send .xlsx, .csv or .json "
                     "(macro-enabled and old .xls workbooks are not accepted)")
        return []
    if path.is_symlink() and not path.resolve().is_relative_to(path.parent.resolve()):
        problems.add("outside", f"a link to {path.resolve()}, outside the folder the form was sent in: "
                     "parindex reads the file itself, not what a link points to elsewhere")
        return []
    try:
        size = path.stat().st_size
    except OSError as error:
        problems.add("unreadable", f"cannot open the file: {error.strerror or error}")
        return []
    if size > MAX_FILE_BYTES:
        problems.add("too-large", f"{size / 1e6:.1f} MB is over the {MAX_FILE_BYTES // (1024 * 1024)} MB limit")
        return []
    if size == 0:
        problems.add("empty", "the file is empty")
        return []
    grids = {".xlsx": _xlsx_grids, ".csv": _csv_grids, ".json": _json_grids}[path.suffix.lower()](path, problems)
    sheets = []
    for name, grid in grids:
        sheet = _match_layout(name, grid, layouts, problems, spreadsheet=path.suffix.lower() == ".xlsx")
        if sheet is not None:
            sheets.append(sheet)
    if grids and not sheets and not problems.items:
        wanted = "; ".join(f"{layout.name}: {', '.join(f.header for f in layout.required)}" for layout in layouts)
        problems.add("missing-column", f"no sheet has the columns this form needs ({wanted})")
    return sheets


Grid = list[tuple[int, list[Any]]]  # (row number, cell values)


def _xlsx_grids(path: Path, problems: FormProblems) -> list[tuple[str, Grid]]:
    if not _safe_workbook(path, problems):
        return []
    from openpyxl import load_workbook

    try:
        book = load_workbook(path, read_only=True, data_only=False, keep_links=False)
    except Exception as error:  # openpyxl raises many kinds for a damaged workbook
        problems.add("unreadable", f"not a readable XLSX workbook ({type(error).__name__}: {error})")
        return []
    grids: list[tuple[str, Grid]] = []
    total = 0
    try:
        for worksheet in book.worksheets:
            grid: Grid = []
            for row in worksheet.iter_rows():
                values = []
                for cell in row:
                    if getattr(cell, "data_type", None) == "f":
                        problems.add("formula", f"a formula ({str(cell.value)[:40]}) where a value belongs: "
                                     "paste values only", sheet=worksheet.title, row=cell.row,
                                     column=get_column_letter(cell.column))
                        values.append(None)
                    else:
                        values.append(getattr(cell, "value", None))
                if any(value not in (None, "") for value in values):
                    grid.append((row[0].row if row and hasattr(row[0], "row") else len(grid) + 1, values))
                total += 1
                if total > MAX_ROWS:
                    problems.add("too-many-rows", f"more than {MAX_ROWS:,} rows", sheet=worksheet.title)
                    return []
            grids.append((worksheet.title, grid))
    finally:
        book.close()
    return grids


def _safe_workbook(path: Path, problems: FormProblems) -> bool:
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, OSError):
        problems.add("unreadable", "not an XLSX workbook (an .xlsx file is a zip archive; this one is not)")
        return False
    names = {member.filename.lower() for member in members}
    unpacked = sum(member.file_size for member in members)
    packed = sum(member.compress_size for member in members) or 1
    if unpacked > MAX_UNPACKED_BYTES or unpacked / packed > MAX_PACKING_RATIO:
        problems.add("zip-bomb", f"the workbook unpacks to {unpacked / 1e6:.0f} MB from {packed / 1e6:.2f} MB: "
                     "refused as a decompression bomb")
        return False
    if any(name.endswith("vbaproject.bin") for name in names):
        problems.add("macro", "the workbook contains macros (VBA): save it as a plain .xlsx")
        return False
    if any(name.startswith("xl/externallinks/") for name in names):
        problems.add("external-link", "the workbook links to other files: paste values and remove the links")
        return False
    if "xl/workbook.xml" not in names:
        problems.add("unreadable", "not an XLSX workbook (no xl/workbook.xml inside)")
        return False
    return True


def _csv_grids(path: Path, problems: FormProblems) -> list[tuple[str, Grid]]:
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        problems.add("encoding", "the file is not UTF-8 text (in Excel: Save As → CSV UTF-8)", row=line)
        return []
    if "\x00" in text:
        problems.add("encoding", "the file contains NUL bytes: it is not a text CSV")
        return []
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    grid: Grid = []
    for number, values in enumerate(csv.reader(io.StringIO(text), dialect), start=1):
        if number > MAX_ROWS:
            problems.add("too-many-rows", f"more than {MAX_ROWS:,} rows")
            return []
        if any(value.strip() for value in values):
            grid.append((number, values))
    return [("", grid)]


def _json_grids(path: Path, problems: FormProblems) -> list[tuple[str, Grid]]:
    try:
        data = json.loads(path.read_bytes().decode("utf-8-sig"))
    except UnicodeDecodeError:
        problems.add("encoding", "the file is not UTF-8 JSON")
        return []
    except json.JSONDecodeError as error:
        problems.add("not-json", f"not valid JSON: {error.msg}", row=error.lineno)
        return []
    sheets = data if isinstance(data, dict) else {"": data}
    grids: list[tuple[str, Grid]] = []
    for name, rows in sheets.items():
        if not isinstance(rows, list) or not all(isinstance(row, dict) for row in rows):
            problems.add("not-a-table", "JSON must be a list of objects (one per row), or an object of such lists",
                         sheet=str(name))
            continue
        headers = list(dict.fromkeys(key for row in rows for key in row))
        grid: Grid = [(0, headers)]
        for index, row in enumerate(rows, start=1):
            values = [row.get(header) for header in headers]
            bad = [header for header, value in zip(headers, values, strict=True)
                   if value is not None and not isinstance(value, str | int | float)]
            for header in bad:
                problems.add("not-a-value", "a nested object or list where a value belongs", sheet=str(name),
                             row=index, column=header)
            grid.append((index, values))
        grids.append((str(name), grid))
    return grids


def _match_layout(name: str, grid: Grid, layouts: tuple[Layout, ...], problems: FormProblems, *,
                  spreadsheet: bool) -> Sheet | None:
    """Find the header row (within the first rows) that names every required column of a layout."""
    for position, (_, values) in enumerate(grid[:HEADER_SEARCH_ROWS]):
        headers = [normalise_header(value) if value is not None else "" for value in values]
        for layout in layouts:
            found: dict[str, int] = {}
            for field_ in layout.fields:
                names = field_.names()
                matches = [index for index, header in enumerate(headers) if header in names]
                if matches:
                    found[field_.key] = matches[0]
            if all(f.key in found for f in layout.required):
                columns = {key: _label(values[index], index, spreadsheet) for key, index in found.items()}
                sheet = Sheet(name, layout, columns)
                for number, row in grid[position + 1:]:
                    sheet.rows.append((number, {key: row[index] if index < len(row) else None
                                                for key, index in found.items()}))
                return sheet
    return None


def _label(header: Any, index: int, spreadsheet: bool) -> str:
    text = str(header).strip()
    return f"{text} ({get_column_letter(index + 1)})" if spreadsheet else text
