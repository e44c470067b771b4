"""Hostile command lines: every bad argument is one line and exit 1 or 2, never a traceback; output never
interprets data as markup; a read never creates a database; an instant without an offset is the cycle's."""

from __future__ import annotations

import shutil
import sqlite3
from contextlib import closing
from pathlib import Path

import pytest
from sqlalchemy import select

from models.db import session_scope
from models.tables import ScoreVersion
from tests.cli.runner import run
from tests.conftest import HANOI
from tests.forms.conftest import database_state, fill, template

pytestmark = [pytest.mark.reliability, pytest.mark.one_pass]  # --db, --at, …: the test database is not used


def assert_one_line_refusal(result, *pieces: str, codes=(1, 2)) -> None:  # type: ignore[no-untyped-def]
    assert result.returncode in codes, result.stdout + result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert 1 <= len(lines) <= 4, result.stderr
    for piece in pieces:
        assert piece in result.stderr, result.stderr


def test_a_valid_file_under_a_markup_like_path_is_accepted_and_printed_as_it_is(opened, database_url, tmp_path):
    folder = tmp_path / "d" / "[/bold]"
    folder.mkdir(parents=True)
    form = fill(template(opened, tmp_path, "self-assessment", name="SNV [final].xlsx", unit="SNV"))
    path = folder / form.name
    shutil.copy(form, path)
    result = run("submit", "self-assessment", str(path), "--at", "2023-11-20T10:00:00+07:00", "--db", database_url)
    assert result.returncode == 0, result.stderr
    assert f"đã nhận {path}:" in result.stdout


def test_an_instant_without_offset_is_read_in_the_cycles_zone(opened, database_url, tmp_path):
    """20:00 on the deadline day in Hanoi is on time; read as UTC it would be 03:00 the next day, late."""
    form = fill(template(opened, tmp_path, "self-assessment", unit="SNV"))
    result = run("submit", "self-assessment", str(form), "--at", "2023-11-30T20:00:00", "--db", database_url)
    assert result.returncode == 0, result.stderr
    assert "read in Asia/Ho_Chi_Minh as 2023-11-30T20:00:00+07:00" in result.stderr
    assert "late" not in result.stdout
    with session_scope(opened) as session:
        assert session.scalar(select(ScoreVersion.late)) is False


@pytest.mark.parametrize(("args", "pieces"), [
    (("tick", "hanoi-2023", "--at", "0001-01-01T00:00:00+07:00"), ("năm phải từ 2000",)),
    (("tick", "hanoi-2023", "--at", "next tuesday"), ("không phải một thời điểm ISO 8601",)),
    (("extend", "5", "--cycle", "hanoi-2023", "--all", "--until", "31/12/9999", "--by", "A", "--reason", "r"),
     ("năm phải từ 2000",)),
    (("import", "results", "x.csv", "--year", "0"), ("--year",)),
    (("import", "appraisal", "x.csv", "--round", "1", "--by", ""), ("x.csv", "Không đọc được tệp")),
    (("tick", "hanoi-2023", "--at", ""), ("--at đang trống",)),
    (("template", "self-assessment", "--cycle", "hanoi-2023", "--unit", "SNV", "-o", "no/such/folder/f.xlsx"),
     ("không tồn tại",)),
])
def test_a_bad_argument_is_one_line(opened, database_url, args, pieces):
    before = database_state(opened)
    assert_one_line_refusal(run(*args, "--db", database_url), *pieces)
    assert database_state(opened) == before


@pytest.mark.parametrize(("by", "rule"), [("body:khong_co", "wrong-sender"), ("operator:Lan\n[bold red]x", "bad-sender"),
                                         ("operator:" + "x" * 200, "bad-sender"), ("unit:snv", "wrong-sender")])
def test_a_sender_that_is_not_one_is_refused(opened, database_url, tmp_path, by, rule):
    form = fill(template(opened, tmp_path, "self-assessment", unit="SNV"))
    before = database_state(opened)
    result = run("submit", "self-assessment", str(form), "--by", by, "--at", "2023-11-20T10:00:00+07:00",
                 "--db", database_url)
    assert result.returncode == 1 and f"[{rule}]" in result.stderr and "Traceback" not in result.stderr
    assert database_state(opened) == before


def test_a_template_never_overwrites_a_filled_form(opened, database_url, tmp_path):
    form = fill(template(opened, tmp_path, "self-assessment", unit="SNV"))
    filled = form.read_bytes()
    result = run("template", "self-assessment", "--cycle", "hanoi-2023", "--unit", "SNV", "-o", str(form),
                 "--db", database_url)
    assert_one_line_refusal(result, "tệp đã có")
    assert form.read_bytes() == filled
    assert run("template", "self-assessment", "--cycle", "hanoi-2023", "--unit", "SNV", "-o", str(form), "--force",
               "--db", database_url).returncode == 0


def bad_databases(tmp_path: Path) -> dict[str, tuple[str, str]]:
    (tmp_path / "folder.db").mkdir()
    (tmp_path / "notes.db").write_text("not a database", encoding="utf-8")
    with closing(sqlite3.connect(tmp_path / "other.db")) as other:  # another program's SQLite database
        other.execute("CREATE TABLE notes (text TEXT)")
        other.commit()
    return {
        "another program's database": (f"sqlite:///{tmp_path / 'other.db'}", "không phải cơ sở dữ liệu của parindex"),
        "a folder": (f"sqlite:///{tmp_path / 'folder.db'}", "là một thư mục"),
        "a file that is not a database": (f"sqlite:///{tmp_path / 'notes.db'}", "không phải cơ sở dữ liệu SQLite"),
        "a closed PostgreSQL port": ("postgresql://parindex@127.0.0.1:1/x", "không kết nối được"),
        "an unparsable URL": ("::not a url::", "không phải một địa chỉ cơ sở dữ liệu"),
        "an unsupported scheme": ("mysql://a@localhost/b", "không hỗ trợ loại"),
        "a new path": (f"sqlite:///{tmp_path / 'new' / 'parindex.db'}", "không có cơ sở dữ liệu tại"),
        "an in-memory database": ("sqlite://", "trong bộ nhớ"),
        "a device": ("sqlite:////dev/null", "không phải một tệp thường"),
    }


@pytest.mark.parametrize("case", ["a folder", "a file that is not a database", "another program's database", "a closed PostgreSQL port",
                                  "an unparsable URL", "an unsupported scheme", "a new path", "an in-memory database",
                                  "a device"])
@pytest.mark.parametrize("command", [("status", "hanoi-2023"), ("history", "--cycle", "hanoi-2023", "--unit", "SNV"),
                                     ("submit", "self-assessment", "x.csv")])
def test_a_bad_database_is_one_line_and_a_read_creates_nothing(tmp_path, case, command):
    url, piece = bad_databases(tmp_path)[case]
    assert_one_line_refusal(run(*command, "--db", url), piece)
    assert not (tmp_path / "new").exists()


def test_a_database_that_cannot_be_created_is_one_line():
    assert_one_line_refusal(run("cycle", "load", str(HANOI), "--db", "sqlite:////proc/parindex/x.db"),
                            "không tạo được tệp /proc/parindex/x.db")
