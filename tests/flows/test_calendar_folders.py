"""Every cycle folder in calendar/ checks, replays to announcement and reports: a new province or year is a
folder, not code."""

from __future__ import annotations

import re
from datetime import UTC, datetime, time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from flows.season import replay_season
from models.cycle_store import insert_cycle
from models.db import session_scope
from models.definition.loader import load_cycle
from models.lifecycle import FINAL_STATE
from models.tables import HistoryEntry, Unit
from tasks.reads.reporting import produce_report
from tests.conftest import ROOT
from tests.seasons import assert_recomputed

# Each folder replayed once, on SQLite; the PostgreSQL pass replays a whole season in test_tick.
pytestmark = [pytest.mark.flow, pytest.mark.slow, pytest.mark.once, pytest.mark.usefixtures("prefect_harness")]
FOLDERS = sorted(path for path in (ROOT / "calendar").iterdir() if (path / "cycle.toml").exists())


@pytest.mark.parametrize("folder", FOLDERS, ids=lambda folder: folder.name)
def test_each_cycle_folder_checks_replays_to_announcement_and_reports(folder: Path, db, database_url, smtp,
                                                                      tmp_path):
    definition = load_cycle(folder)
    with session_scope(db) as session:
        season_opens = definition.calendar.at_local(definition.spec.season.from_, time(0))
        insert_cycle(session, definition, at=season_opens, actor="test")
    report = replay_season(database_url=database_url, cycle_id=definition.id, seed=2023)
    assert report.refused_inputs == []
    with session_scope(db) as session:
        states = dict(session.execute(select(Unit.state, func.count()).group_by(Unit.state)).all())
        results, xlsx, html = produce_report(session, definition.id, tmp_path / "report", at=datetime.now(UTC))
    assert states == {FINAL_STATE.value: len(definition.units)}
    assert xlsx.exists() and html.exists() and results.approved_at is not None
    approval = [task for task in definition.tasks if str(task.completion) == "units_reached:approved"]
    if approval:  # the plan sets the council's approval date (haiphong-2021: QĐ 903 of 28/3/2022)
        assert definition.calendar.local_date(results.approved_at) == approval[0].last_day
    assert sum(len(block.units) for block in results.blocks) == len(definition.units)
    assert results.has_satisfaction  # the survey's satisfaction rates became each unit's satisfaction index
    if results.satisfaction_threshold is not None:
        assert sum(sum(block.satisfaction_sides(results.satisfaction_threshold)) for block in results.blocks) \
            == len(definition.units)
    assert "Chỉ số hài lòng" in html.read_text(encoding="utf-8")
    assert_annexes_cite_the_decision(definition, xlsx)
    assert_blocks_scored_on_their_trees(definition, results, xlsx)
    assert_compared_with_predecessors(definition, results, html)
    if definition.spec.decision is not None:  # and so does each result letter
        import email
        from email import policy

        letters = [email.message_from_bytes(path.read_bytes(), policy=policy.default) for path in smtp.messages()]
        results = [m.get_body(("plain",)).get_content() for m in letters if m["X-Parindex-Kind"] == "result"]
        assert results and all(f"công bố tại Quyết định số {definition.spec.decision.number} ngày" in text
                               for text in results)
    assert_recomputed(db, definition.id)  # the auditor's plain recomputation finds no difference
    with session_scope(db) as session:  # every body the history names is one of this cycle's, by its own code
        named = set(session.scalars(select(HistoryEntry.actor).where(
            HistoryEntry.cycle_id == definition.id, HistoryEntry.actor.startswith("body:")).distinct()))
    assert named and named <= {f"body:{body.code}" for body in definition.spec.bodies}, named


def assert_annexes_cite_the_decision(definition, xlsx: Path) -> None:  # type: ignore[no-untyped-def]
    """Each sheet is an annex of the decision cycle.toml names (Hải Phòng: QĐ 903 of 28/3/2022), or a draft with
    its number left blank; a block ranked by groups lists each as "Nhóm …" with its mean."""
    from openpyxl import load_workbook

    book = load_workbook(xlsx)
    decided = definition.spec.decision
    for sheet in book:
        if decided is not None:
            assert sheet["A3"].value == (f"(Kèm theo Quyết định số {decided.number} ngày {decided.issued:%d/%m/%Y} "
                                         f"của {decided.issuer})"), sheet.title
        else:
            assert sheet["A3"].value.startswith("(Kèm theo Quyết định số ……/QĐ-……"), sheet.title
    if definition.criteria_set.survey.satisfaction_threshold_percent is not None:  # the counts QĐ 903 publishes
        notes = [row[0] for row in book["Chỉ số hài lòng"].iter_rows(values_only=True) if str(row[0]).endswith(".")]
        counted = [n for n in notes if re.match(r"\d+ đơn vị đạt chỉ số hài lòng từ \d+,\d+% trở lên; \d+ đơn vị", n)]
        assert len(counted) == len(definition.spec.blocks), notes
    for block in definition.spec.blocks:
        if block.rank_groups:
            first_column = [row[0] for row in book[block.name].iter_rows(min_row=7, values_only=True)]
            second_column = [row[1] for row in book[block.name].iter_rows(min_row=7, values_only=True)]
            for group in block.groups:
                name = definition.spec.groups[group]
                title = name if name.lower().startswith("nhóm") else f"Nhóm {name[0].lower()}{name[1:]}"
                mean = f"Trung bình {title[0].lower()}{title[1:]}"
                assert title in first_column and mean in second_column, (title, first_column)


def assert_blocks_scored_on_their_trees(definition, results, xlsx: Path) -> None:  # type: ignore[no-untyped-def]
    """Each block is reported on its own criteria tree (haiphong-2025: the departments on criteria.csv, the
    communes on criteria-xa.csv): its fields, their maxima, and the headers of its fields' annex."""
    from openpyxl import load_workbook

    book = load_workbook(xlsx)
    field_sheets = [sheet for sheet in book if sheet.title.startswith("Lĩnh vực - ")]  # a block's, in order
    for block, sheet in zip(results.blocks, field_sheets, strict=True):
        tree = definition.criteria_of(block.code)
        fields = [(c.code, c.title) for c in tree if c.parent_code is None]
        assert block.fields == fields, block.code
        assert block.total_max == sum(c.max_points for c in tree if c.parent_code is None)
        assert block.survey_max == sum(c.max_points for c in tree if c.method == "survey")
        header = [cell for cell in next(sheet.iter_rows(min_row=6, max_row=6, values_only=True)) if cell]
        assert [h.split(" (%")[0] for h in header[2:] if h != "Mã đơn vị"] == [f"{code}. {title}" for code, title in fields], header


def assert_compared_with_predecessors(definition, results, html: Path) -> None:  # type: ignore[no-untyped-def]
    """A unit is compared with its predecessors (units.csv): formed from several, with their weighted index; new,
    with "đơn vị mới, không so sánh" and no figure; without the column, with its own code's result."""
    lines = {unit.code: unit for block in results.blocks for unit in block.units}
    for unit in definition.units:
        line = lines[unit.code]
        if unit.predecessors is None:
            assert line.prior_kind == "same" and line.last_year is not None, unit.code
        elif not unit.predecessors:
            assert line.prior_kind == "new" and line.last_year is None and line.change is None, unit.code
        elif len(unit.predecessors) > 1 or unit.predecessors[0].share != 1:
            assert line.prior_kind == "merged" and line.last_year is not None, unit.code
            assert line.prior_sources == tuple(p.code if p.share == 1 else f"{p.code} ({float(p.share * 100):g}%)"
                                               for p in unit.predecessors)  # "HP-SLDTBXH (60%)": the part taken
    if any(unit.predecessors == () for unit in definition.units):
        assert "đơn vị mới, không so sánh" in html.read_text(encoding="utf-8")
