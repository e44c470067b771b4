"""The due texts plans of 2025 write, in a plan: an hour is when the deadline passes and what letters say;
"Trước Tết" ends on the last working day before the Tết holiday; `cycle show` says how each was read."""

from __future__ import annotations

import json
import os
import shutil
from datetime import datetime, time
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import select

from models.cycle_context import load_context
from models.cycle_store import insert_cycle
from models.db import session_scope
from models.definition.loader import load_cycle
from models.settings import Settings
from models.stages import Stage
from models.tables import OutboxMessage
from tasks.engine.assignments import reconcile_stage
from tasks.engine.reminders import queue_ladder
from tasks.engine.stage_steps import open_self_assessment
from tests.cli.runner import run
from tests.conftest import ROOT

HCM = ZoneInfo("Asia/Ho_Chi_Minh")


def plan_with(tmp_path: Path, **dues: str) -> Path:
    """Hải Phòng 2021 with some tasks' due texts replaced (task 3: the self-assessment)."""
    folder = tmp_path / "haiphong-2021"
    shutil.copytree(ROOT / "calendar" / "haiphong-2021", folder)
    plan = (folder / "plan.toml").read_text(encoding="utf-8")
    for old, new in dues.items():
        assert old in plan
        plan = plan.replace(old, new)
    (folder / "plan.toml").write_text(plan, encoding="utf-8")
    return folder


def test_an_hour_is_when_the_deadline_passes_and_the_reminder_says_it(db, tmp_path):
    folder = plan_with(tmp_path, **{'due = "Hoàn thành trước ngày 22/12/2021"': 'due = "Trước 17h00 ngày 21/12/2021"'})
    definition = load_cycle(folder)
    task = next(t for t in definition.tasks if t.number == 3)
    assert task.due_at == datetime(2021, 12, 21, 17, 0, tzinfo=HCM) and task.last_day.isoformat() == "2021-12-21"
    shown = run("cycle", "show", str(folder), "--json")
    row = next(row for row in json.loads(shown.stdout) if row["number"] == 3)
    assert (row["due_at"], row["reading"]) == ("2021-12-21T17:00:00+07:00", "hạn 17:00 ngày 21/12/2021")
    table = run("cycle", "show", str(folder), env={**os.environ, "COLUMNS": "250"}, process=True)
    assert "│ 21/12/2021 17:00 " in table.stdout and "hạn 17:00 ngày 21/12/2021" in table.stdout
    with session_scope(db) as session:
        insert_cycle(session, definition, at=datetime(2021, 10, 1, tzinfo=HCM), actor="test")
    opens, three_days_before = datetime(2021, 10, 4, 8, 0, tzinfo=HCM), datetime(2021, 12, 16, 8, 0, tzinfo=HCM)
    with session_scope(db) as session:
        ctx = load_context(session, "haiphong-2021")
        for at in (opens, three_days_before):
            reconcile_stage(session, ctx, stage=Stage.SELF_ASSESSMENT.value, at=at, actor="t", flow_run_id=None)
            if at == opens:
                open_self_assessment(session, ctx, settings=Settings(), at=at, actor="t", flow_run_id=None)
        queue_ladder(session, ctx, Settings(), stage=Stage.SELF_ASSESSMENT.value, at=three_days_before)
    with session_scope(db) as session:
        opened = session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "opened").limit(1)).one()
        reminder = session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "reminder").limit(1)).one()
    assert "Hạn gửi: 17:00 ngày Thứ Ba 21/12/2021." in opened.body_text
    assert "DTSTART" in opened.ics or "DUE" in opened.ics  # the opening mail carries the calendar entry
    assert "Hạn hoàn thành: 17:00 ngày Thứ Ba 21/12/2021." in reminder.body_text
    assert reminder.due_at.astimezone(HCM).time() == time(17, 0)


def test_before_tet_ends_on_the_last_working_day_before_the_holiday(tmp_path):
    folder = plan_with(tmp_path, **{'due = "Quý I/2022"': 'due = "Trước Tết Nguyên đán Nhâm Dần"'})
    task = next(t for t in load_cycle(folder).tasks if t.due.text == "Trước Tết Nguyên đán Nhâm Dần")
    # mùng 1 Tết Nhâm Dần is 01/02/2022; 31/01 is the eve, a day off, and so are 29-30/01 (a weekend)
    assert task.last_day.isoformat() == "2022-01-28" and "mùng 1 Tết là 01/02/2022" in task.reading
    assert "28/01/2022" in (task.moved_because or "")
