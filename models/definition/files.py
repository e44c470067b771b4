"""Reading a definition's TOML and CSV files without stopping at the first mistake."""

from __future__ import annotations

import csv
import difflib
import tomllib
import typing
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from models.definition.problems import Problems
from models.words import word

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
            key = _key_path(data, item["loc"])
            problems.add(file, f"{where}.{key}" if where and key else where or key, _said(item, model))
    return None


def _said(item: Any, model: type[BaseModel]) -> str:
    """pydantic's message, in the reader's words where it is one of the common ones: a key the format does not
    have (with the nearest it has: satisfaction_group → satisfaction_groups), a required key left out."""
    if item["type"] == "extra_forbidden":
        near = difflib.get_close_matches(str(item["loc"][-1]), sorted(_keys(model)), n=1, cutoff=0.7)
        return word("definition.unknown_key", hint=word("definition.did_you_mean", key=near[0]) if near else "")
    if item["type"] == "missing":
        return word("definition.missing_key")
    return str(item["msg"])


def _keys(model: type[BaseModel]) -> set[str]:
    """Every key the model and its nested tables take."""
    found: set[str] = set()
    for name, info in model.model_fields.items():
        found.add(info.alias or name)
        for inner in _models(info.annotation):
            found |= _keys(inner)
    return found


def _models(annotation: Any) -> list[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    return [model for argument in typing.get_args(annotation) for model in _models(argument)]


def _key_path(data: Any, loc: tuple[Any, ...]) -> str:
    """A mistake's place as the file writes it: an entry of an array of tables by its position from 1 and its
    code ("blocks[2] (xa).satisfaction_group"), never pydantic's index from 0."""
    parts: list[str] = []
    for part in loc:
        if isinstance(part, int) and isinstance(data, list) and parts:
            entry = data[part] if 0 <= part < len(data) else None
            named = next((entry[k] for k in ("code", "key", "name", "file") if isinstance(entry, dict) and k in entry),
                         None)
            parts[-1] += f"[{part + 1}]" + (f" ({named})" if named is not None else "")
            data = entry
            continue
        parts.append(str(part))
        data = data.get(part) if isinstance(data, dict) else None
    return ".".join(parts)


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
