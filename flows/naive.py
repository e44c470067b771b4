"""The plain Prefect design, a yardstick for `parindex bench` only: units moved the way a newcomer to Prefect
would write it, one task run per unit per step, on the same server and database.

It only moves units (each step a transition with its history row): no mail, no scoring, no import. So it
does less than the season, and `speedup_vs_naive_prefect` (its time scaled to N units over the season's)
errs in the naive design's favour."""

from __future__ import annotations

import time as clock
from datetime import datetime

from prefect import flow, task
from prefect.cache_policies import NO_CACHE

from models.db import session_scope
from models.lifecycle import FORWARD_STEPS, UnitEvent
from models.transitions import transition_units
from tasks.engine.runtime import engine_for

# One event per forward step (a unit that explains takes the first of the explanation step's events).
STEPS = [events[0] for _, events, _ in FORWARD_STEPS]


@task(cache_policy=NO_CACHE)
def move_one_unit(database_url: str, cycle_id: str, code: str, event: str, at: datetime) -> str:
    """One unit, one step, one transaction: the newcomer's task."""
    with session_scope(engine_for(database_url)) as session:
        (moved,) = transition_units(session, cycle_id=cycle_id, codes=[code], event=UnitEvent(event),
                                    actor="naive", at=at)
    return moved.to_state.value


@flow(name="naive-season")
def naive_season(database_url: str, cycle_id: str, codes: list[str], at: datetime) -> int:
    """Every unit through every step, a task run each, in a loop."""
    runs = 0
    for event in STEPS:
        for code in codes:
            move_one_unit(database_url, cycle_id, code, event.value, at)
            runs += 1
    return runs


def time_naive(database_url: str, cycle_id: str, codes: list[str], at: datetime) -> tuple[float, int]:
    """Seconds and task runs for these units through every step."""
    started = clock.perf_counter()
    runs = naive_season(database_url, cycle_id, codes, at)
    return clock.perf_counter() - started, runs
