"""Plans of other shapes replay to announcement with no code change: the world reads the cycle's tasks,
stages, blocks and bodies, never hanoi-2023's numbers or codes."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from sqlalchemy import func, select

from flows.season import replay_season
from models.cycle_store import insert_cycle
from models.db import session_scope
from models.definition.loader import load_cycle
from models.lifecycle import FINAL_STATE
from models.tables import Unit
from tests.conftest import HANOI, LOADED_AT

pytestmark = [pytest.mark.flow, pytest.mark.slow, pytest.mark.usefixtures("prefect_harness")]


def without_task_14(folder: Path) -> None:
    """The institute's detailed survey report (task 14) is not in this plan."""
    plan = folder / "plan.toml"
    blocks = plan.read_text(encoding="utf-8").split("[[task]]")
    plan.write_text("[[task]]".join(block for block in blocks if not re.search(r"^number = 14$", block, re.M)),
                    encoding="utf-8")


def district_block_renamed(folder: Path) -> None:
    """The district block is called quan_huyen."""
    cycle = folder / "cycle.toml"
    cycle.write_text(cycle.read_text(encoding="utf-8").replace('code = "huyen"', 'code = "quan_huyen"'),
                     encoding="utf-8")
    units = folder / "units.csv"
    units.write_text(re.sub(r",huyen,(quan|huyen|thi_xa),", r",quan_huyen,\1,", units.read_text(encoding="utf-8")),
                     encoding="utf-8")


@pytest.mark.parametrize("change", [without_task_14, district_block_renamed], ids=lambda change: change.__name__)
def test_a_plan_of_another_shape_replays_to_announcement(change, db, database_url, smtp, tmp_path):
    folder = tmp_path / "hanoi-2023"
    shutil.copytree(HANOI, folder)
    change(folder)
    definition = load_cycle(folder)
    with session_scope(db) as session:
        insert_cycle(session, definition, at=LOADED_AT, actor="test")
    report = replay_season(database_url=database_url, cycle_id=definition.id, seed=7)
    assert report.refused_inputs == []
    with session_scope(db) as session:
        states = dict(session.execute(select(Unit.state, func.count()).group_by(Unit.state)).all())
    assert states == {FINAL_STATE.value: 52}
