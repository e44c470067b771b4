"""plan.toml: the plan's tasks, their owners, their order and their deadlines as they fall."""

from __future__ import annotations

from datetime import time
from typing import Any

from models.completion import CompletionRule, parse_completion_rule
from models.definition.cycle import TaskDef
from models.definition.files import enumerate_entries, validate
from models.definition.problems import Problems
from models.definition.specs import CycleSpec, TaskSpec
from models.due_text import DueKind, DueSpec, DueTextError, parse_due_text
from models.lifecycle import missing_stages
from models.stages import STAGES
from models.tables import UNITS_OWNER
from models.words import word
from models.workdays import WorkingCalendar, format_day

FILE = "plan.toml"


def stages_without_their_units_task(specs: list[tuple[str, TaskSpec]]) -> list[str]:
    """The plan's stages that every unit acts in (StageSpec.owner), with no task of theirs owned by the units:
    the stage's step would have no window to open or close."""
    planned = {spec.stage for _, spec in specs}
    owned = {spec.stage for _, spec in specs if spec.owner == UNITS_OWNER}
    return [s.stage.value for s in STAGES if s.owner == UNITS_OWNER and s.stage in planned and s.stage not in owned]


def read_tasks(data: dict[str, Any] | None, cycle: CycleSpec | None, calendar: WorkingCalendar,
               problems: Problems) -> tuple[TaskDef, ...]:
    """Every task of the appendix, checked against the cycle and resolved on its calendar."""
    if data is None:
        return ()
    if not isinstance(data.get("task"), list) or not data["task"]:
        problems.add(FILE, "task", "the plan needs at least one [[task]]")
        return ()
    specs: list[tuple[str, TaskSpec]] = []
    for index, entry in enumerate_entries(data, "task"):
        where = f"task[{index + 1}]"
        spec = validate(TaskSpec, entry, FILE, where, problems)
        if spec is not None:
            specs.append((f"{where} (number {spec.number})", spec))
    _check_identity(specs, problems)
    _check_order(specs, problems)
    for missing in missing_stages(frozenset(spec.stage for _, spec in specs)) if specs else []:
        problems.add(FILE, "task", word("plan.cannot_announce", missing=missing))
    for stage in stages_without_their_units_task(specs):
        problems.add(FILE, "task", word("plan.units_stage", stage=word(stage), code=stage, owner=UNITS_OWNER))
    tasks = []
    for where, spec in specs:
        if cycle is not None and spec.owner != UNITS_OWNER and spec.owner not in {b.code for b in cycle.bodies}:
            problems.add(FILE, f"{where}.owner",
                         f"unknown owner {spec.owner!r}: not a body of cycle.toml nor {UNITS_OWNER!r}")
        try:
            due = parse_due_text(spec.due, cycle.year if cycle is not None else None)
        except DueTextError as error:
            if cycle is not None or not error.needs_year:  # no year without cycle.toml: its own mistake says why
                problems.add(FILE, f"{where}.due", str(error))
            continue
        try:
            completion = parse_completion_rule(spec.completes_when)
        except ValueError as error:
            problems.add(FILE, f"{where}.completes_when", str(error))
            continue
        if completion.kind != "manual" and spec.owner == UNITS_OWNER and completion.kind != "units_reached":
            problems.add(FILE, f"{where}.completes_when", "a unit's task completes when the unit reaches a state")
        if due.kind is DueKind.RELATIVE and spec.within_working_days is None:
            problems.add(FILE, f"{where}.within_working_days",
                         "a relative due text needs within_working_days to be tracked")
        if cycle is not None:
            tasks.append(_resolve(spec, due, completion, cycle, calendar))
    return tuple(sorted(tasks, key=lambda task: task.number))


def _check_identity(specs: list[tuple[str, TaskSpec]], problems: Problems) -> None:
    seen_numbers: dict[int, str] = {}
    seen_keys: dict[str, str] = {}
    for where, spec in specs:
        if spec.number in seen_numbers:
            problems.add(FILE, f"{where}.number", f"duplicate task number {spec.number} ({seen_numbers[spec.number]})")
        if spec.key in seen_keys:
            problems.add(FILE, f"{where}.key", f"duplicate task key {spec.key!r} ({seen_keys[spec.key]})")
        seen_numbers.setdefault(spec.number, where)
        seen_keys.setdefault(spec.key, where)


def _check_order(specs: list[tuple[str, TaskSpec]], problems: Problems) -> None:
    numbers = {spec.number for _, spec in specs}
    follows = {spec.number: set(spec.after) & numbers for _, spec in specs}
    for where, spec in specs:
        for before in spec.after:
            if before not in numbers:
                problems.add(FILE, f"{where}.after", f"depends on task {before}, which the plan does not have")
    for loop in _loops(follows):
        problems.add(FILE, "task.after", word("plan.loop", tasks=", ".join(map(str, loop))))


def _loops(follows: dict[int, set[int]]) -> list[list[int]]:
    """Each set of tasks that wait on one another (`after` in a circle), once: the strongly connected
    components of the plan's order with more than one task, or a task after itself (Tarjan's algorithm)."""
    index: dict[int, int] = {}
    low: dict[int, int] = {}
    stack: list[int] = []
    loops: list[list[int]] = []

    def visit(number: int) -> None:
        index[number] = low[number] = len(index)
        stack.append(number)
        for before in sorted(follows.get(number, ())):
            if before not in index:
                visit(before)
                low[number] = min(low[number], low[before])
            elif before in stack:
                low[number] = min(low[number], index[before])
        if low[number] == index[number]:
            members = []
            while True:
                member = stack.pop()
                members.append(member)
                if member == number:
                    break
            if len(members) > 1 or number in follows.get(number, ()):
                loops.append(sorted(members))

    for number in sorted(follows):
        if number not in index:
            visit(number)
    return sorted(loops)


def _resolve(spec: TaskSpec, due: DueSpec, completion: CompletionRule, cycle: CycleSpec,
             calendar: WorkingCalendar) -> TaskDef:
    rule = spec.deadline_rule or (cycle.before_date_rule if due.rolls_back else cycle.deadline_rule)
    opens_at = calendar.at_local(due.opens_on, time(0)) if due.opens_on else None
    last_day = due.last_day
    reading = due.reading
    if due.kind is DueKind.RELATIVE and spec.within_working_days is not None:
        issued = cycle.plan.issued
        last_day = calendar.add_working_days(issued, spec.within_working_days)
        reading = (f"ngay sau khi kế hoạch ban hành ngày {format_day(issued)}: theo dõi trong "
                   f"{spec.within_working_days} ngày làm việc kể từ ngày đó")
        opens_at = calendar.at_local(issued, time(0))
    deadline = calendar.effective_deadline(last_day, rule) if last_day else None
    moved_because = None
    if deadline is not None and deadline.moved_because:
        moved_because = f"{reading}; {deadline.moved_because}" if reading else deadline.moved_because
    return TaskDef(
        number=spec.number, key=spec.key, stage=spec.stage, title=spec.title, product=spec.product,
        owner=spec.owner, due=due, after=tuple(spec.after), deadline_rule=rule, opens_at=opens_at,
        last_day=deadline.last_day if deadline else None,
        due_at=(calendar.at_local(deadline.last_day, due.due_time) if due.due_time else deadline.due_at)
        if deadline else None,
        moved_because=moved_because, reading=reading, completion=completion, optional=spec.optional,
        note=spec.note,
    )
