"""Crash: every tick of a season runs as `parindex tick` in its own process, killed (SIGKILL) at seeded
random moments and run again; afterwards nothing is lost, nothing is inconsistent, and the only
duplicates are messages killed between the server's acceptance and their marking."""

from __future__ import annotations

import email
import json
import os
import random
import subprocess
import time
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
from tests.cli.test_cycle_cli import PARINDEX, ROOT
from tests.forms.conftest import database_state, fill, rows_of_sheet, template

pytestmark = [pytest.mark.reliability, pytest.mark.crash, pytest.mark.usefixtures("prefect_harness")]
KILLS = 30
IMPORT_KILLS = 10


class KillingTicker:
    """Runs each tick in a process; until KILLS kills are done, kills many of them part-way."""

    def __init__(self, smtp_port: int, seed: int) -> None:
        self.rng = random.Random(seed)
        self.kills = 0
        self.env = {**os.environ, "PREFECT_API_URL": str(get_current_settings().api.url),
                    "PARINDEX_SMTP_HOST": "127.0.0.1", "PARINDEX_SMTP_PORT": str(smtp_port)}

    def __call__(self, cycle_id: str, database_url: str, at: datetime) -> dict:
        while True:
            process = subprocess.Popen([PARINDEX, "tick", cycle_id, "--at", at.isoformat(), "--db", database_url,
                                        "--json"], cwd=ROOT, env=self.env, stdout=subprocess.PIPE,
                                       stderr=subprocess.PIPE, text=True)
            if self.kills < KILLS and self.rng.random() < 0.7:
                time.sleep(self.rng.uniform(1.5, 4.5))  # interpreter start-up is ~2 s: most kills land mid-tick
                if process.poll() is None:
                    process.kill()
                    process.wait()
                    self.kills += 1
                    continue
            out, err = process.communicate(timeout=300)
            assert process.returncode == 0, err[-2000:]
            return json.loads(out)


def test_a_season_survives_thirty_kills(loaded_hanoi, db, database_url, smtp, figures):
    ticker = KillingTicker(smtp.port, seed=8)
    report = replay_season(database_url=database_url, cycle_id="hanoi-2023", seed=7, ticker=ticker)
    assert ticker.kills == KILLS and report.refused_inputs == []
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
    """`parindex import survey` of every unit's survey points, killed at seeded moments around its write
    (start-up is ~2 s): after each kill the database holds either the state before it or one whole import."""
    survey = fill(template(opened, tmp_path, "survey"), sheet="Điểm ĐTXHH", evidence=False)
    rows = rows_of_sheet(survey, "Điểm ĐTXHH")
    units = len({row["Mã đơn vị"] for row in rows})
    rng, kills = random.Random(11), 0
    command = [PARINDEX, "import", "survey", str(survey), "--at", "2023-12-20T10:00:00+07:00", "--db", database_url]
    while kills < IMPORT_KILLS:
        before = database_state(opened)
        process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        time.sleep(rng.uniform(1.5, 3.5))
        if process.poll() is None:
            process.kill()
            kills += 1
        _, err = process.communicate(timeout=120)
        assert process.returncode in (0, -9), err[-2000:]
        after = database_state(opened)
        versions, lines, history = (after[i] - before[i] for i in range(3))
        assert (versions, lines) in ((0, 0), (units, len(rows))), f"left {versions} version(s), {lines} line(s)"
        assert history == versions and after[4] == before[4]  # one history row a version; no unit moved
    with session_scope(opened) as session:
        assert verify_chain(session, cycle_id="hanoi-2023") is None
    finished = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert finished.returncode == 0, finished.stderr[-2000:]
    assert units == 52
    figures.update(kills=kills, losses=0)
