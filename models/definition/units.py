"""units.csv: the evaluated units of the cycle, with their block, group and addresses."""

from __future__ import annotations

import re
from fractions import Fraction
from pathlib import Path

from models.definition.cycle import UnitDef
from models.definition.files import read_csv
from models.definition.problems import Problems
from models.definition.specs import EMAIL_PATTERN, CycleSpec
from models.predecessors import Predecessor, PredecessorsTextError, parse_predecessors, split_shares

FILE = "units.csv"
COLUMNS = ("code", "name", "block", "group", "email", "head_email")
OPTIONAL = ("predecessors",)  # last year's units it was formed from (models.predecessors)
CODE = re.compile(r"^[A-Z0-9][A-Z0-9_.-]{0,63}$")
EMAIL = re.compile(EMAIL_PATTERN)


def read_units(folder: Path, cycle: CycleSpec | None, problems: Problems) -> tuple[UnitDef, ...]:
    """Every unit, checked against the cycle's blocks and groups; codes are unique."""
    units: list[UnitDef] = []
    first_line: dict[str, int] = {}
    block_groups = {block.code: set(block.groups) for block in cycle.blocks} if cycle else None
    rows = read_csv(folder / FILE, COLUMNS, problems, OPTIONAL)
    for row in rows:
        values, where = dict(row.values), f"line {row.line}"
        predecessors = _predecessors(values.pop("predecessors", None), f"{where}, column predecessors", problems)
        mistakes = len(problems)
        if not CODE.match(values["code"]):
            problems.add(FILE, f"{where}, column code",
                         f"code {values['code']!r} must be letters A-Z without accents (upper case), digits, "
                         "'-', '_' or '.'")
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
            units.append(UnitDef(**values, predecessors=predecessors))
    if not units and not problems:
        problems.add(FILE, "", "no units")
    _check_splits(units, {row.values["code"]: row.line for row in rows}, problems)
    return tuple(units)


def _predecessors(text: str | None, where: str, problems: Problems) -> tuple[Predecessor, ...] | None:
    if text is None:
        return None
    try:
        return parse_predecessors(text)
    except PredecessorsTextError as error:
        problems.add(FILE, where, f"{error}; write last year's unit codes as 'A; B; C:0.4' (empty: a new unit)")
        return ()


def _check_splits(units: list[UnitDef], lines: dict[str, int], problems: Problems) -> None:
    """An old unit split between units hands out all of itself: the shares its successors took add up to 1."""
    for old, takers in split_shares((u.code, u.predecessors) for u in units).items():
        total = sum((share for _, share in takers), Fraction(0))
        if total != 1:
            parts = ", ".join(f"{code} {float(share):g}" for code, share in takers)
            problems.add(FILE, f"line {lines[takers[-1][0]]}, column predecessors",
                         f"last year's unit {old} is shared as {parts}: the shares add up to {float(total):g}, not 1 "
                         "(write each successor's share, such as 'A:0.6' and 'A:0.4')")
