"""units.csv: the evaluated units of the cycle, with their block, group and addresses."""

from __future__ import annotations

import re
from pathlib import Path

from models.definition.cycle import UnitDef
from models.definition.files import read_csv
from models.definition.problems import Problems
from models.definition.specs import EMAIL_PATTERN, CycleSpec

FILE = "units.csv"
COLUMNS = ("code", "name", "block", "group", "email", "head_email")
CODE = re.compile(r"^[A-Z0-9][A-Z0-9_.-]{0,63}$")
EMAIL = re.compile(EMAIL_PATTERN)


def read_units(folder: Path, cycle: CycleSpec | None, problems: Problems) -> tuple[UnitDef, ...]:
    """Every unit, checked against the cycle's blocks and groups; codes are unique."""
    units: list[UnitDef] = []
    first_line: dict[str, int] = {}
    block_groups = {block.code: set(block.groups) for block in cycle.blocks} if cycle else None
    for row in read_csv(folder / FILE, COLUMNS, problems):
        values, where = row.values, f"line {row.line}"
        mistakes = len(problems)
        if not CODE.match(values["code"]):
            problems.add(FILE, f"{where}, column code",
                         f"code {values['code']!r} must be upper-case letters, digits, '-', '_' or '.'")
        elif values["code"] in first_line:
            problems.add(FILE, f"{where}, column code",
                         f"duplicate unit code {values['code']!r} (first on line {first_line[values['code']]})")
        if not values["name"] or any(ch in values["name"] for ch in "\r\n"):
            problems.add(FILE, f"{where}, column name", "name is empty or holds a line break")
        for column in ("email", "head_email"):
            if not EMAIL.match(values[column]):
                problems.add(FILE, f"{where}, column {column}", f"{values[column]!r} is not an email address")
        if block_groups is not None:
            if values["block"] not in block_groups:
                problems.add(FILE, f"{where}, column block",
                             f"unknown block {values['block']!r} (cycle.toml has {', '.join(block_groups)})")
            elif values["group"] not in block_groups[values["block"]]:
                problems.add(FILE, f"{where}, column group",
                             f"group {values['group']!r} is not a group of block {values['block']!r}")
        if len(problems) == mistakes:
            first_line[values["code"]] = row.line
            units.append(UnitDef(**values))
    if not units and not problems:
        problems.add(FILE, "", "no units")
    return tuple(units)
