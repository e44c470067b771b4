"""Plans of other shapes replay to announcement with no code change: the world reads the cycle's tasks,
stages, blocks and bodies, never hanoi-2023's numbers or codes."""

from __future__ import annotations

import re
import shutil
from datetime import UTC, datetime
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
from tests.seasons import assert_recomputed

# Plan shapes are logic, not storage: replayed once, on SQLite (test_tick replays a whole season on both databases)
pytestmark = [pytest.mark.flow, pytest.mark.slow, pytest.mark.once, pytest.mark.usefixtures("prefect_harness")]


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
    survey = folder / "survey.toml"  # its samples and codes name the block too
    survey.write_text(survey.read_text(encoding="utf-8").replace('block = "huyen"', 'block = "quan_huyen"'),
                      encoding="utf-8")


def replayed(db, database_url: str, definition, *, seed: int) -> tuple[list, dict]:  # type: ignore[no-untyped-def]
    """The cycle registered and its season replayed: the inputs it refused, and its units counted by state."""
    with session_scope(db) as session:
        insert_cycle(session, definition, at=LOADED_AT, actor="test")
    report = replay_season(database_url=database_url, cycle_id=definition.id, seed=seed)
    with session_scope(db) as session:
        states = dict(session.execute(select(Unit.state, func.count()).group_by(Unit.state)).all())
    return report.refused_inputs, states


@pytest.mark.parametrize("change", [without_task_14, district_block_renamed], ids=lambda change: change.__name__)
def test_a_plan_of_another_shape_replays_to_announcement(change, db, database_url, smtp, tmp_path):
    folder = tmp_path / "hanoi-2023"
    shutil.copytree(HANOI, folder)
    change(folder)
    definition = load_cycle(folder)
    refused, states = replayed(db, database_url, definition, seed=7)
    assert refused == []
    assert states == {FINAL_STATE.value: 52}
    assert_recomputed(db)  # the auditor's plain recomputation finds no difference


def without_tasks(folder: Path, removed: set[int]) -> None:
    """Remove plan tasks; a task that followed a removed one follows what that one followed."""
    plan = folder / "plan.toml"
    header, *blocks = plan.read_text(encoding="utf-8").split("[[task]]")
    number_of = {int(re.search(r"^number = (\d+)$", b, re.M).group(1)): b for b in blocks}
    follows = {n: [int(x) for x in re.findall(r"\d+", (re.search(r"^after = \[(.*)\]$", b, re.M) or [""])[0]
                                                      .split("=", 1)[-1])] for n, b in number_of.items()}

    def predecessors(number: int) -> list[int]:
        found: list[int] = []
        for before in follows[number]:
            found += predecessors(before) if before in removed else [before]
        return sorted(set(found))

    kept = []
    for number, block in number_of.items():
        if number in removed:
            continue
        if follows[number]:
            block = re.sub(r"^after = \[.*\]$", f"after = {predecessors(number)}", block, flags=re.M)
        kept.append(block)
    plan.write_text("[[task]]".join([header, *kept]), encoding="utf-8")


def no_explanations_round(folder: Path) -> None:
    """The draft is not sent for explanations (tasks 7 and 8): round 2 follows round 1."""
    without_tasks(folder, {7, 8})


def round_one_only(folder: Path) -> None:
    """One appraisal (Hanoi's 2021 plan: the council appraises, then results are announced)."""
    without_tasks(folder, {7, 8, 9})


@pytest.mark.parametrize("change", [no_explanations_round, round_one_only], ids=lambda change: change.__name__)
def test_a_plan_without_some_rounds_replays_to_announcement(change, db, database_url, smtp, tmp_path):
    test_a_plan_of_another_shape_replays_to_announcement(change, db, database_url, smtp, tmp_path)


def test_a_plan_that_cannot_reach_announcement_is_refused_naming_what_it_lacks(tmp_path):
    from models.definition.problems import DefinitionError

    folder = tmp_path / "hanoi-2023"
    shutil.copytree(HANOI, folder)
    without_tasks(folder, {6, 7, 8, 9})
    with pytest.raises(DefinitionError) as refused:
        load_cycle(folder)
    assert any("plan.toml" in str(problem) and "một vòng thẩm định" in str(problem)
               and "appraisal_round1 / appraisal_round2" in str(problem) for problem in refused.value.problems)


def district_groups_ranked_apart(folder: Path) -> None:
    """Quận, huyện and thị xã ranked and published apart (as Hải Phòng ranks nhóm quận and nhóm huyện)."""
    cycle = folder / "cycle.toml"
    cycle.write_text(cycle.read_text(encoding="utf-8").replace(
        'groups = ["quan", "huyen", "thi_xa"]', 'groups = ["quan", "huyen", "thi_xa"]\nrank_groups = true'),
        encoding="utf-8")


def test_groups_ranked_apart_are_published_in_workbook_report_and_letters(db, database_url, smtp, tmp_path):
    import email
    from email import policy

    from openpyxl import load_workbook
    from openpyxl.utils import get_column_letter

    from notifications.workbook import HEADER_ROW
    from tasks.reads.reporting import produce_report

    test_a_plan_of_another_shape_replays_to_announcement(district_groups_ranked_apart, db, database_url, smtp,
                                                         tmp_path)
    with session_scope(db) as session:
        _, xlsx, html = produce_report(session, "hanoi-2023", tmp_path / "report", at=datetime.now(UTC))
    book = load_workbook(xlsx)
    districts = book["Khối quận, huyện, thị xã"]
    header = [cell.value for cell in districts[HEADER_ROW]]
    assert header[6:9] == ["Hạng trong khối", "Xếp loại", "Hạng trong nhóm"]
    rows = list(districts.iter_rows(min_row=HEADER_ROW + 1, values_only=True))
    headings = [index for index, row in enumerate(rows) if row[0] in ("Nhóm quận", "Nhóm huyện", "Nhóm thị xã")]
    assert [rows[index][0] for index in headings] == ["Nhóm quận", "Nhóm huyện", "Nhóm thị xã"]  # a section a group
    quan = rows[headings[0] + 1:headings[1]]
    assert [row[8] for row in quan[:-1]] == list(range(1, 13))  # Hà Nội's 12 quận, ranked among themselves
    assert quan[-1][1] == "Trung bình nhóm quận" and isinstance(quan[-1][5], float)  # and the group's mean
    assert rows[-1][1] == "Trung bình Khối quận, huyện, thị xã"
    assert districts.column_dimensions[get_column_letter(len(header))].hidden  # codes only in the last column
    assert "Hạng trong nhóm" not in [cell.value for cell in book["Khối Sở"][HEADER_ROW]]  # the Sở block is ranked whole
    page = html.read_text(encoding="utf-8")
    assert "Nhóm quận: xếp hạng trong nhóm" in page and "Nhóm thị xã: xếp hạng trong nhóm" in page
    assert "Nhóm Nhóm" not in page and "Trung bình nhóm quận" in page
    letters = [email.message_from_bytes(path.read_bytes(), policy=policy.default) for path in smtp.messages()]
    badinh = next(m for m in letters if m["X-Parindex-Kind"] == "result" and "badinh" in m["To"])
    text = badinh.get_body(("plain",)).get_content()
    assert re.search(r"Xếp hạng trong nhóm quận: \d+/12", text), text
