"""Reading CSV and JSON forms with bounded work: field size, nesting depth and number length are limited."""

from __future__ import annotations

import csv
import io
import json
import unicodedata
from collections.abc import Callable
from pathlib import Path
from typing import Any

from models.forms.limits import (
    MAX_COLUMNS,
    MAX_FIELD_CHARS,
    MAX_JSON_BYTES,
    MAX_JSON_DEPTH,
    MAX_NUMBER_CHARS,
    MAX_ROWS,
    MAX_SHEETS,
    MAX_TEXT_CELLS,
)
from models.forms.problems import FormProblems
from models.words import word

Grid = list[tuple[int, list[Any]]]  # (row number, cell values)
Cleaner = Callable[[Any, str, "int | None", str], Any]  # (value, sheet, row, column) → the value to keep

csv.field_size_limit(MAX_FIELD_CHARS)


def decoded(path: Path, problems: FormProblems, what: str) -> str | None:
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        problems.add("encoding", word("form.not_utf8", what=what), row=line)
        return None
    if "\x00" in text:
        problems.add("encoding", word("form.nul_bytes", what=what))
        return None
    return text


def csv_grids(path: Path, problems: FormProblems, clean: Cleaner) -> list[tuple[str, Grid]]:
    """Rows numbered by the line they start on; CR-only line ends (Excel's "CSV (Macintosh)") read as lines."""
    text = decoded(path, problems, "CSV")
    if text is None:
        return []
    if "\r" in text and "\n" not in text:
        text = text.replace("\r", "\n")
    if text.count("\n") > MAX_ROWS:  # counted in C before any row is parsed
        problems.add("too-many-rows", word("form.too_many_lines", lines=text.count(chr(10)), most=MAX_ROWS))
        return []
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text), quotechar='"', doublequote=True,
                        skipinitialspace=False, strict=False)
    grid: Grid = []
    line = cells = 1
    try:
        for values in reader:
            cells += len(values)
            if line > MAX_ROWS or cells > MAX_TEXT_CELLS or len(values) > MAX_COLUMNS:
                problems.add("too-many-cells", word("form.too_many_cells_csv", rows=MAX_ROWS, columns=MAX_COLUMNS,
                                                                  cells=MAX_TEXT_CELLS), row=line)
                return []
            if any(value.strip() for value in values):
                grid.append((line, [clean(value, "", line, str(index + 1)) for index, value in enumerate(values)]))
            line = reader.line_num + 1
    except csv.Error:
        problems.add("csv-syntax", word("form.csv_syntax", most=MAX_FIELD_CHARS), row=line)
        return []
    return [("", grid)]


def _delimiter(text: str) -> str:
    """Comma, semicolon or tab: the one the header region uses most outside quotes (the quote is always ")."""
    sample = "".join(part for index, part in enumerate(text[:8192].split('"')) if index % 2 == 0)
    counts = {delimiter: sample.count(delimiter) for delimiter in (";", "\t", ",")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def json_grids(path: Path, problems: FormProblems, clean: Cleaner) -> list[tuple[str, Grid]]:
    if path.stat().st_size > MAX_JSON_BYTES:
        problems.add("too-large", word("form.json_too_large", mb=MAX_JSON_BYTES // (1024 * 1024)))
        return []
    text = decoded(path, problems, "JSON")
    if text is None:
        return []
    try:
        data = json.loads(text, parse_int=_number, parse_float=_number, parse_constant=_constant,
                          object_pairs_hook=_unique_keys)
    except RecursionError:
        data = None
    except json.JSONDecodeError as error:
        problems.add("not-json", word("form.not_json"), row=error.lineno)
        return []
    except _BadNumber as error:
        problems.add("not-a-number", str(error))
        return []
    except _DuplicateKey as error:
        problems.add("too-many-columns" if "keys:" in str(error) else "duplicate-column", str(error))
        return []
    if data is None or _depth(data) > MAX_JSON_DEPTH:
        problems.add("too-deep", word("form.too_deep", most=MAX_JSON_DEPTH))
        return []
    sheets = data if isinstance(data, dict) else {"": data}
    if len(sheets) > MAX_SHEETS:
        problems.add("too-many-sheets", word("form.too_many_sheets", count=len(sheets), most=MAX_SHEETS))
        return []
    grids: list[tuple[str, Grid]] = []
    for name, rows in sheets.items():
        if not isinstance(rows, list) or not all(isinstance(row, dict) for row in rows):
            problems.add("not-a-table", word("form.not_a_table"),
                         sheet=str(name)[:80])
            continue
        rows = [{unicodedata.normalize("NFC", key): value for key, value in row.items()} for row in rows]
        headers = list(dict.fromkeys(key for row in rows for key in row))
        if len(headers) > MAX_COLUMNS or len(rows) * len(headers) > MAX_TEXT_CELLS:
            problems.add("too-many-cells", word("form.too_many_cells_json", columns=MAX_COLUMNS, cells=MAX_TEXT_CELLS),
                         sheet=str(name)[:80])
            return []
        grid: Grid = [(0, [clean(header, name, 0, "") for header in headers])]
        for index, row in enumerate(rows, start=1):
            values = []
            for header in headers:
                value = row.get(header)
                if value is not None and not isinstance(value, str | int | float):
                    problems.add("not-a-value", word("form.not_a_value"), sheet=str(name),
                                 row=index, column=str(header)[:80])
                    value = None
                values.append(clean(value, name, index, str(header)[:80]))
            grid.append((index, values))
        grids.append((clean(str(name), name, None, ""), grid))
    return grids


class _BadNumber(ValueError):
    pass


class _DuplicateKey(ValueError):
    pass


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """An object naming a key twice (or in two Unicode forms) is refused: which value would count?"""
    if len(pairs) > MAX_COLUMNS:  # a row of that many columns, or that many sheets: not a form
        raise _DuplicateKey(word("form.too_many_keys", count=len(pairs), columns=MAX_COLUMNS, sheets=MAX_SHEETS))
    seen: dict[str, str] = {}
    for key, _ in pairs:
        normal = unicodedata.normalize("NFC", key).strip().lower()
        if normal in seen:
            how = " (the same name in two Unicode forms)" if seen[normal] != key else ""
            raise _DuplicateKey(word("form.key_twice", key=repr(key), how=how))
        seen[normal] = key
    return dict(pairs)


def _number(text: str) -> Any:
    if len(text) > MAX_NUMBER_CHARS:
        raise _BadNumber(word("form.long_number", count=len(text), most=MAX_NUMBER_CHARS))
    return text  # kept as written: the form's checks read it exactly, as they read a CSV cell


def _constant(name: str) -> Any:
    raise _BadNumber(word("form.not_a_form_number", name=name))


def _depth(data: Any) -> int:
    """How deep lists and objects nest, without recursion."""
    deepest, stack = 0, [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, dict | list):
            deepest = max(deepest, depth)
            if depth <= MAX_JSON_DEPTH:
                stack.extend((item, depth + 1) for item in (value.values() if isinstance(value, dict) else value))
    return deepest
