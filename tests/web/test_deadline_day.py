"""Deadline day, small: benchmarks/deadline_day.py as `make bench` runs it, with 300 units, two portal processes
and 20 Locust users for 15 seconds, on PostgreSQL when the suite has it. No request fails, and every upload a
unit saw accepted is in the database and the history exactly once; none is there that nobody saw accepted. (The
figures of the full run, 3,321 units with 1 and 4 processes, are in benchmarks/RESULTS.md.)"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from tests.conftest import ROOT

pytestmark = [pytest.mark.slow, pytest.mark.one_pass]


def test_300_units_submit_on_deadline_day_and_nothing_is_lost() -> None:
    server = os.environ.get("PARINDEX_TEST_DATABASE_URL", "")
    db = server if server.startswith("postgresql") else "sqlite"
    run = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "deadline_day.py"), "--units", "300",
                          "--workers", "2", "--users", "20", "--seconds", "15", "--db", db, "--no-record", "--json"],
                         capture_output=True, text=True, timeout=600, cwd=ROOT)
    assert run.returncode == 0, run.stderr[-3000:]
    (figures,) = json.loads(run.stdout)["runs"]
    assert figures["total"]["failures"] == 0, figures
    assert figures["accepted"] >= 50 and figures["in_database"] == figures["accepted"], figures
    assert (figures["lost"], figures["duplicated"], figures["unseen"], figures["history_mismatch"]) == (0, 0, 0, 0)
    routes = figures["routes"]
    assert routes["POST /unit/upload/[kind]"]["requests"] >= 50 and routes["GET /staff/[cycle]"]["requests"] >= 1
