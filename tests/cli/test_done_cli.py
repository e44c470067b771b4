"""`parindex done`: a body reports its manual task done; the history says who, when and why."""

from sqlalchemy import select

from models.db import session_scope
from models.tables import Assignment, HistoryEntry, PlanTask
from tests.cli.runner import run

AT = "2024-01-03T10:00:00+07:00"


def status_of(db, number: int) -> set[str]:
    with session_scope(db) as session:
        return set(session.execute(select(Assignment.status).join(PlanTask).where(PlanTask.number == number))
                   .scalars())


def test_a_body_reports_its_task_done_once_and_the_history_records_it(loaded_hanoi, db, database_url):
    result = run("done", "14", "--cycle", "hanoi-2023", "--by", "Viện NCPT KT-XH", "--note", "Công văn 12/VNC",
                 "--at", AT, "--db", database_url)
    assert result.returncode == 0, result.stderr
    assert "đã xong nhiệm vụ 14" in result.stdout and "Gửi báo cáo phân tích chi tiết" in result.stdout
    assert status_of(db, 14) == {"done"}
    with session_scope(db) as session:
        (entry,) = session.execute(select(HistoryEntry).where(HistoryEntry.event == "report_done")).scalars()
    assert (entry.actor, entry.reason, entry.to_state) == ("Viện NCPT KT-XH", "Công văn 12/VNC", "done")
    again = run("done", "14", "--cycle", "hanoi-2023", "--by", "Viện NCPT KT-XH", "--db", database_url)
    assert again.returncode == 0 and "đã xong từ trước" in again.stdout


def test_a_units_task_and_an_anonymous_report_are_refused(loaded_hanoi, db, database_url):
    units = run("done", "5", "--cycle", "hanoi-2023", "--by", "A", "--db", database_url)
    assert units.returncode == 1 and "do mọi đơn vị thực hiện" in units.stderr and "Traceback" not in units.stderr
    anonymous = run("done", "14", "--cycle", "hanoi-2023", "--by", " ", "--db", database_url)
    assert anonymous.returncode == 1 and "--by" in anonymous.stderr
    assert status_of(db, 14) == {"waiting"}


def test_a_task_that_completes_by_itself_is_not_reported_done_by_hand(loaded_hanoi, db, database_url):
    appraisal = run("done", "6", "--cycle", "hanoi-2023", "--by", "A", "--db", database_url)
    assert appraisal.returncode == 1 and "tự xong khi" in appraisal.stderr
    assert status_of(db, 6) == {"waiting"}
