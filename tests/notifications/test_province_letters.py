"""A province writes its own letters: templates in its cycle folder's letters/ replace the defaults part by part;
`cycle check` refuses one that names a variable the letter is not given, naming the file and its line."""

from __future__ import annotations

import shutil
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from models.cycle_context import load_context
from models.cycle_store import insert_cycle
from models.db import session_scope
from models.definition.loader import load_cycle
from models.settings import Settings
from models.stages import Stage
from models.tables import Cycle, OutboxMessage
from tasks.engine.assignments import reconcile_stage
from tasks.engine.reminders import queue_ladder
from tasks.engine.stage_steps import open_self_assessment
from tests.cli.runner import run
from tests.conftest import ROOT

HCM = ZoneInfo("Asia/Ho_Chi_Minh")
OPENS = datetime(2021, 10, 4, 8, 0, tzinfo=HCM)
THREE_DAYS_BEFORE = datetime(2021, 12, 16, 8, 0, tzinfo=HCM)  # "trước ngày 22/12/2021": due Tuesday 21/12
REMINDER = """Kính gửi {{ recipient_name }},

Thành phố Hải Phòng nhắc: còn {{ working_days_left }} ngày làm việc để hoàn thành nhiệm vụ số {{ task_number }}.
{{ task_title }}
Hạn: {{ deadline_end | day }}. Nộp tại: {{ status_url }}

{% for line in signature_lines %}
{{ line }}
{% endfor %}
"""


def province_folder(tmp_path: Path, letters: dict[str, str]) -> Path:
    folder = tmp_path / "haiphong-2021"
    shutil.copytree(ROOT / "calendar" / "haiphong-2021", folder)
    (folder / "letters").mkdir()
    for name, source in letters.items():
        (folder / "letters" / name).write_text(source, encoding="utf-8")
    return folder


def test_a_provinces_reminder_is_sent_in_its_own_words_and_the_other_parts_stay(db, tmp_path):
    folder = province_folder(tmp_path, {"reminder.vi.txt": REMINDER})
    assert run("cycle", "check", str(folder)).returncode == 0
    definition = load_cycle(folder)
    with session_scope(db) as session:
        insert_cycle(session, definition, at=datetime(2021, 10, 1, tzinfo=HCM), actor="test")
    with session_scope(db) as session:
        ctx = load_context(session, "haiphong-2021")
        assert set(ctx.spec.letters) == {"reminder.vi.txt"}  # kept with the cycle, not read from the folder
        for at in (OPENS, THREE_DAYS_BEFORE):
            reconcile_stage(session, ctx, stage=Stage.SELF_ASSESSMENT.value, at=at, actor="t", flow_run_id=None)
            if at == OPENS:
                open_self_assessment(session, ctx, at=at, actor="t", flow_run_id=None)
        queued = queue_ladder(session, ctx, Settings(), stage=Stage.SELF_ASSESSMENT.value, at=THREE_DAYS_BEFORE)
    shutil.rmtree(folder)  # sending needs nothing from the folder
    assert queued == len(definition.units)
    with session_scope(db) as session:
        message = session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "reminder").limit(1)).one()
    assert message.body_text.startswith("Kính gửi ") and "Thành phố Hải Phòng nhắc: còn 3 ngày làm việc" in \
        message.body_text and "Hạn: 21/12/2021." in message.body_text
    assert "<strong>3 ngày làm việc</strong> đến hạn" in message.body_html  # the HTML part is the default
    assert message.subject.startswith("Hạn 21/12/2021")


def test_cycle_check_refuses_a_letter_with_an_unknown_variable_a_wrong_name_or_broken_syntax(db, tmp_path):
    folder = province_folder(tmp_path, {
        "reminder.vi.txt": REMINDER.replace("{{ task_title }}", "{{ ten_nhiem_vu }}"),
        "nhac-han.vi.txt": "x",
        "overdue.vi.subject": "Quá hạn {% if %}",
    })
    checked = run("cycle", "check", str(folder))
    assert checked.returncode == 1
    said = " ".join(checked.stderr.split())
    assert "letters/reminder.vi.txt: dòng 4: mẫu thư dùng biến mà thư này không có: ten_nhiem_vu" in said
    assert "letters/nhac-han.vi.txt: không phải một phần thư" in said
    assert "letters/overdue.vi.subject: dòng 1: mẫu thư viết sai cú pháp jinja2" in said
    loaded = run("cycle", "load", str(folder), "--db", str(db.url))
    assert loaded.returncode == 1
    with session_scope(db) as session:
        assert session.scalar(select(func.count()).select_from(Cycle)) == 0  # nothing registered
