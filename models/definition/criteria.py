"""criteria.csv: the tree of fields, criteria and sub-criteria, checked point by point."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from pathlib import Path

from models.definition.cycle import CriterionDef
from models.definition.files import CsvRow, read_csv
from models.definition.problems import Problems
from models.definition.specs import DEFAULT_TREE, CriteriaSetSpec, TreeSpec, tree_totals

FILE = "criteria.csv"
COLUMNS = ("code", "title", "max_points", "method", "evidence_required", "respondents")
OPTIONAL = ("question",)  # a survey leaf's question as respondents read it (the survey online: survey.toml)
CODE_PATTERN = r"^\d+(\.\d+)*$"


def read_criteria(folder: Path, criteria_set: CriteriaSetSpec | None, respondent_groups: int,
                  problems: Problems, file: str = FILE, label: str = "") -> tuple[CriterionDef, ...]:
    """Every node of the tree in `file`, in file order; points must add up at every level. `label` names the
    file in mistakes (with the blocks it scores, when the folder has several trees)."""
    shown = label or file
    rows = read_csv(folder / file, COLUMNS, problems, OPTIONAL)
    nodes: list[CriterionDef] = []
    lines: dict[str, int] = {}
    for row in rows:
        node = _read_node(row, respondent_groups, problems, file, shown)
        if node is None:
            continue
        if node.code in lines:
            problems.add(shown, f"line {row.line}, column code",
                         f"duplicate criterion code {node.code!r} (first on line {lines[node.code]})")
            continue
        lines[node.code] = row.line
        nodes.append(node)
    _check_tree(nodes, lines, problems, shown)
    if criteria_set is not None:
        totals = tree_totals(criteria_set, file)
        if totals is None:
            problems.add("criteria.toml", "trees", f"no [[trees]] entry with file = {file!r}: write its name, "
                                                   "total_points, appraisal_points and survey_points")
        else:
            _check_totals(nodes, totals, problems, file)
    return tuple(nodes)


def _read_node(row: CsvRow, respondent_groups: int, problems: Problems, file: str,
               shown: str) -> CriterionDef | None:
    values, where = row.values, f"line {row.line}"
    code = values["code"]
    if not re.match(CODE_PATTERN, code):
        problems.add(shown, f"{where}, column code", f"code {code!r} is not like '1', '1.2' or '1.2.3'")
        return None
    try:
        points = Decimal(values["max_points"].replace(",", "."))  # "7,5" as Vietnamese write it
    except InvalidOperation:
        problems.add(shown, f"{where}, column max_points", f"{values['max_points']!r} is not a number")
        return None
    if points <= 0 or points.as_tuple().exponent < -2:  # type: ignore[operator]  # finite: an int
        problems.add(shown, f"{where}, column max_points", f"{points} must be positive with at most 2 decimals")
        return None
    method = values["method"] or None
    if method not in (None, "appraisal", "survey"):
        problems.add(shown, f"{where}, column method", f"{method!r} is not 'appraisal', 'survey' or empty")
        return None
    evidence = values["evidence_required"].lower()
    if evidence not in ("", "yes", "no"):
        problems.add(shown, f"{where}, column evidence_required", f"{evidence!r} is not 'yes', 'no' or empty")
    respondents = _read_respondents(values["respondents"], respondent_groups, f"{where}, column respondents",
                                    problems, shown)
    if method == "survey" and not respondents:
        problems.add(shown, f"{where}, column respondents", "a survey criterion names its respondent groups")
    parent = code.rsplit(".", 1)[0] if "." in code else None
    question = values.get("question", "")
    if question and method != "survey":
        problems.add(shown, f"{where}, column question", f"{code} is not a survey leaf: only those are asked")
    return CriterionDef(code, parent, values["title"], points, method, evidence == "yes", respondents, file, question)


def _read_respondents(text: str, groups: int, where: str, problems: Problems, shown: str) -> tuple[int, ...]:
    if not text:
        return ()
    try:
        numbers = tuple(int(part) for part in text.split(","))
    except ValueError:
        problems.add(shown, where, f"{text!r} is not a list of group numbers like '1,2,3'")
        return ()
    for number in numbers:
        if not 1 <= number <= groups:
            problems.add(shown, where, f"respondent group {number} does not exist (groups 1 to {groups})")
    return numbers


def _check_tree(nodes: list[CriterionDef], lines: dict[str, int], problems: Problems, shown: str) -> None:
    children: dict[str, list[CriterionDef]] = defaultdict(list)
    for node in nodes:
        if node.parent_code is not None:
            if node.parent_code not in lines:
                problems.add(shown, f"line {lines[node.code]}, column code",
                             f"criterion {node.code} has no parent {node.parent_code} in the file")
            children[node.parent_code].append(node)
    for node in nodes:
        kids = children.get(node.code, [])
        where = f"line {lines[node.code]}"
        if kids and node.method:
            problems.add(shown, f"{where}, column method", f"{node.code} has sub-criteria, so it takes no method")
        if not kids and not node.method:
            problems.add(shown, f"{where}, column method", f"leaf {node.code} needs a method: appraisal or survey")
        if kids and (total := sum((kid.max_points for kid in kids), Decimal(0))) != node.max_points:
            problems.add(shown, f"{where}, column max_points",
                         f"{node.code} has {node.max_points} points but its sub-criteria add up to {total}")


def _check_totals(nodes: list[CriterionDef], criteria_set: TreeSpec, problems: Problems, file: str) -> None:
    def total(predicate: Callable[[CriterionDef], bool]) -> Decimal:
        return sum((node.max_points for node in nodes if predicate(node)), Decimal(0))

    expected = {
        "total_points": (total(lambda n: n.parent_code is None), "the fields"),
        "appraisal_points": (total(lambda n: n.method == "appraisal"), "the appraised leaves"),
        "survey_points": (total(lambda n: n.method == "survey"), "the surveyed leaves"),
    }
    where = "" if file == DEFAULT_TREE else f"[[trees]] {file}: "
    for key, (found, what) in expected.items():
        declared = Decimal(str(getattr(criteria_set, key)))
        if found != declared:
            problems.add("criteria.toml", f"{where}{key}",
                         f"declares {float(declared):g} points but {what} in {file} add up to {float(found):g}")
