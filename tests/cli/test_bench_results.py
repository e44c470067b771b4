"""What `make bench` writes: benchmarks/RESULTS.md from the runs' JSON lines, each goal met or not with the
run's own reason, growth judged against linear with each process's share; and the PostgreSQL server's CPU
time, read from this machine's processes."""

from __future__ import annotations

import importlib.util
import json
import time
from pathlib import Path

import psycopg
import pytest

from cli.bench import postgres_cpu_seconds
from tests.postgres_url import reachable_postgres_url

pytestmark = pytest.mark.one_pass

TABLE = Path(__file__).resolve().parents[2] / "benchmarks" / "results_table.py"
MACHINE = "x86_64, 2 cores, Python 3.11.7"


def results_table():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("results_table", TABLE)
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


def run(units: int, season_s: float, cpu: dict[str, float], **figures: float) -> dict:
    floor = units / 250
    return {"database": "postgresql", "units": units, "machine": MACHINE, "at": "2026-12-02T10:00:00+00:00",
            "season_s": season_s, "floor_s": floor, "season_ratio_vs_floor": round(season_s / floor, 2),
            "naive_prefect_s": units * 0.05, "naive_measured_s": 10.0, "naive_task_runs": 1800,
            "speedup_vs_naive_prefect": round(units * 0.05 / season_s, 1), "transition_s": 0.5, "raw_sql_s": 0.25,
            "transition_ratio_vs_sql": 2.0, "smtp_msgs_per_s": 2000.0, "raw_smtplib_msgs_per_s": 2500.0,
            "smtp_ratio_vs_smtplib": 0.8, "scoring_s": 1.0, "scoring_share_of_season": round(1 / season_s, 4),
            "peak_rss_mb": 900.0, "idle_tick_s": 0.2, "season_cpu_s": cpu, **figures}


def test_results_say_which_goal_is_missed_why_and_which_process_grew(tmp_path):
    runs = [run(10_000, 200.0, {"parindex": 120.0, "prefect_server": 40.0, "smtp_sink": 40.0, "postgresql": 30.0}),
            run(30_000, 700.0, {"parindex": 330.0, "prefect_server": 90.0, "smtp_sink": 120.0, "postgresql": 150.0},
                smtp_ratio_vs_smtplib=0.5, smtp_msgs_per_s=1250.0)]
    source, target = tmp_path / "runs.jsonl", tmp_path / "RESULTS.md"
    source.write_text("".join(json.dumps(r) + "\n" for r in runs), encoding="utf-8")
    results_table().main(source, target)
    text = target.read_text(encoding="utf-8")
    assert "| season_ratio_vs_floor | ≤ 3 | 5.0 ✗ | 5.83 ✗ |" in text
    assert "| transition_ratio_vs_sql | ≤ 2 | 2.0 ✓ | 2.0 ✓ |" in text
    # the reason comes from the run: 120 CPU-s of parindex against a 40 s floor, all four processes on 2 cores
    assert "the parindex process alone used 120.0 CPU-s, 3.0× the floor" in text
    assert "need 2.9× the floor on 2 cores (the PostgreSQL server's included)" in text
    assert "a Prefect task run costs only 5.6 ms" in text
    assert "**smtp_ratio_vs_smtplib** ≥ 0.7" in text and "postgresql at 30,000 (0.5; 1250 against 2500 msgs/s" in text
    assert "postgresql at 10,000 (0.8" not in text  # met there: no reason given
    assert ("season_s grows ×3.50 from 10,000 to 30,000 units (×3.00): faster than linear ✗; CPU per process: "
            "parindex ×2.75, prefect_server ×2.25, smtp_sink ×3.00, postgresql ×5.00") in text
    assert "| postgresql | 30,000 | 330.0 | 90.0 | 120.0 | 150.0 | 690.0 | 345.0 | 700.0 |" in text


def test_the_postgresql_servers_cpu_time_is_read_from_its_processes():
    url = reachable_postgres_url()
    if url is None:
        pytest.skip("no PostgreSQL server answers here")
    before = postgres_cpu_seconds()
    if before is None:
        pytest.skip("the PostgreSQL server runs on another machine: its processes are not visible here")
    with psycopg.connect(url) as connection:  # a backend that works for a while, then ends
        connection.execute("SELECT count(*) FROM generate_series(1, 20000000)").fetchone()
        backend = Path(f"/proc/{connection.info.backend_pid}")
        working = postgres_cpu_seconds()
    for _ in range(1000):  # until the postmaster has reaped it
        if not backend.exists():
            break
        time.sleep(0.01)
    after = postgres_cpu_seconds()
    assert working is not None and working - before >= 0.5  # a live backend's time
    assert after is not None and after >= working  # and once it has ended, in the postmaster's reaped children
