"""Prefect events for unit transitions and lateness, emitted in batches once the transaction that made them has
committed: `parindex.units.<state>` for moves, `parindex.assignments.overdue|escalated|missed` for lateness."""

from __future__ import annotations

import logging
import os
import sys
import tomllib
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import Engine, select
from sqlmodel import Session

from models import db
from models.batching import chunked
from models.cycle_context import CycleContext
from models.db import LATENESS_KEY, session_scope
from models.tables import Body, Unit
from models.transitions import Transition
from tasks.engine.prefect_private import run_context_variables

T = TypeVar("T")
UNITS_PER_EVENT = 90  # the server keeps at most 100 related resources an event; the run context adds a few
LATENESS_KINDS = ("overdue", "escalated", "missed")


def note_lateness(session: Session, ctx: CycleContext, *, kind: str, assignments: Iterable[Any]) -> None:
    """Remember assignments (rows with `plan_task_id` and `assignee`) that fell overdue, were escalated or were
    missed: announced, one event per plan task, once the session commits."""
    assert kind in LATENESS_KINDS, kind
    session.info.setdefault(LATENESS_KEY, []).extend(
        (ctx.cycle_id, kind, ctx.tasks[row.plan_task_id].number, row.assignee) for row in assignments)


def unit_of_work(engine: Engine) -> AbstractContextManager[Session]:
    """models.db.unit_of_work, announcing to Prefect `parindex.units.<new-state>` for the units it moved and
    `parindex.assignments.<kind>` for lateness, once committed. One event carries up to UNITS_PER_EVENT units of
    one move as related resources (`parindex.unit.<cycle>.<code>`, role `unit`), so a season of 10,000 units
    sends hundreds of events, not a hundred thousand; an Automation matches a unit with `match_related`."""
    return db.unit_of_work(engine, announce)


def committed(engine: Engine, action: Callable[[Session], T]) -> T:
    """`action` in one unit of work, run again from a fresh read when another writer came between its read and
    its write (models.db.retrying): the way every door (a command, a flow's action, a tick's step) writes."""

    def once() -> T:
        with unit_of_work(engine) as session:
            return action(session)

    return db.retrying(once)


def announce(engine: Engine, moved: list[tuple[str, Transition]], late: list[tuple[str, str, int, str]]) -> None:
    """The events of a committed transaction, when a Prefect server is configured: Prefect is imported only
    then, so a command run without one starts in a fraction of a second."""
    if not prefect_api_configured():
        return  # no Prefect server to tell (a command run without one): starting a temporary one is no use
    try:
        names = _names(engine, moved, late)
        with _only_this_run():
            _emit_moves(moved, names)
            _emit_lateness(late, names)
    except Exception as error:  # committed already: a missed event must not turn the command into a failure
        logging.getLogger("parindex.events").warning("events not sent after the commit: %s", error)


def prefect_api_configured() -> bool:
    """Whether Prefect has a server to send to, read without importing Prefect when it is not loaded yet: the
    environment, then the active profile of PREFECT_HOME's profiles.toml (where `prefect config set` writes)."""
    if "prefect.settings" in sys.modules:
        from prefect.settings import get_current_settings

        return bool(get_current_settings().api.url)
    if os.environ.get("PREFECT_API_URL"):
        return True
    home = Path(os.environ.get("PREFECT_HOME") or "~/.prefect").expanduser()
    try:
        profiles = tomllib.loads((home / "profiles.toml").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    active = os.environ.get("PREFECT_PROFILE") or profiles.get("active") or "ephemeral"
    return bool(profiles.get("profiles", {}).get(active, {}).get("PREFECT_API_URL"))


@contextmanager
def _only_this_run() -> Iterator[None]:
    """Link events to the run emitting them, and to none outside a run. Prefect's events thread attaches the
    run context copied at emission; a context variable never set in this thread is missing from that copy,
    and the thread's own (copied when it started, inside the first flow run) showed through: a submission
    made between ticks was linked to the season's first tick. Setting them to None here makes the copy say so."""
    variables = run_context_variables()
    if any(var.get(None) is not None for var in variables):
        yield
        return
    tokens = [(var, var.set(None)) for var in variables]
    try:
        yield
    finally:
        for var, token in reversed(tokens):
            var.reset(token)


Names = dict[tuple[str, str], str]  # (cycle id, "unit:CODE" or "body:code") → the name people know it by


def _names(engine: Engine, moved: list[tuple[str, Transition]], late: list[tuple[str, str, int, str]]) -> Names:
    """The names of the units and bodies these events mention, so that the event feed shows them."""
    wanted: dict[str, set[str]] = defaultdict(set)
    for cycle_id, t in moved:
        wanted[cycle_id].add(f"unit:{t.code}")
    for cycle_id, _, _, assignee in late:
        wanted[cycle_id].add(assignee)
    names: Names = {}
    with session_scope(engine) as session:
        for cycle_id, assignees in wanted.items():
            units = [a.removeprefix("unit:") for a in assignees if a.startswith("unit:")]
            for chunk in chunked(units):
                names.update(((cycle_id, f"unit:{code}"), name) for code, name in session.execute(
                    select(Unit.code, Unit.name).where(Unit.cycle_id == cycle_id, Unit.code.in_(chunk))))
            names.update(((cycle_id, f"body:{code}"), name) for code, name in session.execute(
                select(Body.code, Body.name).where(Body.cycle_id == cycle_id)))
    return names


def emit_event(**event: Any) -> None:
    """Prefect's emit_event, imported on the first event sent."""
    from prefect.events import emit_event as emit

    emit(**event)


def _emit_moves(moved: list[tuple[str, Transition]], names: Names) -> None:
    for (cycle_id, event, from_state, to_state), codes in _grouped(moved).items():
        for chunk in chunked(codes, UNITS_PER_EVENT):
            emit_event(
                event=f"parindex.units.{to_state}",
                resource={"prefect.resource.id": f"parindex.cycle.{cycle_id}", "prefect.resource.name": cycle_id},
                related=[{"prefect.resource.id": f"parindex.unit.{cycle_id}.{code}", "prefect.resource.role": "unit",
                          "prefect.resource.name": names.get((cycle_id, f"unit:{code}"), code)} for code in chunk],
                payload={"from": from_state, "to": to_state, "event": event, "units": list(chunk)},
            )


def _grouped(moved: list[tuple[str, Transition]]) -> dict[tuple[str, str, str, str], list[str]]:
    groups: dict[tuple[str, str, str, str], list[str]] = defaultdict(list)
    for cycle_id, t in moved:
        groups[(cycle_id, t.event.value, t.from_state.value, t.to_state.value)].append(t.code)
    return groups


def _emit_lateness(late: list[tuple[str, str, int, str]], names: Names) -> None:
    """One event per cycle, kind and plan task (chunked), each assignee a related resource (role `assignee`):
    an Automation on `parindex.assignments.escalated` alerts the coordinator."""
    groups: dict[tuple[str, str, int], list[str]] = defaultdict(list)
    for cycle_id, kind, number, assignee in late:
        groups[(cycle_id, kind, number)].append(assignee)
    for (cycle_id, kind, number), assignees in groups.items():
        for chunk in chunked(sorted(set(assignees)), UNITS_PER_EVENT):
            emit_event(
                event=f"parindex.assignments.{kind}",
                resource={"prefect.resource.id": f"parindex.cycle.{cycle_id}", "prefect.resource.name": cycle_id},
                related=[{"prefect.resource.id": f"parindex.{_kind_of(a)}.{cycle_id}.{_code_of(a)}",
                          "prefect.resource.role": "assignee",
                          "prefect.resource.name": names.get((cycle_id, a), _code_of(a))} for a in chunk],
                payload={"kind": kind, "task": number, "assignees": [_code_of(a) for a in chunk]},
            )


def _kind_of(assignee: str) -> str:
    return "body" if assignee.startswith("body:") else "unit"


def _code_of(assignee: str) -> str:
    return assignee.split(":", 1)[-1]
