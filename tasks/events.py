"""Prefect events for unit transitions, emitted once the transaction that made them has committed."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from prefect.events import emit_event
from sqlalchemy import Engine
from sqlmodel import Session

from models.db import session_scope
from models.transitions import MOVED_KEY, Transition


@contextmanager
def unit_of_work(engine: Engine) -> Iterator[Session]:
    """session_scope, then `parindex.unit.<new-state>` for every unit it moved: nothing is announced for a
    transaction that rolled back."""
    with session_scope(engine) as session:
        moved: list[tuple[str, Transition]] = session.info.setdefault(MOVED_KEY, [])
        yield session
    if moved and not _prefect_api_configured():
        return  # no Prefect server to tell (a command run without one): starting a temporary one is no use
    for cycle_id, transition in moved:
        emit_event(
            event=f"parindex.unit.{transition.to_state.value}",
            resource={"prefect.resource.id": f"parindex.unit.{cycle_id}.{transition.code}",
                      "prefect.resource.name": transition.code, "parindex.cycle": cycle_id},
            payload={"from": transition.from_state.value, "to": transition.to_state.value,
                     "event": transition.event.value},
        )


def _prefect_api_configured() -> bool:
    from prefect.settings import get_current_settings

    return bool(get_current_settings().api.url)
