"""Replaying a season on a virtual clock: the same tick flow and checkpoint computation as production,
with a seeded outside world acting between ticks. The clock is the only difference."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from typing import Any

from prefect.context import SyncClientContext

from flows.tick import tick
from models.cycle_context import load_context
from models.db import session_scope
from tasks.engine.events import unit_of_work
from tasks.engine.runtime import engine_for, using_database
from tasks.engine.schedule_data import has_overdue, upcoming_checkpoints
from tasks.inputs.intake import StageClosed
from tasks.simulation.respondents import Answering, answer_directly
from tasks.simulation.simulation import World, WorldEvent


@dataclass
class ReplayReport:
    ticks: int = 0
    world_events: int = 0
    refused_inputs: list[str] = field(default_factory=list)
    stage_runs: dict[str, int] = field(default_factory=dict)


Ticker = Callable[[str, str, datetime], dict[str, Any]]  # (cycle id, database URL, instant) → tick result


def run_tick_flow(cycle_id: str, database_url: str, at: datetime) -> dict[str, Any]:
    with using_database(database_url):
        return tick(cycle_id=cycle_id, at=at)


def replay_season(*, database_url: str, cycle_id: str, seed: int,
                  progress: Callable[[datetime, str], None] | None = None,
                  ticker: Ticker = run_tick_flow, answering: Answering | None = None) -> ReplayReport:
    """Tick at every checkpoint from the season's first day to its last, the world acting in between.
    `ticker` runs one tick (the flow in this process by default; reliability suites run it in a process
    they kill); `answering` takes the survey's respondents to the database (the functions the portal's pages
    call by default; the demo's answer through the pages)."""
    engine = engine_for(database_url)
    with session_scope(engine) as session:
        ctx = load_context(session, cycle_id)
        world = World(session, ctx, seed, answering or answer_directly(engine))
    season_start = ctx.calendar.at_local(ctx.spec.season.from_, time(0))
    season_end = ctx.calendar.at_local(ctx.spec.season.to + timedelta(days=1), time(0))
    pending: list[WorldEvent] = list(world.events)
    report = ReplayReport()
    with _one_prefect_client(ticker):
        now = season_start
        _tick(ticker, cycle_id, database_url, now, report, progress, "season opens")
        while now < season_end:
            with session_scope(engine) as session:
                checkpoints = upcoming_checkpoints(session, ctx, after=now)
                digest = _next_digest(ctx, now) if has_overdue(session, ctx) else None
            triggering = next((event.at for event in pending if event.triggers_tick), None)
            ticks = [c.at for c in checkpoints[:1]] + [t for t in (digest, triggering) if t is not None]
            if not ticks and not pending:
                break
            # Everything the world does up to the next tick, in one transaction (an event a savepoint).
            horizon = min(ticks) if ticks else pending[-1].at
            if horizon >= season_end:
                break
            acting = [event for event in pending if event.at <= horizon]
            pending = [event for event in pending if event.at > horizon]
            _act_all(engine, ctx, world, acting, report)
            now = horizon
            if ticks:
                is_checkpoint = bool(checkpoints) and checkpoints[0].at == now
                why = ", ".join(checkpoints[0].reasons) if is_checkpoint else "inputs arrived" if now == triggering \
                    else "digest"
                _tick(ticker, cycle_id, database_url, now, report, progress, why)
            with session_scope(engine) as session:
                pending = sorted(pending + world.reactions(session, ctx, now))
    return report


@contextmanager
def _one_prefect_client(ticker: Ticker) -> Iterator[None]:
    """Ticks in this process share one Prefect client: each tick and stage run would otherwise open its own,
    with a TLS context and a server version check apiece."""
    with SyncClientContext.get_or_create() if ticker is run_tick_flow else nullcontext():
        yield


def _act_all(engine, ctx, world: World, events: list[WorldEvent], report: ReplayReport) -> None:
    """Apply the events in time order; a refused one is rolled back alone and reported. People acting through
    the portal (its own transactions) act after them, in their order."""
    if not events:
        return
    with unit_of_work(engine) as session:  # submissions move units: their events go out too
        for event in (event for event in events if event.outside is None):
            world.now = event.at
            try:
                with session.begin_nested():
                    event.act(session, ctx)
            except StageClosed as refused:
                report.refused_inputs.append(f"{event.name}: {refused}")
                continue
            report.world_events += 1
    for event in events:
        if event.outside is not None:
            world.now = event.at
            event.outside()
            report.world_events += 1


def _tick(ticker: Ticker, cycle_id: str, database_url: str, at: datetime, report: ReplayReport,
          progress: Callable[[datetime, str], None] | None, why: str) -> None:
    result = ticker(cycle_id, database_url, at)
    report.ticks += 1
    for stage in result["stages"]:
        report.stage_runs[stage] = report.stage_runs.get(stage, 0) + 1
    if progress:
        progress(at, why)


def _next_digest(ctx, now: datetime) -> datetime:
    day = ctx.calendar.local_date(now)
    for offset in range(0, 15):
        candidate_day = day + timedelta(days=offset)
        instant = ctx.calendar.at_local(candidate_day, ctx.spec.reminders.digest_time)
        if instant > now and ctx.calendar.is_working_day(candidate_day):
            return instant
    return now + timedelta(days=1)
