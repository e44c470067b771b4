"""Prefect events for unit transitions, emitted in batches once the transaction that made them has committed."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager

from prefect.events import emit_event
from sqlalchemy import Engine
from sqlmodel import Session

from models.batching import chunked
from models.db import session_scope
from models.transitions import MOVED_KEY, Transition

UNITS_PER_EVENT = 90  # the server keeps at most 100 related resources an event; the run context adds a few


@contextmanager
def unit_of_work(engine: Engine) -> Iterator[Session]:
    """session_scope, then `parindex.units.<new-state>` for the units it moved: nothing is announced for a
    transaction that rolled back. One event carries up to UNITS_PER_EVENT units of one move as related
    resources (`parindex.unit.<cycle>.<code>`, role `unit`), so a season of 10,000 units sends hundreds of
    events, not a hundred thousand; an Automation matches a unit with `match_related`."""
    with session_scope(engine) as session:
        moved: list[tuple[str, Transition]] = session.info.setdefault(MOVED_KEY, [])
        yield session
    if moved and not _prefect_api_configured():
        return  # no Prefect server to tell (a command run without one): starting a temporary one is no use
    for (cycle_id, event, from_state, to_state), codes in _grouped(moved).items():
        for chunk in chunked(codes, UNITS_PER_EVENT):
            emit_event(
                event=f"parindex.units.{to_state}",
                resource={"prefect.resource.id": f"parindex.cycle.{cycle_id}", "prefect.resource.name": cycle_id},
                related=[{"prefect.resource.id": f"parindex.unit.{cycle_id}.{code}", "prefect.resource.role": "unit",
                          "prefect.resource.name": code} for code in chunk],
                payload={"from": from_state, "to": to_state, "event": event, "units": list(chunk)},
            )


def _grouped(moved: list[tuple[str, Transition]]) -> dict[tuple[str, str, str, str], list[str]]:
    groups: dict[tuple[str, str, str, str], list[str]] = defaultdict(list)
    for cycle_id, t in moved:
        groups[(cycle_id, t.event.value, t.from_state.value, t.to_state.value)].append(t.code)
    return groups


def _prefect_api_configured() -> bool:
    from prefect.settings import get_current_settings

    return bool(get_current_settings().api.url)
