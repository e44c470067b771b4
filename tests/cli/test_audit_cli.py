"""Operators and auditors at the command line: rerun, history, audit verify and export."""

import csv
import itertools
import json

import pytest

from tests.cli.runner import run
from tests.tamper import EXPECTED, tamper_history
from tests.tasks.test_extensions import MONDAY, advance

AT = MONDAY.isoformat()


def test_history_shows_an_extension_and_a_rerun_in_order_with_who_and_why(opened, database_url):
    advance(opened, MONDAY)
    extend = run("extend", "5", "--cycle", "hanoi-2023", "--unit", "SNV", "--until", "08/12/2023",
                 "--reason", "mất điện", "--by", "Trần B", "--at", AT, "--db", database_url)
    assert extend.returncode == 0, extend.stderr
    refused = run("rerun", "explanations", "--cycle", "hanoi-2023", "--unit", "SNV", "--reason", "r", "--by", "A",
                  "--at", AT, "--db", database_url)
    assert refused.returncode == 1 and "từ trạng thái 'đang tự đánh giá'" in refused.stderr
    rerun = run("rerun", "self_assessment", "--cycle", "hanoi-2023", "--unit", "SNV", "--reason",
                "nộp nhầm biểu mẫu", "--by", "Lê C", "--at", "2023-11-28T09:00:00+07:00", "--db", database_url)
    assert rerun.returncode == 1 and "từ trạng thái 'đang tự đánh giá'" in rerun.stderr  # never left it
    unknown = run("rerun", "survey", "--cycle", "hanoi-2023", "--unit", "SNV", "--reason", "r", "--by", "A",
                  "--db", database_url)
    assert unknown.returncode == 2 and "self_assessment" in unknown.stderr  # the choices are listed
    result = run("history", "--cycle", "hanoi-2023", "--unit", "SNV", "--json", "--db", database_url)
    assert result.returncode == 0, result.stderr
    rows = json.loads(result.stdout)
    events = [(row["entity"], row["event"]) for row in rows]
    assert events[0] == ("unit", "register") and ("unit", "open_self_assessment") in events
    assert ("message", "reminder_queued") in events and ("deadline", "extend") in events
    extension = next(row for row in rows if row["event"] == "extend")
    assert (extension["actor"], extension["reason"], extension["details"]["new_last_day"]) == (
        "Trần B", "mất điện", "2023-12-08")
    cancelled = next(row for row in rows if row["event"] == "reminder_queued")
    assert cancelled["to"] == "cancelled"
    assert [row["at"] for row in rows] == sorted(row["at"] for row in rows)


@pytest.mark.reliability
@pytest.mark.parametrize("how", ["edit", "insert", "delete"])
def test_audit_verify_names_the_first_tampered_row(opened, database_url, how):
    intact = run("audit", "verify", "--db", database_url)
    assert intact.returncode == 0 and "nguyên vẹn hanoi-2023" in intact.stdout
    tamper_history(opened, how)
    broken = run("audit", "verify", "--cycle", "hanoi-2023", "--db", database_url)
    assert broken.returncode == 1
    assert "BỊ SỬA hanoi-2023: dòng sai đầu tiên số 10" in broken.stdout and EXPECTED[how] in broken.stdout


def test_audit_export_writes_the_chain_with_its_hashes(opened, database_url, tmp_path):
    out = tmp_path / "history.csv"
    result = run("audit", "export", "--cycle", "hanoi-2023", "--format", "csv", "-o", str(out), "--db", database_url)
    assert result.returncode == 0, result.stderr
    with out.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert [int(row["seq"]) for row in rows] == list(range(1, len(rows) + 1))
    assert all(row["prev_hash"] == previous["hash"] for previous, row in itertools.pairwise(rows))
    as_json = tmp_path / "history.json"
    assert run("audit", "export", "--cycle", "hanoi-2023", "--format", "json", "-o", str(as_json),
               "--db", database_url).returncode == 0
    assert len(json.loads(as_json.read_text(encoding="utf-8"))) == len(rows)


def test_history_and_outbox_read_at_80_columns_with_names_not_codes(opened, database_url):
    """A terminal 80 columns wide: every line fits, a unit and a body by name, the clock and the outbox in words,
    an address and a subject whole on their lines, points with the published decimals."""
    import os

    advance(opened, MONDAY)
    env = {**os.environ, "COLUMNS": "80", "PARINDEX_LANGUAGE": "vi"}
    history = run("history", "--cycle", "hanoi-2023", "--unit", "SNV", "--db", database_url, env=env, process=True)
    assert history.returncode == 0, history.stderr
    lines = history.stdout.splitlines()
    assert max(len(line) for line in lines) <= 80
    assert "lịch sử của Sở Nội vụ" in lines[0] and "hộp thư đi" in history.stdout, history.stdout
    assert "khối: Khối Sở" in history.stdout
    for code in ("parindex-tick", "unit:SNV", "body:", "khối: so"):
        assert code not in history.stdout, code
    outbox = run("outbox", "--unit", "SNV", "--limit", "3", "--db", database_url, env=env, process=True)
    assert outbox.returncode == 0, outbox.stderr
    lines = outbox.stdout.splitlines()
    assert max(len(line) for line in lines) <= 80 and "unit:SNV" not in outbox.stdout
    assert any("Sở Nội vụ" in line for line in lines)
    assert any("sonoivu@hanoi.example" in line for line in lines)  # an address on one line, never folded
    status = run("status", "hanoi-2023", "--db", database_url, env=env, process=True)
    assert status.returncode == 0, status.stderr
    lines = status.stdout.splitlines()
    assert max(len(line) for line in lines) <= 80 and len(lines) < 150, status.stdout  # no name in syllables
    assert any("│ Văn phòng UBND Thành phố " in line for line in lines)  # a name on one line
    assert any("0/52 đã xong" in line for line in lines)  # a task's counts in words
