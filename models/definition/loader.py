"""Load calendar/<cycle-id>/ into a CycleDefinition, refusing it with every mistake listed."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from fractions import Fraction
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from models.definition.criteria import read_criteria
from models.definition.cycle import CriterionDef, CycleDefinition, TaskDef
from models.definition.files import read_toml, validate
from models.definition.letters import FOLDER as LETTERS
from models.definition.letters import read_letters
from models.definition.plan import read_tasks
from models.definition.problems import DefinitionError, Problem, Problems
from models.definition.specs import (
    EDGE_PLACEHOLDERS,
    EDGE_RULES,
    CriteriaSetSpec,
    CycleSpec,
    OverridesSpec,
    satisfaction_groups,
)
from models.definition.survey import read_survey
from models.definition.units import read_units
from models.workdays import WorkingCalendar, format_day

DEFINITION_FILES = ("cycle.toml", "plan.toml", "criteria.toml", "criteria.csv", "units.csv", "overrides.toml")
SURVEY_FILES = ("survey.toml", "population.csv")  # the survey online: hashed when the folder has them


def load_cycle(folder: Path | str) -> CycleDefinition:
    """Read and check every file of a cycle folder; DefinitionError lists all mistakes found."""
    folder = Path(folder)
    problems = Problems()
    if not folder.is_dir():
        raise DefinitionError(str(folder), [_missing_folder(folder)])
    cycle = _read_cycle(folder, problems)
    letters = read_letters(folder, problems)  # only from letters/, each checked
    if cycle is not None:
        cycle = cycle.model_copy(update={"letters": letters})
    criteria_set = _read_criteria_set(folder, cycle, problems)
    calendar = _read_calendar(folder, cycle, problems)
    tasks = read_tasks(read_toml(folder / "plan.toml", problems), cycle, calendar, problems)
    criteria = _read_trees(folder, cycle, criteria_set, problems)
    if cycle is not None:
        _check_survey_reaches_every_block(criteria, cycle, problems)
        if criteria_set is not None:
            _check_satisfaction_leaves(criteria, cycle, criteria_set, problems)
        _check_deadlines_in_season(tasks, cycle, calendar, problems)
    units = read_units(folder, cycle, problems)
    survey = read_survey(folder, cycle, criteria_set, criteria, units, problems)
    if survey is not None and "fieldwork" in survey.spec.model_fields_set and \
            not any(task.key == survey.spec.fieldwork for task in tasks):
        problems.add("survey.toml", "fieldwork", f"no task of plan.toml has the key {survey.spec.fieldwork!r}")
    reward_share = _reward_share(criteria_set, problems)
    if problems or cycle is None or criteria_set is None or reward_share is None:
        raise DefinitionError(str(folder), problems.items)
    return CycleDefinition(spec=cycle, criteria_set=criteria_set, tasks=tasks, criteria=criteria, units=units,
                           calendar=calendar, reward_max_share=reward_share, folder=folder,
                           content_hash=content_hash(folder), survey=survey)


def _read_trees(folder: Path, cycle: CycleSpec | None, criteria_set: CriteriaSetSpec | None,
                problems: Problems) -> tuple[CriterionDef, ...]:
    """Every criteria tree the blocks name, each checked on its own (codes repeat from tree to tree); a tree's
    respondent groups are numbered as its blocks number theirs (a criterion may be asked of a group only some
    of them have: a district block with six groups)."""
    blocks = cycle.blocks if cycle else []
    files = list(dict.fromkeys(block.criteria for block in blocks)) or ["criteria.csv"]
    found: list[CriterionDef] = []
    for file in files:
        users = [block for block in blocks if block.criteria == file]
        groups = max((len(block.respondent_groups) for block in users), default=5)
        label = f"{file} (block {', '.join(block.code for block in users)})" if len(files) > 1 else file
        found += read_criteria(folder, criteria_set, groups, problems, file, label)
    if criteria_set is not None and cycle is not None:  # without cycle.toml no block names a tree
        for tree in criteria_set.trees:
            if tree.file not in files:
                problems.add("criteria.toml", f"[[trees]] {tree.file}",
                             "no block of cycle.toml names this file (`criteria` in [[blocks]])")
    return tuple(found)


def _check_survey_reaches_every_block(criteria: Sequence[CriterionDef], cycle: CycleSpec,
                                      problems: Problems) -> None:
    """A survey leaf asked only of groups a block does not have could never be scored for that block."""
    for leaf in (c for c in criteria if c.method == "survey" and c.respondents):
        for block in (b for b in cycle.blocks if b.criteria == leaf.tree):
            if not any(group <= len(block.respondent_groups) for group in leaf.respondents):
                problems.add(leaf.tree, f"criterion {leaf.code}, column respondents",
                             f"asked only of group(s) {', '.join(map(str, leaf.respondents))}, which block "
                             f"{block.code} does not have ({len(block.respondent_groups)} groups): its units could "
                             "never be scored on it")


def _check_satisfaction_leaves(criteria: Sequence[CriterionDef], cycle: CycleSpec, criteria_set: CriteriaSetSpec,
                               problems: Problems) -> None:
    """A block's satisfaction groups exist; a leaf is asked either only of them (it takes the rate) or of none
    of them (it takes ballots): a leaf mixing the two has no written rule."""
    for block in cycle.blocks:
        groups = satisfaction_groups(block, criteria_set)
        missing = sorted(n for n in groups if n > len(block.respondent_groups))
        if missing:
            problems.add("criteria.toml", "survey.satisfaction_groups",
                         f"group(s) {', '.join(map(str, missing))} do not exist in block {block.code} "
                         f"({len(block.respondent_groups)} respondent groups)")
            continue
        for leaf in (c for c in criteria if c.method == "survey" and c.respondents and c.tree == block.criteria):
            asked = {g for g in leaf.respondents if g <= len(block.respondent_groups)}
            if asked & groups and not asked <= groups:
                problems.add(leaf.tree, f"criterion {leaf.code}, column respondents",
                             f"in block {block.code}, groups {', '.join(map(str, sorted(asked)))} mix satisfaction "
                             f"group(s) {', '.join(map(str, sorted(asked & groups)))} (their rate scores a leaf) with "
                             "groups answering ballots: no rule says how the two combine")


def _check_deadlines_in_season(tasks: Sequence[TaskDef], cycle: CycleSpec, calendar: WorkingCalendar,
                               problems: Problems) -> None:
    """A deadline before the plan was issued, or after the season ends, is a typing mistake (the scheduler and
    replays run the season from its first day to its last)."""
    for task in tasks:
        if task.last_day is None:
            continue
        if task.last_day < cycle.plan.issued:
            problems.add("plan.toml", f"task {task.number}.due",
                         f"{task.due.text!r} ends on {format_day(task.last_day)}, before the plan was issued "
                         f"({format_day(cycle.plan.issued)})")
        elif task.last_day > cycle.season.to:
            problems.add("plan.toml", f"task {task.number}.due",
                         f"{task.due.text!r} ends on {format_day(task.last_day)}, after the season ends "
                         f"({format_day(cycle.season.to)}; [season] in cycle.toml)")


def content_hash(folder: Path) -> str:
    """sha256 over the definition files, so a reload can tell whether anything changed."""
    digest = hashlib.sha256()
    letters = sorted((folder / LETTERS).glob("*")) if (folder / LETTERS).is_dir() else []
    trees = sorted(path.name for path in folder.glob("criteria?*.csv"))  # a block's own tree
    survey = [name for name in SURVEY_FILES if (folder / name).is_file()]
    for name in (*DEFINITION_FILES, *trees, *survey, *(f"{LETTERS}/{path.name}" for path in letters)):
        path = folder / name
        digest.update(name.encode() + b"\0" + (path.read_bytes() if path.is_file() else b"") + b"\0")
    return digest.hexdigest()


def _missing_folder(folder: Path) -> Problem:
    return Problem(str(folder), "", "no such cycle folder")


def _read_cycle(folder: Path, problems: Problems) -> CycleSpec | None:
    data = read_toml(folder / "cycle.toml", problems)
    if data is None:
        return None
    if "letters" in data:  # read from the folder's letters/, each file checked; never written inline
        problems.add("cycle.toml", "letters", "letters are templates in the folder letters/, not a key of cycle.toml")
        data = {key: value for key, value in data.items() if key != "letters"}
    cycle = validate(CycleSpec, data, "cycle.toml", "", problems)
    if cycle is None:
        return None
    if cycle.id != folder.name:
        problems.add("cycle.toml", "id", f"id {cycle.id!r} differs from its folder name {folder.name!r}")
    try:
        ZoneInfo(cycle.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        problems.add("cycle.toml", "timezone", f"unknown time zone {cycle.timezone!r}")
    if cycle.season.to <= cycle.season.from_:
        problems.add("cycle.toml", "season", "the season ends before it starts")
    _check_unique(cycle, problems)
    return cycle


def _check_unique(cycle: CycleSpec, problems: Problems) -> None:
    for key, codes in (("bodies", [b.code for b in cycle.bodies]), ("blocks", [b.code for b in cycle.blocks])):
        for code in {c for c in codes if codes.count(c) > 1}:
            problems.add("cycle.toml", key, f"duplicate code {code!r}")
    if sum(1 for body in cycle.bodies if body.role == "coordinator") != 1:
        problems.add("cycle.toml", "bodies", "exactly one body has the role 'coordinator'")
    for block in cycle.blocks:
        for group in block.groups:
            if group not in cycle.groups:
                problems.add("cycle.toml", f"blocks.{block.code}.groups", f"group {group!r} is not in [groups]")


def _read_criteria_set(folder: Path, cycle: CycleSpec | None, problems: Problems) -> CriteriaSetSpec | None:
    data = read_toml(folder / "criteria.toml", problems)
    if data is None:
        return None
    undefined = _undefined_edge_rules(data, problems)
    criteria_set = validate(CriteriaSetSpec, _with_placeholders(data, undefined), "criteria.toml", "", problems)
    if criteria_set is None:
        return None
    bands = criteria_set.bands
    names = [band.name for band in bands]
    if [band.min_percent for band in bands] != sorted((band.min_percent for band in bands), reverse=True):
        problems.add("criteria.toml", "bands", "bands are listed highest first")
    if not any(band.min_percent == 0 and not band.blocks for band in bands):
        problems.add("criteria.toml", "bands", "the lowest band starts at 0 so every unit has a band")
    rule_bands = [("reward.band", criteria_set.reward.band)]
    rule_bands += [("accountability.band_this_year", b) for b in criteria_set.accountability.band_this_year]
    rule_bands += [("accountability.band_two_years_and_rank_drop", b)
                   for b in criteria_set.accountability.band_two_years_and_rank_drop]
    for key, named in rule_bands:
        if named not in names:
            problems.add("criteria.toml", key, f"unknown band {named!r} (bands: {', '.join(names)})")
    block_codes = {block.code for block in cycle.blocks} if cycle else set()
    for index, band in enumerate(bands):
        for block in band.blocks:
            if cycle and block not in block_codes:
                problems.add("criteria.toml", f"bands[{index + 1}].blocks", f"unknown block {block!r}")
    return criteria_set


def _undefined_edge_rules(data: dict[str, Any], problems: Problems) -> list[tuple[str, str]]:
    """Every rule at the edges left out of criteria.toml or written wrong, named with what it may be."""
    undefined = []
    for section, key, choices in EDGE_RULES:
        table = data.get(section)
        if not isinstance(table, dict) or key not in table:
            undefined.append((section, key))
            missing = f" (no [{section}] section)" if not isinstance(table, dict) else ""
            problems.add("criteria.toml", f"[{section}] {key}",
                         f"rule not written{missing}: results at the edges would follow no rule; write {choices}")
            continue
        wrong = _edge_rule_problem(key, table[key])
        if wrong:
            undefined.append((section, key))
            shown = json.dumps(table[key], ensure_ascii=False, default=str)  # as TOML writes it: true, ["x"]
            problems.add("criteria.toml", f"[{section}] {key}", f"{shown} {wrong}; write {choices}")
    return undefined


TIE_BREAKS = ("appraisal_points", "survey_points")


def _edge_rule_problem(key: str, value: Any) -> str:
    """What is wrong with an edge rule's value, or "" (types checked strictly: `true` is not a number)."""
    def whole(v: Any) -> bool:
        return isinstance(v, int) and not isinstance(v, bool)
    if key == "index_decimals":
        return "" if whole(value) and 0 <= value <= 3 else "is not a whole number of decimals from 0 to 3"
    if key == "compare":
        return "" if value in ("published", "exact") else 'is neither "published" nor "exact"'
    if key == "ties_at_cap":
        if value == "all_out":
            return ""
        if not isinstance(value, list) or not value or any(v not in TIE_BREAKS for v in value):
            return 'is neither "all_out" nor a list of "appraisal_points" and "survey_points"'
        return "names a tie-break twice" if len(set(value)) != len(value) else ""
    if key == "ballot_average":
        return "" if value in ("respondent", "group") else 'is neither "respondent" nor "group"'
    if key == "group_without_ballots":
        return "" if value in ("refused", "left_out") else 'is neither "refused" nor "left_out"'
    if key == "satisfaction_groups":
        if not isinstance(value, list) or not all(whole(v) and v >= 1 for v in value):
            return "is not a list of respondent group numbers (1, 2, …)"
        twice = sorted({v for v in value if value.count(v) > 1})
        return f"lists group(s) {', '.join(map(str, twice))} twice" if twice else ""
    return ""


def _with_placeholders(data: dict[str, Any], undefined: list[tuple[str, str]]) -> dict[str, Any]:
    """The file with a placeholder for each undefined rule, so every other mistake is still listed once."""
    filled = {section: dict(table) if isinstance(table, dict) else table for section, table in data.items()}
    for section, key in undefined:
        table = filled.setdefault(section, {})
        if isinstance(table, dict):
            table[key] = EDGE_PLACEHOLDERS[key]
    return filled


def _reward_share(criteria_set: CriteriaSetSpec | None, problems: Problems) -> Fraction | None:
    if criteria_set is None:
        return None
    try:
        share = Fraction(criteria_set.reward.max_share_of_block)
    except (ValueError, ZeroDivisionError):
        share = None
    if share is None or not 0 < share <= 1:
        problems.add("criteria.toml", "reward.max_share_of_block",
                     f"{criteria_set.reward.max_share_of_block!r} is not a share like '1/3' or '0.3'")
        return None
    return share


def _read_calendar(folder: Path, cycle: CycleSpec | None, problems: Problems) -> WorkingCalendar:
    path = folder / "overrides.toml"
    data: dict[str, Any] | None = read_toml(path, problems) if path.exists() else {}
    overrides = validate(OverridesSpec, data, "overrides.toml", "", problems) if data is not None else None
    days_off = {entry.date: entry.name for entry in overrides.day_off} if overrides else {}
    working = {entry.date: entry.name for entry in overrides.working_day} if overrides else {}
    for day in set(days_off) & set(working):
        problems.add("overrides.toml", f"{day:%d/%m/%Y}", "listed both as a day off and as a working day")
    timezone = cycle.timezone if cycle else "Asia/Ho_Chi_Minh"
    try:
        return WorkingCalendar(timezone=timezone, extra_days_off=days_off, extra_working_days=working)
    except (ZoneInfoNotFoundError, ValueError):
        return WorkingCalendar(extra_days_off=days_off, extra_working_days=working)
