"""Reading a form file (XLSX, CSV or JSON) into sheets of raw rows, refusing what is not a plain table.

Refused before anything is parsed: a path that is not a file, a file too large, a link out of its folder.
Each format's reader bounds its own work (models.forms.xlsx, models.forms.text_files); every text any of them
reads is normalised to NFC here and refused when it cannot be stored (a lone surrogate, a NUL, too long).
Then the header row is found: a column named twice, or a required column missing, is one clear problem.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from openpyxl.utils import get_column_letter

from models.forms.fields import Layout, normalise_header
from models.forms.limits import MAX_FIELD_CHARS, MAX_FILE_BYTES
from models.forms.problems import FormProblems, FormRejected
from models.forms.text_files import Cleaner, Grid, csv_grids, json_grids
from models.forms.xlsx import xlsx_grids
from models.words import word

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
        problems.add("file-type", word("form.file_type", suffix=path.suffix or word("form.no_extension")))
        return []
    escape = _link_out(path)
    if escape is not None:
        problems.add("outside", word("form.outside", path=escape, target=escape.resolve()))
        return []
    try:
        size = path.stat().st_size
        if not path.is_file():
            problems.add("not-a-file", word("form.not_a_file"))
            return []
    except OSError as error:
        problems.add("unreadable", word("form.cannot_open", why=error.strerror or type(error).__name__))
        return []
    if size > MAX_FILE_BYTES:
        problems.add("too-large", word("form.file_too_large", mb=f"{size / 1e6:.1f}",
                                            limit=MAX_FILE_BYTES // (1024 * 1024)))
        return []
    if size == 0:
        problems.add("empty", word("form.empty_file"))
        return []
    reader = {".xlsx": xlsx_grids, ".csv": csv_grids, ".json": json_grids}[path.suffix.lower()]
    try:
        grids = reader(path, problems, _cleaner(problems))
    except FormRejected:  # too many problems already
        raise
    except OSError as error:  # removed or unreadable while being read
        problems.add("unreadable", word("form.cannot_read", why=error.strerror or type(error).__name__))
        return []
    except Exception as error:  # one refusal path: whatever a damaged file raises is a problem, not a traceback
        problems.add("unreadable", word("form.damaged", why=type(error).__name__))
        return []
    if any(problem.rule in ("encoding", "too-long") for problem in problems.items):
        return []
    sheets = []
    for name, grid in grids:
        sheet = _match_layout(name, grid, layouts, problems, spreadsheet=path.suffix.lower() == ".xlsx")
        if sheet is not None:
            sheets.append(sheet)
    if grids and not sheets and not problems.items:
        _say_what_is_missing(grids, layouts, problems)
    return sheets




def _match_layout(name: str, grid: Grid, layouts: tuple[Layout, ...], problems: FormProblems, *,
                  spreadsheet: bool) -> Sheet | None:
    """Find the header row (within the first rows) that names every required column of a layout. A field named
    by two columns is refused (which one would count?); a later row repeating the header is skipped."""
    for position, (_, values) in enumerate(grid[:HEADER_SEARCH_ROWS]):
        headers = _headers(values)
        for layout in layouts:
            found = {field_.key: [index for index, header in enumerate(headers) if header in field_.names()]
                     for field_ in layout.fields}
            if not all(found[f.key] for f in layout.required):
                continue
            twice = {key: indexes for key, indexes in found.items() if len(indexes) > 1}
            for key, indexes in twice.items():
                labels = ", ".join(repr(_label(values[index], index, spreadsheet)) for index in indexes)
                problems.add("duplicate-column", word("form.duplicate_column", labels=labels,
                                                      header=repr(_header_of(layout, key))),
                             sheet=name, row=grid[position][0] or None)
            if twice:
                return None
            columns = {key: _label(values[indexes[0]], indexes[0], spreadsheet) for key, indexes in found.items()
                       if indexes}
            sheet = Sheet(name, layout, columns)
            for number, row in grid[position + 1:]:
                cells = {key: row[indexes[0]] if indexes[0] < len(row) else None
                         for key, indexes in found.items() if indexes}
                if _headers(list(cells.values())) == [normalise_header(_header_of(layout, key)) for key in cells] \
                        or _headers(row) == headers:
                    continue  # the header again (two tables pasted one under the other)
                sheet.rows.append((number, cells))
            return sheet
    return None


def _headers(values: list[Any]) -> list[str]:
    return [normalise_header(value) if value is not None else "" for value in values]


def _header_of(layout: Layout, key: str) -> str:
    return next(f.header for f in layout.fields if f.key == key)


def _say_what_is_missing(grids: list[tuple[str, Grid]], layouts: tuple[Layout, ...], problems: FormProblems) -> None:
    """The row that looks most like a header, and which required columns it lacks."""
    best: tuple[int, str, int, Layout] | None = None
    for name, grid in grids:
        for number, values in grid[:HEADER_SEARCH_ROWS]:
            headers = set(_headers(values))
            for layout in layouts:
                score = sum(1 for f in layout.required if headers & f.names())
                if best is None or score > best[0]:
                    best = (score, name, number, layout)
    if best is None or best[0] == 0:
        wanted = "; ".join(f"{layout.name}: {', '.join(f.header for f in layout.required)}" for layout in layouts)
        problems.add("missing-column", word("form.no_header", wanted=wanted))
        return
    _, name, number, layout = best
    grid = dict(grids)[name]
    headers = set(_headers(dict(grid)[number]))
    missing = [f.header for f in layout.required if not headers & f.names()]
    problems.add("missing-column", word("form.missing_columns", columns=", ".join(map(repr, missing)),
                                        form=layout.name),
                 sheet=name, row=number or None)


def _label(header: Any, index: int, spreadsheet: bool) -> str:
    text = str(header).strip()
    return f"{text} ({get_column_letter(index + 1)})" if spreadsheet else text


def _cleaner(problems: FormProblems) -> Cleaner:
    """Every text a reader yields, as NFC; one that cannot be stored is a problem named by its cell."""

    def clean(value: Any, sheet: str, row: int | None, column: str) -> Any:
        if not isinstance(value, str):
            return value
        if len(value) > MAX_FIELD_CHARS:
            problems.add("too-long", word("form.too_long", count=len(value), most=MAX_FIELD_CHARS), sheet=sheet,
                         row=row, column=column)
            return None
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            problems.add("encoding", word("form.surrogate"), sheet=sheet,
                         row=row, column=column)
            return None
        if "\x00" in value:
            problems.add("encoding", word("form.nul_in_text"), sheet=sheet, row=row, column=column)
            return None
        return unicodedata.normalize("NFC", value)

    return clean


def _link_out(path: Path) -> Path | None:
    """The first part of `path` (as given) that is a symbolic link leading out of the folder holding it."""
    current = Path(path.anchor) if path.is_absolute() else Path()
    for part in path.parts[1 if path.is_absolute() else 0:]:
        current = current / part
        if current.is_symlink():
            target = current.resolve()
            if not target.is_relative_to(current.parent.resolve()):
                return current
    return None
