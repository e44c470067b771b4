"""Checked rows to typed inputs: score sheets, survey points, last year's results.

Every row is checked and every problem collected, so one refusal lists all of a file's mistakes.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, TypeVar

from models.definition.cycle import CriterionDef
from models.forms.fields import (
    BAND,
    CRITERION,
    CYCLE,
    EVIDENCE,
    EXPLANATION,
    INDEX,
    POINTS,
    RANK,
    SATISFACTION_INDEX,
    UNIT,
    Layout,
)
from models.forms.problems import FormProblems
from models.forms.readers import Sheet
from models.forms.values import BadValue, is_blank, percentage, points, text, whole_number
from models.words import word


@dataclass(frozen=True)
class UnitInfo:
    code: str
    name: str
    block: str
    group: str


@dataclass(frozen=True)
class Catalogue:
    """What a file is checked against: the cycle's units, criteria, bands and survey rules."""

    cycle_id: str
    units: Mapping[str, UnitInfo]
    trees: Mapping[str, Mapping[str, CriterionDef]]  # each criteria tree (a file): every node, in tree order
    block_trees: Mapping[str, str]  # block → the tree its units are scored on
    bands: tuple[str, ...]
    answer_weights: Mapping[str, Decimal]
    respondent_groups: Mapping[str, int]  # block → how many respondent groups it has
    satisfaction_groups: Mapping[str, frozenset[int]]  # block → the groups its satisfaction rate stands for
    unit_count: int  # in the cycle (`units` may hold only those a file names)
    ballot_average: str = "respondent"  # criteria.toml [survey]: "respondent" (pooled) or "group"
    group_without_ballots: str = "refused"  # or "left_out"
    # last year's units this year's are compared with (their own codes, or their predecessors') → whose they are
    prior_units: Mapping[str, str] = field(default_factory=dict)
    prior_rank_limit: int = 0  # the highest rank last year's results can hold (0: the cycle's count of units)

    def tree_of(self, unit: str | None) -> str:
        """The tree of the unit's block (a unit not of the cycle: the first block's, to name its rows' mistakes)."""
        block = self.units[unit].block if unit is not None and unit in self.units else next(iter(self.block_trees), "")
        return self.block_trees.get(block, "")

    def criteria(self, unit: str | None) -> Mapping[str, CriterionDef]:
        return self.trees.get(self.tree_of(unit), {})

    def leaves(self, method: str, unit: str | None) -> list[CriterionDef]:
        return [c for c in self.criteria(unit).values() if c.method == method]

    def any_leaves(self, method: str) -> list[CriterionDef]:
        """The leaves of every tree (a file may hold units of several blocks)."""
        return [c for tree in self.trees.values() for c in tree.values() if c.method == method]


@dataclass(frozen=True)
class Row:
    sheet: Sheet
    number: int
    values: dict[str, Any]

    def column(self, key: str) -> str:
        return self.sheet.columns.get(key, key)


def rows_of(sheets: list[Sheet], layout: Layout | None = None) -> Iterator[Row]:
    for sheet in sheets:
        if layout is None or sheet.layout is layout:
            for number, values in sheet.rows:
                yield Row(sheet, number, values)


def add(problems: FormProblems, row: Row, key: str, rule: str, message: str) -> None:
    problems.add(rule, message, sheet=row.sheet.name, row=row.number, column=row.column(key))


def first_time(seen: dict[Any, int], key: Any, row: Row, problems: FormProblems, what: str | Callable[[], str],
               column: str = CRITERION.key) -> bool:
    """Whether `key` comes for the first time in the file; a repeat is a duplicate-row problem (`what` names it,
    or says it when called: worded only for a repeat)."""
    if key in seen:
        add(problems, row, column, "duplicate-row", word("form.duplicate_row", what=what() if callable(what) else what,
                                                         row=seen[key]))
        return False
    seen[key] = row.number
    return True


def cycle_of(sheets: list[Sheet], problems: FormProblems) -> str | None:
    """The one cycle the file's rows name."""
    seen: dict[str, Row] = {}
    for row in rows_of(sheets):
        cycle = text(row.values.get(CYCLE.key))
        if not cycle:
            add(problems, row, CYCLE.key, "required", word("form.cycle_missing"))
        else:
            seen.setdefault(cycle, row)
    if len(seen) > 1:
        first, *others = seen
        for cycle in others:
            add(problems, seen[cycle], CYCLE.key, "mixed-cycles", word("form.mixed_cycles", cycle=repr(cycle),
                                                                         first=repr(first)))
    if not seen and not problems.items:
        problems.add("empty", word("form.no_rows"))
    return next(iter(seen), None)


def unit_of(row: Row, catalogue: Catalogue, problems: FormProblems, *, among: Mapping[str, Any] | None = None,
            unknown: str = "form.unknown_unit") -> str | None:
    """The row's unit: one of the cycle's (or `among` others: last year's units a results file names)."""
    code = text(row.values.get(UNIT.key))
    if not code:
        add(problems, row, UNIT.key, "required", word("form.unit_missing"))
        return None
    if code not in (catalogue.units if among is None else among):
        add(problems, row, UNIT.key, "unknown-unit", word(unknown, code=repr(code), cycle=catalogue.cycle_id))
        return None
    return code


def leaf_of(row: Row, catalogue: Catalogue, method: str, problems: FormProblems,
            unit: str | None) -> CriterionDef | None:
    """The row's criterion, a leaf of `method` in the tree of the unit's block."""
    code = text(row.values.get(CRITERION.key))
    criterion = catalogue.criteria(unit).get(code)
    if not code:
        add(problems, row, CRITERION.key, "required", word("form.criterion_missing"))
    elif criterion is None:
        add(problems, row, CRITERION.key, "unknown-criterion", word("form.unknown_criterion", code=repr(code)))
    elif not criterion.is_leaf:
        if not is_blank(row.values.get(POINTS.key)):
            add(problems, row, POINTS.key, "not-a-leaf", word("form.not_a_leaf", code=code))
        return None
    elif criterion.method != method:
        if not is_blank(row.values.get(POINTS.key)):
            add(problems, row, CRITERION.key, "wrong-method",
                word("form.wrong_method", code=code, method=word(f"method.{criterion.method}")))
        return None
    else:
        return criterion
    return None


T = TypeVar("T")


def checked(row: Row, key: str, problems: FormProblems, convert: Callable[..., T], *args: Any) -> T | None:
    value = row.values.get(key)
    if is_blank(value):
        add(problems, row, key, "required", word("form.value_required"))
        return None
    try:
        return convert(value, *args)
    except BadValue as bad:
        add(problems, row, key, bad.rule, str(bad))
        return None


ScoreLines = dict[str, dict[str, tuple[Decimal | None, str, str]]]  # unit → leaf → (points or none, evidence, why)


def parse_scores(sheets: list[Sheet], catalogue: Catalogue, problems: FormProblems, *, one_unit: bool,
                 require_evidence: bool, points_optional: bool = False, complete: bool = True) -> ScoreLines:
    """Appraisal leaves' points per unit. `complete`: every leaf of every unit in the file is required."""
    found: ScoreLines = defaultdict(dict)
    first_row: dict[tuple[str, str], int] = {}
    if require_evidence and any(leaf.evidence_required for leaf in catalogue.any_leaves("appraisal")):
        for sheet in sheets:
            if EVIDENCE.key not in sheet.columns:  # one problem, not one per row (a merged header hides it)
                problems.add("missing-column", word("form.evidence_column", column=EVIDENCE.header), sheet=sheet.name)
        require_evidence = all(EVIDENCE.key in sheet.columns for sheet in sheets)
    for row in rows_of(sheets):
        unit = unit_of(row, catalogue, problems)
        leaf = leaf_of(row, catalogue, "appraisal", problems, unit)
        if unit is None or leaf is None:
            continue
        if not first_time(first_row, (unit, leaf.code), row, problems, f"{unit} {leaf.code}"):
            continue
        evidence = text(row.values.get(EVIDENCE.key))
        explanation = text(row.values.get(EXPLANATION.key))
        if points_optional and is_blank(row.values.get(POINTS.key)):
            value = None
        else:
            value = checked(row, POINTS.key, problems, points, leaf.max_points)
            if value is None:
                continue
        if require_evidence and leaf.evidence_required and not evidence and value:
            add(problems, row, EVIDENCE.key, "evidence-required",
                word("form.evidence_required", code=leaf.code, points=value))
        found[unit][leaf.code] = (value, evidence, explanation)
    if one_unit and len(found) > 1:
        problems.add("one-unit", word("form.one_unit", count=len(found), units=", ".join(sorted(found)[:5])))
    if complete:
        for unit, lines in found.items():
            # a leaf whose row is there but refused is named on its row already, not again as missing
            missing = [leaf.code for leaf in catalogue.leaves("appraisal", unit)
                       if leaf.code not in lines and (unit, leaf.code) not in first_row]
            if missing:
                problems.add("incomplete", word("form.incomplete", unit=unit, count=len(missing),
                                                  codes=", ".join(missing[:8]) + ("…" if len(missing) > 8 else "")))
    return dict(found)


@dataclass(frozen=True)
class PriorResult:
    unit_code: str
    index_percent: Decimal
    rank_in_block: int
    band: str
    satisfaction_percent: Decimal | None = None


def parse_results(sheets: list[Sheet], catalogue: Catalogue, problems: FormProblems) -> list[PriorResult]:
    results: dict[str, PriorResult] = {}
    rows: dict[str, int] = {}
    size = max(catalogue.prior_rank_limit or catalogue.unit_count, 1)
    for row in rows_of(sheets):
        unit = unit_of(row, catalogue, problems, among=catalogue.prior_units, unknown="form.unknown_prior_unit")
        index = checked(row, INDEX.key, problems, percentage)
        rank = _rank(row, size, problems)
        band = text(row.values.get(BAND.key))
        if band and band not in catalogue.bands:
            add(problems, row, BAND.key, "unknown-band", word("form.unknown_band", band=repr(band),
                                                              bands=", ".join(catalogue.bands)))
            continue
        if not band:
            add(problems, row, BAND.key, "required", word("form.value_required"))
        if unit is None or index is None or rank is None or not band:
            continue
        if not first_time(rows, unit, row, problems, unit, UNIT.key):
            continue
        satisfaction = None if is_blank(row.values.get(SATISFACTION_INDEX.key)) else \
            checked(row, SATISFACTION_INDEX.key, problems, percentage)
        results[unit] = PriorResult(unit, index, rank, band, satisfaction)
    return list(results.values())


def _rank(row: Row, size: int, problems: FormProblems) -> int | None:
    return checked(row, RANK.key, problems, lambda value: whole_number(value, low=1, high=size))
