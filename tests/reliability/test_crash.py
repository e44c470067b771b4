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
from models.tables import Assignment, AssignmentStatus, MessageStatus, OutboxMessage, Unit
from tests.cli.test_cycle_cli import PARINDEX, ROOT

pytestmark = [pytest.mark.reliability, pytest.mark.crash, pytest.mark.usefixtures("prefect_harness")]
KILLS = 30


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
    assert duplicates <= ticker.kills  # at most the one message each kill caught in its window
    figures.update(kills=ticker.kills, losses=len(lost), duplicates=duplicates)
