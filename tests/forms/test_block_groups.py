"""Each block numbers its own respondent groups, any number of them, and says which measure satisfaction."""

from __future__ import annotations

import shutil
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from models.cycle_store import insert_cycle
from models.db import session_scope
from models.definition.loader import load_cycle
from models.forms.problems import FormRejected
from models.tables import ScoreLine, ScoreVersion, Unit
from tasks.engine.events import unit_of_work
from tasks.inputs.imports import Inputs, import_survey
from tests.conftest import HANOI, LOADED_AT
from tests.forms.conftest import SUBMITTED, template


@pytest.fixture
def six_groups(tmp_path, db):
    """hanoi-2023 whose district block asks a sixth group (village heads) ballots; a leaf is averaged over the
    groups that answered (group_without_ballots = "left_out")."""
    folder = tmp_path / "hanoi-2023"
    shutil.copytree(HANOI, folder)
    cycle = folder / "cycle.toml"
    text = cycle.read_text(encoding="utf-8")
    head, districts = text.split('code = "huyen"')
    districts = districts.replace('    "Người dân",\n]\n',
                                  '    "Người dân",\n    "Trưởng thôn, tổ trưởng tổ dân phố",\n]\n', 1)
    cycle.write_text(head + 'code = "huyen"' + districts, encoding="utf-8")
    rules = folder / "criteria.toml"
    rules.write_text(rules.read_text(encoding="utf-8").replace('group_without_ballots = "refused"',
                                                               'group_without_ballots = "left_out"'), encoding="utf-8")
    criteria = folder / "criteria.csv"
    criteria.write_text(criteria.read_text(encoding="utf-8").replace(
        '1.6.1,Mức độ quan tâm của lãnh đạo đơn vị đối với CCHC,2,survey,no,"1,2,3"',
        '1.6.1,Mức độ quan tâm của lãnh đạo đơn vị đối với CCHC,2,survey,no,"1,2,3,6"'), encoding="utf-8")
    districts_codes = [line.split(",")[0] for line in (folder / "units.csv").read_text(encoding="utf-8").splitlines()
                       if ",huyen," in line]
    with (folder / "population.csv").open("a", encoding="utf-8") as population:  # the survey online asks them too
        population.writelines(f"{code},6,120\n" for code in districts_codes)
    definition = load_cycle(folder)  # refused before: "respondent group 6 does not exist (groups 1 to 5)"
    with session_scope(db) as session:
        insert_cycle(session, definition, at=LOADED_AT, actor="test")
    return db


def ballots_file(db, tmp_path, rows):
    path = template(db, tmp_path, "survey")
    book = load_workbook(path)
    del book["Điểm ĐTXHH"]
    for row in rows:
        book["Phiếu"].append(["hanoi-2023", *row, None])
    book.save(path)
    return path


def test_a_sixth_group_is_asked_in_its_block_only(six_groups, tmp_path):
    path = ballots_file(six_groups, tmp_path, [("P-1", "Q-BADINH", 6, "1.6.1", "A"),
                                               ("P-2", "Q-BADINH", 1, "1.6.1", "C")])
    with unit_of_work(six_groups) as session:
        import_survey(session, path, Inputs("", SUBMITTED))
    with session_scope(six_groups) as session:
        points = session.scalar(select(ScoreLine.points).join(ScoreVersion).join(Unit, Unit.id == ScoreVersion.unit_id)
                                .where(Unit.code == "Q-BADINH", ScoreLine.criterion_code == "1.6.1"))
    weights = {"A": Decimal(1), "C": Decimal("0.2")}  # hanoi's answer weights, criteria.toml
    assert points == (2 * (weights["A"] + weights["C"]) / 2).quantize(Decimal("0.001"))
    refused = ballots_file(six_groups, tmp_path, [("P-3", "SNV", 6, "1.6.1", "A")])
    with pytest.raises(FormRejected) as rejected, unit_of_work(six_groups) as session:
        import_survey(session, refused, Inputs("", SUBMITTED))
    assert "group" in str(rejected.value) and "6" in str(rejected.value)  # the Sở block has five groups
