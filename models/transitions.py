"""Moving sets of units through the lifecycle, with their history rows, in the caller's transaction."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlmodel import Session

from models.batching import chunked
from models.db import MOVED_KEY
from models.history import HistoryDraft, append_history
from models.lifecycle import FULL, Lifecycle, TransitionRefused, UnitEvent, UnitState, lifecycle_for
from models.refusals import ConcurrentChange, NotFound
from models.tables import PlanTask, Unit, actor_for
from models.words import word


class UnknownUnits(NotFound):
    """Unit codes that are not in the cycle."""


def canonical_codes(session: Session, cycle_id: str, codes: Collection[str]) -> list[str]:
    """The cycle's own spelling of each code, matched whatever its case (`sxd` finds SXD); UnknownUnits names
    the codes the cycle does not have."""
    wanted = list(dict.fromkeys(code.strip() for code in codes))
    found: dict[str, str] = {}
    for chunk in chunked([code.upper() for code in wanted]):
        found.update((code.upper(), code) for code in session.execute(select(Unit.code).where(
            Unit.cycle_id == cycle_id, func.upper(Unit.code).in_(chunk))).scalars())
    unknown = [code for code in wanted if code.upper() not in found]
    if unknown:
        raise UnknownUnits(word("refused.unknown_units", cycle=cycle_id, codes=", ".join(sorted(unknown))))
    return [found[code.upper()] for code in wanted]


@dataclass(frozen=True)
class Transition:
    unit_id: int
    code: str
    event: UnitEvent
    from_state: UnitState
    to_state: UnitState


def transition_units(
    session: Session,
    *,
    cycle_id: str,
    codes: Collection[str],
    event: UnitEvent,
    actor: str,
    at: datetime,
    reason: str = "",
    flow_run_id: str | None = None,
    details: dict[str, Any] | None = None,
) -> list[Transition]:
    """Fire `event` for every unit in `codes`: all move, or none (TransitionRefused, ConcurrentChange)."""
    if not codes:
        return []
    rows = _load_states(session, cycle_id, codes)
    missing = set(codes) - {row.code for row in rows}
    if missing:
        raise UnknownUnits(word("refused.unknown_units", cycle=cycle_id, codes=", ".join(sorted(missing))))
    rows = [row for row in rows if row.withdrawn_at is None]  # a withdrawn unit takes no further step
    if not rows:
        return []
    lifecycle = cycle_lifecycle(session, cycle_id)
    moves: dict[str, tuple[UnitState, UnitState]] = {}  # per state the units are in: (from, to)
    for row in rows:
        if row.state not in moves:  # the first unit in a state the event cannot leave is named in the refusal
            source = UnitState(row.state)
            moves[row.state] = (source, lifecycle.next_state(source, event, unit=row.code))
    transitions = [Transition(row.id, row.code, event, *moves[row.state]) for row in rows]
    target, sources = transitions[0].to_state, lifecycle.transitions[event][0]
    ids = [t.unit_id for t in transitions]
    moved = 0
    for chunk in chunked(ids):
        result = session.execute(
            update(Unit)
            .where(Unit.id.in_(chunk), Unit.state.in_([s.value for s in sources]))
            .values(state=target.value, state_changed_at=at)
            .execution_options(synchronize_session=False)
        )
        moved += result.rowcount
    if moved != len(ids):
        raise ConcurrentChange(word("err.concurrent_units", cycle=cycle_id, count=len(ids) - moved))
    # Whoever commits this session can announce the moves (tasks.engine.events emits them as Prefect events).
    session.info.setdefault(MOVED_KEY, []).extend((cycle_id, t) for t in transitions)
    append_history(session, cycle_id=cycle_id, drafts=[
        HistoryDraft(entity="unit", subject=t.code, event=event.value, actor=actor_for(actor, t.code), at=at,
                     from_state=t.from_state.value, to_state=t.to_state.value, reason=reason,
                     flow_run_id=flow_run_id, details=details or {})
        for t in transitions
    ])
    return transitions


def cycle_lifecycle(session: Session, cycle_id: str) -> Lifecycle:
    """The lifecycle the cycle's plan makes (the stages of its tasks)."""
    stages = frozenset(session.execute(select(PlanTask.stage).where(PlanTask.cycle_id == cycle_id).distinct())
                       .scalars())
    return lifecycle_for(stages) if stages else FULL


def _load_states(session: Session, cycle_id: str, codes: Collection[str]) -> list[Any]:
    code_list = sorted(set(codes))
    rows: list[Any] = []
    for chunk in chunked(code_list):
        rows += session.execute(
            select(Unit.id, Unit.code, Unit.state, Unit.withdrawn_at)
            .where(Unit.cycle_id == cycle_id, Unit.code.in_(chunk))
            .order_by(Unit.code)
        ).all()
    return rows


__all__ = ["ConcurrentChange", "Transition", "TransitionRefused", "UnknownUnits", "transition_units"]
