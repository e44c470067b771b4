"""Plan edits in a season running now (real clock): the self-assessment deadline passed a few days ago, a unit
joins, then the plan moves the deadline later. Each change is shown before it is applied, applied with --yes,
and does what an operator's extension does: overdue units open again, each is told with the calendar entry's
SEQUENCE raised, the reminder ladder starts over, and a unit that joins late has its own deadline."""

from __future__ import annotations

import json
import re
from datetime import date, timedelta
from pathlib import Path

import pytest

from cli.orchestration import _free_port
from notifications.capture import CaptureServer
from tests.cli.test_season_now import CYCLE, Season, mails, today
from tests.today import season_around, self_assessment_due

# a season around today's date, on the real clock: minutes of subprocesses, in `make test`, not `make check`
pytestmark = pytest.mark.slow

PASSED = -5  # the self-assessment deadline passed 5 to 11 days ago


@pytest.fixture
def late_season(database_url: str, db, tmp_path: Path):  # type: ignore[no-untyped-def]
    season_around(today(), tmp_path, days_left=PASSED)
    with CaptureServer(tmp_path / "mails") as smtp:
        yield Season(database_url, tmp_path, smtp.port, _free_port()), smtp


def task5(season: Season) -> dict:
    return next(task for task in season.status()["tasks"] if task["number"] == 5)


def kinds(season: Season, unit: str | None = None) -> list[str]:
    """The kinds of every message the outbox holds (sent, or waiting), for one unit or all."""
    listed = season.run("outbox", "--cycle", CYCLE, *(("--unit", unit) if unit else ()), "--limit", "10000",
                        "--json")
    return [mail["kind"] for mail in json.loads(listed.stdout)]


def move_self_assessment_due(folder: Path, old: date, new: date) -> None:
    plan = folder / "plan.toml"
    text = plan.read_text(encoding="utf-8")
    assert f'due = "{old:%d/%m/%Y}"' in text
    plan.write_text(text.replace(f'due = "{old:%d/%m/%Y}"', f'due = "{new:%d/%m/%Y}"'), encoding="utf-8")


def test_a_late_unit_and_a_deadline_moved_after_it_passed(late_season) -> None:  # type: ignore[no-untyped-def]
    run, smtp = late_season
    folder = run.folder / CYCLE
    run.run("cycle", "load", str(folder))
    run.run("tick", CYCLE)
    assert len(mails(smtp, "opened")) == 52 and task5(run)["overdue"] == 52  # loaded after the deadline
    # (the overdue notices themselves wait for office hours on a working day: the real clock decides when)

    # a unit joins after the deadline: its own deadline, said before and applied with --yes
    with (folder / "units.csv").open("a", encoding="utf-8") as units:
        units.write("SMOI,Sở Mới thành lập,so,so,somoi@hanoi.example,giamdoc.somoi@hanoi.example\n")
    with (folder / "population.csv").open("a", encoding="utf-8") as population:  # whom its survey asks
        population.writelines(f"SMOI,{group},{people}\n" for group, people in enumerate((95, 20, 350, 90, 4000), 1))
    shown = run.run("cycle", "load", str(folder))
    assert "CHƯA ÁP DỤNG" in shown.stdout and "--yes" in shown.stdout
    assert "nhiệm vụ 5: 1 đơn vị mới có hạn riêng" in shown.stdout
    assert "SMOI" not in {unit["code"] for unit in run.status()["units"]}  # nothing applied
    run.run("cycle", "load", str(folder), "--yes")
    run.run("tick", CYCLE)
    late = [m for m in mails(smtp, "opened") if m["To"] == "somoi@hanoi.example"]
    # its window opened, and its survey links mailed (the season's survey is open)
    assert len(late) == 1 and sorted(kinds(run, "SMOI")) == ["opened", "survey_links"]
    joined = next(unit for unit in run.status()["units"] if unit["code"] == "SMOI")
    assert joined["state"] == "self_assessing" and not joined["overdue"]

    # the plan moves the passed deadline ten days after today
    old, new = self_assessment_due(today(), PASSED), today() + timedelta(days=10)
    move_self_assessment_due(folder, old, new)
    shown = run.run("cycle", "load", str(folder))
    assert "CHƯA ÁP DỤNG" in shown.stdout
    assert "nhiệm vụ 5: 52 đơn vị/cơ quan đang làm nhận thư báo hạn mới" in shown.stdout
    assert "52 đang quá hạn được mở lại" in shown.stdout
    assert task5(run)["overdue"] == 52  # a dry run writes nothing
    run.run("cycle", "load", str(folder), "--yes")
    assert task5(run)["overdue"] == 0
    before = kinds(run).count("overdue")
    run.run("tick", CYCLE)
    told = mails(smtp, "extended")
    assert len(told) == 52 and "somoi@hanoi.example" not in {m["To"] for m in told}  # SMOI keeps its own
    notice = next(m for m in told if m["To"] == "sonoivu@hanoi.example")
    assert "Đổi hạn" in notice["Subject"] and "thay đổi theo kế hoạch sửa đổi" in notice.get_body(
        ("plain",)).get_content()
    entry = next(part for part in notice.walk() if part.get_content_type() == "text/calendar")
    assert re.search(r"^SEQUENCE:1\r?$", entry.get_content(), re.MULTILINE)
    assert kinds(run).count("overdue") == before  # no second overdue notice, now or waiting for office hours
    assert {o["task"] for unit in run.status()["units"] for o in unit["overdue"]} <= {3, 4}  # bodies' own tasks


def test_a_deadline_moved_before_it_passed_tells_each_unit(database_url: str, db, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    season_around(today(), tmp_path)
    with CaptureServer(tmp_path / "mails") as smtp:
        run = Season(database_url, tmp_path, smtp.port, _free_port())
        folder = tmp_path / CYCLE
        run.run("cycle", "load", str(folder))
        run.run("tick", CYCLE)
        old = self_assessment_due(today())
        move_self_assessment_due(folder, old, old - timedelta(days=3))  # earlier: said so, and needs --yes
        shown = run.run("cycle", "load", str(folder))
        assert "CHƯA ÁP DỤNG" in shown.stdout and "SỚM HƠN" in shown.stdout
        run.run("cycle", "load", str(folder), "--yes")
        run.run("tick", CYCLE)
        told = mails(smtp, "extended")
        assert len(told) == 52 and all("Hạn sớm hơn" in m["Subject"] for m in told)
        entry = next(part for part in told[0].walk() if part.get_content_type() == "text/calendar")
        assert re.search(r"^SEQUENCE:1\r?$", entry.get_content(), re.MULTILINE)
