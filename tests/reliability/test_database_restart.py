"""PostgreSQL restarted in the middle of a season: the tick caught by it fails cleanly, the next completes."""

from __future__ import annotations

import shutil
import subprocess
import threading
import time
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select

from flows.season import replay_season, run_tick_flow
from models.db import is_sqlite, session_scope
from models.history import verify_chain
from models.lifecycle import FINAL_STATE
from models.tables import MessageStatus, OutboxMessage, Unit

pytestmark = [pytest.mark.reliability, pytest.mark.crash, pytest.mark.usefixtures("prefect_harness")]


def restart_postgres() -> None:
    version = sorted(path.name for path in Path("/etc/postgresql").iterdir())[0]
    subprocess.run(["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", "restart"], check=True,
                   timeout=120, capture_output=True)


def test_a_restart_mid_season_loses_nothing(loaded_hanoi, db, database_url, smtp, figures):
    if is_sqlite(database_url) or shutil.which("pg_ctlcluster") is None:
        pytest.skip("PostgreSQL only, with pg_ctlcluster on this machine")
    state = {"ticks": 0, "failed": 0}

    def ticker(cycle_id: str, url: str, at: datetime) -> dict:
        state["ticks"] += 1
        if state["ticks"] in (12, 30):  # restart while these ticks run
            threading.Thread(target=restart_postgres).start()
        for _ in range(60):
            try:
                return run_tick_flow(cycle_id, url, at)
            except Exception:  # the tick fails cleanly; the next run at the same instant completes the work
                state["failed"] += 1
                time.sleep(1)
        raise AssertionError("PostgreSQL did not come back within a minute")

    replay_season(database_url=database_url, cycle_id="hanoi-2023", seed=7, ticker=ticker)
    with session_scope(db) as session:
        assert verify_chain(session, cycle_id="hanoi-2023") is None
        states = dict(session.execute(select(Unit.state, func.count()).group_by(Unit.state)).all())
        unsent = session.scalar(select(func.count()).select_from(OutboxMessage).where(
            OutboxMessage.status != MessageStatus.SENT.value))
    assert states == {FINAL_STATE.value: 52} and unsent == 0
    figures.update(losses=0, retries=state["failed"])
