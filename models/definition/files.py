"""Reading a definition's TOML and CSV files without stopping at the first mistake."""

from __future__ import annotations

import csv
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from models.definition.problems import Problems

ModelT = TypeVar("ModelT", bound=BaseModel)


def read_toml(path: Path, problems: Problems) -> dict[str, Any] | None:
    """The parsed file, or None with the syntax error (its line and column) recorded."""
    if not path.is_file():
        problems.add(path.name, "", "file is missing")
        return None
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as error:
        problems.add(path.name, "", f"not valid TOML: {error}")
    except UnicodeDecodeError as error:
        problems.add(path.name, "", f"not UTF-8 text: {error}")
    return None


@dataclass(frozen=True)
class CsvRow:
    line: int
    values: dict[str, str]


def read_csv(path: Path, columns: tuple[str, ...], problems: Problems,
             optional: tuple[str, ...] = ()) -> list[CsvRow]:
    """Rows with their line numbers; lines starting with '#' are comments; the header must match (`optional`
    columns may follow, in their order: a row then holds only the columns its header has)."""
    if not path.is_file():
        problems.add(path.name, "", "file is missing")
        return []
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as error:
        problems.add(path.name, "", f"not UTF-8 text: {error}")
        return []
    numbered = [(n, line) for n, line in enumerate(text.splitlines(), start=1) if not line.startswith("#")]
    reader = csv.reader(line for _, line in numbered)
    rows: list[CsvRow] = []
    header: list[str] | None = None
    for (line_number, _), cells in zip(numbered, reader, strict=False):
        if header is None:
            header = [cell.strip() for cell in cells]
            extra = tuple(header[len(columns):])
            if tuple(header[:len(columns)]) != columns or extra != optional[:len(extra)]:
                allowed = f" (then, optionally, {','.join(optional)})" if optional else ""
                problems.add(path.name, f"line {line_number}",
                             f"header is {','.join(header)!r}; expected {','.join(columns)!r}{allowed}")
                return []
            columns = tuple(header)
            continue
        if not any(cell.strip() for cell in cells):
            continue
        if len(cells) != len(columns):
            comma = " (a comma inside a value, such as 7,5 or 1,2,3, is written in double quotes: \"7,5\")" \
                if len(cells) > len(columns) else ""
            problems.add(path.name, f"line {line_number}",
                         f"has {len(cells)} columns; expected {len(columns)}{comma}")
            continue
        rows.append(CsvRow(line_number, {name: cell.strip() for name, cell in zip(columns, cells, strict=True)}))
    return rows


def validate(model: type[ModelT], data: Any, file: str, where: str,
                                problems: Problems) -> ModelT | None:
    """Validate one section with pydantic, recording every error under its key path."""
    try:
        return model.model_validate(data)
    except ValidationError as error:
        for item in error.errors():
            key = ".".join(str(part) for part in item["loc"])
            problems.add(file, f"{where}.{key}" if where and key else where or key, item["msg"])
    return None


def parse_day(text: str) -> date:
    """dd/mm/yyyy, as the plan writes dates (ISO yyyy-mm-dd, as snapshots store them, is read too)."""
    text = text.strip()
    return date.fromisoformat(text) if "-" in text else datetime.strptime(text, "%d/%m/%Y").date()


def parse_clock_time(text: str) -> time:
    """HH:MM (HH:MM:SS from snapshots)."""
    return time.fromisoformat(text.strip())


def enumerate_entries(data: dict[str, Any], key: str) -> Iterator[tuple[int, Any]]:
    entries = data.get(key, [])
    yield from enumerate(entries if isinstance(entries, list) else [])
