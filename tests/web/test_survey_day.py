"""Survey day, small: benchmarks/survey_day.py with 300 respondents queued, two portal processes and 10 Locust
users for 15 seconds, on PostgreSQL when the suite has it. No request fails, every response a respondent saw
thanked is in the database, and no link counts more than its quota. (The full run's figures are in
benchmarks/RESULTS.md.)"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from tests.conftest import ROOT

pytestmark = [pytest.mark.slow, pytest.mark.one_pass]


def test_respondents_answer_at_their_links_under_load_and_nothing_is_lost_or_over_quota() -> None:
    server = os.environ.get("PARINDEX_TEST_DATABASE_URL", "")
    db = server if server.startswith("postgresql") else "sqlite"
    run = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "survey_day.py"), "--respondents", "300",
                          "--workers", "2", "--users", "10", "--seconds", "15", "--db", db, "--no-record", "--json"],
                         capture_output=True, text=True, timeout=600, cwd=ROOT)
    assert run.returncode == 0, run.stderr[-3000:]
    figures = json.loads(run.stdout)
    assert figures["total"]["failures"] == 0, figures
    assert figures["thanked"] >= 20 and figures["counted"] + figures["set_aside"] >= figures["thanked"], figures
    assert (figures["lost"], figures["over_quota_links"]) == (0, 0), figures
    assert figures["routes"]["POST /khao-sat/[link] send"]["requests"] >= 20
