"""An idle tick's parts, timed without Prefect, on a database a season has run on (`parindex bench --keep`):

    .venv/bin/python benchmarks/profile_tick.py sqlite:////tmp/parindex-bench-…/bench.db bench-10000 [--profile]
"""

from __future__ import annotations

import argparse
import tempfile
import time as clock
from collections.abc import Callable
from datetime import datetime, time, timedelta
from pathlib import Path
from typing import Any

from models.cycle_context import load_context
from models.db import session_scope
from models.settings import get_settings
from models.stages import Stage
from tasks.engine.planning import stages_with_work
from tasks.engine.reminders import queue_digest, queue_ladder
from tasks.engine.runtime import engine_for
from tasks.mail.delivery import deliver_pending


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("database_url")
    parser.add_argument("cycle_id")
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--flow", action="store_true", help="also whole tick flows, against a fresh Prefect server")
    args = parser.parse_args()
    engine = engine_for(args.database_url)
    settings = get_settings()
    with session_scope(engine) as session:
        ctx = load_context(session, args.cycle_id)
    at = ctx.calendar.at_local(ctx.spec.season.to, time(23))

    def plan() -> Any:
        with session_scope(engine) as session:
            return stages_with_work(session, load_context(session, args.cycle_id), at=at)

    def ladders() -> Any:
        with session_scope(engine) as session:
            context = load_context(session, args.cycle_id)
            return {stage.value: queue_ladder(session, context, settings, stage=stage.value, at=at) for stage in Stage}

    def digest() -> Any:
        with session_scope(engine) as session:
            return queue_digest(session, load_context(session, args.cycle_id), settings, at=at)

    def deliver() -> Any:
        return deliver_pending(engine, settings, cycle_id=args.cycle_id, at=at)

    steps: dict[str, Callable[[], Any]] = {"plan": plan, "ladders": ladders, "digest": digest, "deliver": deliver}
    for name, step in steps.items():
        step()  # warm: caches, the first connection
        profiler = None
        if args.profile:
            from pyinstrument import Profiler

            profiler = Profiler()
            profiler.start()
        started = clock.perf_counter()
        result = step()
        elapsed = clock.perf_counter() - started
        if profiler is not None:
            profiler.stop()
            print(profiler.output_text(unicode=True, color=False))
        print(f"{name:>8}: {elapsed * 1000:8.1f} ms  {result}")
    if args.flow:
        time_flows(args.database_url, args.cycle_id, at, profile=args.profile)


def time_flows(url: str, cycle_id: str, at: datetime, *, profile: bool) -> None:
    from cli.orchestration import PrefectServer
    from flows.tick import tick
    from tasks.engine.runtime import using_database

    with tempfile.TemporaryDirectory() as home, PrefectServer(Path(home)) as server, server.in_use(), \
            using_database(url):
        for minute in range(6):
            profiler = None
            if profile and minute == 5:
                from pyinstrument import Profiler

                profiler = Profiler()
                profiler.start()
            started = clock.perf_counter()
            tick(cycle_id=cycle_id, at=at + timedelta(minutes=minute))
            print(f"tick {minute}: {clock.perf_counter() - started:.3f} s")
            if profiler is not None:
                profiler.stop()
                print(profiler.output_text(unicode=True, color=False, show_all=True))


if __name__ == "__main__":
    main()
