"""Crash: every tick of a season runs as `parindex tick` in its own process, killed (SIGKILL) at named points
chosen by a seed (models.faults) and run again; afterwards nothing is lost, nothing is inconsistent, and the
only duplicates are messages killed between the server's acceptance and their marking."""

from __future__ import annotations

import email
import json
import os
import random
import signal
import subprocess
from collections import Counter
from datetime import datetime

import pytest
from prefect.settings import get_current_settings
from sqlalchemy import func, select

from flows.season import replay_season
from models.db import session_scope
from models.history import verify_chain
from models.lifecycle import FINAL_STATE
from models.settings import Settings
from models.tables import Assignment, AssignmentStatus, MessageStatus, OutboxMessage, Unit
from tests.cli.runner import PARINDEX, ROOT
from tests.forms.conftest import database_state, fill, rows_of_sheet, template

pytestmark = [pytest.mark.reliability, pytest.mark.crash, pytest.mark.usefixtures("prefect_harness")]
KILLS = 30
IMPORT_KILLS = 10


class KillingTicker:
    """Runs each tick in a process; until KILLS kills are done, most runs carry a fault planned by the seed: a
    SIGKILL at the n-th time the process reaches a named point (models.faults), so every planned kill that its
    tick reaches lands, on any machine, however fast."""

    def __init__(self, smtp_port: int, seed: int) -> None:
        self.rng = random.Random(seed)
        self.kills = 0
        self.where: Counter[str] = Counter()
        self.env = {**os.environ, "PREFECT_API_URL": str(get_current_settings().api.url),
                    "PARINDEX_SMTP_HOST": "127.0.0.1", "PARINDEX_SMTP_PORT": str(smtp_port)}

    def __call__(self, cycle_id: str, database_url: str, at: datetime) -> dict:
        while True:
            env = dict(self.env)
            env.pop("PARINDEX_FAULT", None)
            point = None
            if self.kills < KILLS and self.rng.random() < 0.7:
                point = self.rng.choice(("commit", "commit", "smtp-accepted"))
                env["PARINDEX_FAULT"] = f"{point}:{self.rng.randint(1, 3)}"
            process = subprocess.run([PARINDEX, "tick", cycle_id, "--at", at.isoformat(), "--db", database_url,
                                      "--json"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
            if process.returncode == -signal.SIGKILL:
                assert point is not None, process.stderr[-2000:]
                self.kills += 1
                self.where[point] += 1
                continue  # the same tick again, as the scheduler would run it
            assert process.returncode == 0, process.stderr[-2000:]
            return json.loads(process.stdout)


def test_a_season_survives_thirty_kills(loaded_hanoi, db, database_url, smtp, figures):
    ticker = KillingTicker(smtp.port, seed=8)
    report = replay_season(database_url=database_url, cycle_id="hanoi-2023", seed=7, ticker=ticker)
    assert ticker.kills == KILLS and report.refused_inputs == []
    assert ticker.where["commit"] and ticker.where["smtp-accepted"]  # both kinds of kill landed
    with session_scope(db) as session:
        assert verify_chain(session, cycle_id="hanoi-2023") is None
        states = dict(session.execute(select(Unit.state, func.count()).group_by(Unit.state)).all())
        unfinished = session.scalar(select(func.count()).select_from(Assignment).where(
            Assignment.status.not_in([AssignmentStatus.DONE.value, AssignmentStatus.MISSED.value])))
        keys = dict(session.execute(select(OutboxMessage.idempotency_key, OutboxMessage.status)).all())
    assert states == {FINAL_STATE.value: 52} and unfinished == 0
    received = Counter(email.message_from_bytes(path.read_bytes())["X-Parindex-Key"] for path in smtp.messages())
    lost = [key for key, status in keys.items() if status != MessageStatus.SENT.value or key not in received]
    duplicates = sum(count - 1 for count in received.values())
    assert lost == [] and set(received) == set(keys)
    # at most the one message each SMTP session of a killed tick had in its window
    assert duplicates <= ticker.kills * Settings().smtp_connections
    figures.update(kills=ticker.kills, losses=len(lost), duplicates=duplicates)


def test_an_import_killed_part_way_records_all_of_it_or_nothing(opened, database_url, tmp_path, figures):
    """`parindex import survey` of every unit's survey points, killed at a seeded named point of its write
    (every row written and not committed, or inside the commit's transaction): after each kill the database holds
    the state before it; the import run again without a fault records the whole file once."""
    survey = fill(template(opened, tmp_path, "survey"), sheet="Điểm ĐTXHH", evidence=False)
    rows = rows_of_sheet(survey, "Điểm ĐTXHH")
    units = len({row["Mã đơn vị"] for row in rows})
    rng, kills = random.Random(11), 0
    command = [PARINDEX, "import", "survey", str(survey), "--at", "2023-12-20T10:00:00+07:00", "--db", database_url]
    while kills < IMPORT_KILLS:
        before = database_state(opened)
        fault = f"{rng.choice(('import-write', 'commit'))}:1"
        process = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=120,
                                 env={**os.environ, "PARINDEX_FAULT": fault})
        assert process.returncode == -signal.SIGKILL, process.stderr[-2000:]
        kills += 1
        assert database_state(opened) == before, fault
    finished = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert finished.returncode == 0, finished.stderr[-2000:]
    after = database_state(opened)
    assert (after[0] - before[0], after[1] - before[1]) == (units, len(rows)) and units == 52
    with session_scope(opened) as session:
        assert verify_chain(session, cycle_id="hanoi-2023") is None
    figures.update(kills=kills, losses=0)
