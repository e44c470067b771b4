"""`parindex outbox` and `parindex extend` as an operator types them, on the run's database."""

import json

from sqlalchemy import func, select

from models.db import session_scope
from models.tables import Deadline, HistoryEntry
from tests.cli.runner import run
from tests.tasks.test_extensions import MONDAY, advance

AT = MONDAY.isoformat()


def snapshot(db) -> tuple[int, int]:
    with session_scope(db) as session:
        return (session.scalar(select(func.count()).select_from(Deadline)),
                session.scalar(select(func.count()).select_from(HistoryEntry)))


def test_outbox_lists_a_units_messages_as_json(loaded_hanoi, db, database_url):
    advance(db, MONDAY)
    result = run("outbox", "--unit", "SNV", "--json", "--db", database_url)
    assert result.returncode == 0, result.stderr
    (message,) = json.loads(result.stdout)
    assert (message["kind"], message["status"], message["to"]) == ("reminder", "pending", "sonoivu@hanoi.example")
    assert message["key"] == "hanoi-2023|unit:SNV|task5|d-3|20231130T1700Z" and message["last_error"] is None
    table = run("outbox", "--kind", "reminder", "--status", "pending", "--limit", "5", "--db", database_url)
    assert table.returncode == 0 and "Hộp thư đi: 5 / 52 thư" in table.stdout
    assert "Đang hiện 5 / 52 thư" in table.stdout  # it says that it limits
    limited = run("outbox", "--json", "--limit", "3", "--db", database_url)
    assert len(json.loads(limited.stdout)) == 3 and "Đang hiện 3 / 52 thư" in limited.stderr
    lower = run("outbox", "--unit", "snv", "--json", "--db", database_url)  # a code in any case
    assert [m["assignee"] for m in json.loads(lower.stdout)] == ["unit:SNV"]


def test_extend_moves_the_deadline_and_says_what_it_cancelled(loaded_hanoi, db, database_url):
    advance(db, MONDAY)
    result = run("extend", "5", "--cycle", "hanoi-2023", "--unit", "snv", "--unit", "STP", "--until", "08/12/2023",
                 "--reason", "mất điện", "--by", "Nguyễn Văn A", "--at", AT, "--db", database_url)
    assert result.returncode == 0, result.stderr
    assert "Đã gia hạn nhiệm vụ 5 cho 2 đơn vị/cơ quan đến hết ngày 08/12/2023" in result.stdout
    assert "2 thư cũ bị huỷ, 2 thư báo gia hạn kèm lịch mới" in result.stdout
    cancelled = json.loads(run("outbox", "--status", "cancelled", "--json", "--db", database_url).stdout)
    notices = json.loads(run("outbox", "--kind", "extended", "--json", "--db", database_url).stdout)
    assert {m["assignee"] for m in notices} == {"unit:SNV", "unit:STP"} and all(m["status"] == "pending" for m in notices)
    assert {m["assignee"] for m in cancelled} == {"unit:SNV", "unit:STP"}
    assert all(m["last_error"] == "đã gia hạn: mất điện" for m in cancelled)


def test_refused_extensions_exit_non_zero_and_change_nothing(loaded_hanoi, db, database_url):
    advance(db, MONDAY)
    before = snapshot(db)
    common = ("--cycle", "hanoi-2023", "--until", "08/12/2023", "--by", "A", "--at", AT, "--db", database_url)
    cases = {
        ("extend", "5", "--unit", "NOPE", "--reason", "r", *common): "không có đơn vị NOPE",
        ("extend", "5", "--unit", "SNV", "--reason", " ", *common): "--reason không được để trống",
        ("extend", "5", "--reason", "r", *common): "--unit MÃ (lặp lại được) hoặc --all",
        ("extend", "42", "--all", "--reason", "r", *common): "không có nhiệm vụ số 42",
        ("extend", "5", "--all", "--reason", "r", "--cycle", "hanoi-2023", "--until", "31/13/2023", "--by", "A",
         "--db", database_url): "không phải một ngày",
    }
    for args, message in cases.items():
        result = run(*args)
        assert result.returncode == 1, (args, result.stdout)
        assert message in result.stderr and "Traceback" not in result.stderr, result.stderr
    assert snapshot(db) == before
