"""Where a season's time goes in the parindex process: the bench's season (N synthetic units, a Prefect server,
the SMTP sink) replayed under pyinstrument, with each process's CPU seconds beside it.

    .venv/bin/python benchmarks/profile_season.py 3321 [--db sqlite|postgresql://…] [--out profile.txt]
"""

from __future__ import annotations

import argparse
import os
import shutil
import tempfile
import time as clock
from datetime import time
from pathlib import Path

from cli.bench import cpu_seconds, fresh_database, smtp_sink
from cli.orchestration import PrefectServer
from models.db import upgrade_schema
from models.definition.loader import load_cycle
from models.settings import get_settings


def main() -> None:
    from pyinstrument import Profiler

    from flows.season import replay_season
    from tasks.operations.registration import register_cycle
    from tasks.simulation.synthetic import write_synthetic_cycle

    parser = argparse.ArgumentParser()
    parser.add_argument("units", type=int)
    parser.add_argument("--db", default="sqlite")
    parser.add_argument("--out", type=Path, default=Path("var/season-profile.txt"))
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="parindex-profile-"))
    try:
        url = fresh_database(args.db, work)
        folder = write_synthetic_cycle(work, args.units)
        definition = load_cycle(folder)
        with PrefectServer(work / "prefect") as server, smtp_sink() as (port, sink_pid):
            os.environ.update({"PARINDEX_SMTP_HOST": "127.0.0.1", "PARINDEX_SMTP_PORT": str(port)})
            get_settings.cache_clear()
            with server.in_use():
                pids = {"parindex": os.getpid(), "prefect_server": server.process.pid if server.process else 0,
                        "smtp_sink": sink_pid}
                before = {name: cpu_seconds(pid) for name, pid in pids.items()}
                upgrade_schema(url)
                register_cycle(database_url=url, folder=folder, actor="profile",
                               at=definition.calendar.at_local(definition.spec.season.from_, time(0)))
                profiler = Profiler(interval=0.005)
                started = clock.perf_counter()
                profiler.start()
                replay_season(database_url=url, cycle_id=definition.id, seed=2023)
                profiler.stop()
                wall = clock.perf_counter() - started
                cpu = {name: round(cpu_seconds(pid) - before[name], 1) for name, pid in pids.items()}
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(profiler.output_text(unicode=True, color=False, show_all=False), encoding="utf-8")
        print(f"season {wall:.1f} s for {args.units} units; CPU seconds {cpu}; profile in {args.out}")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
