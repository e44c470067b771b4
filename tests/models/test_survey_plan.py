"""The survey online as a folder plans it (survey.toml, population.csv, the trees' question column):
questionnaires per block and respondent group, each unit's sample, and the mistakes `cycle check` refuses."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from models.definition.loader import load_cycle
from models.survey_plan import questionnaires, quotas, sample_size
from tests.cli.runner import run
from tests.conftest import ROOT
from tests.models.test_definition import refused, write

pytestmark = pytest.mark.one_pass  # cycle folders only: no database
FOLDER = ROOT / "calendar" / "haiphong-2025"


@pytest.fixture
def copy(tmp_path: Path) -> Path:
    target = tmp_path / "haiphong-2025"
    shutil.copytree(FOLDER, target)
    return target


@pytest.mark.parametrize(("people", "minimum", "expected"), [
    (50_326, 30, (397, "formula")),  # 50 326 / (1 + 50 326 × 0,05²) = 396,85…: rounded up
    (342, 30, (185, "formula")),  # 342 / 1,855 = 184,36…
    (35, 30, (33, "formula")),
    (40, 38, (38, "minimum")),  # the formula gives 37
    (25, 30, (25, "all")),  # fewer people than the minimum: everyone
])
def test_the_sample_is_yamanes_n_rounded_up_at_least_the_minimum_never_more_than_n(people, minimum, expected):
    assert sample_size(people, 5, minimum) == expected


def test_each_block_asks_each_group_the_leaves_of_its_own_tree():
    definition = load_cycle(FOLDER)
    found = {(q.block, q.group): q for q in questionnaires(definition)}
    assert sorted(found) == [("so_nganh", g) for g in range(1, 6)] + [("xa", g) for g in range(1, 5)]
    communes = found[("xa", 4)]  # people: the satisfaction questions of the communes' tree
    assert communes.satisfaction and [q.code for q in communes.questions] == [
        "3.4.1", "3.4.2", "3.4.3", "5.4.2", "7.3.1", "7.3.2", "8.3.1", "8.3.2"]
    assert communes.questions[-1].text == "Ông/Bà hài lòng đến mức nào với việc cung cấp dịch vụ công?"
    assert communes.questions[0].field == "Cải cách thủ tục hành chính và bộ phận một cửa"
    assert not found[("xa", 1)].satisfaction and "3.4.1" not in [q.code for q in found[("xa", 1)].questions]
    assert communes.scale == {"A": "Rất tốt / Rất hài lòng", "B": "Tốt / Hài lòng", "C": "Chưa tốt / Chưa hài lòng",
                              "D": "Kém / Không hài lòng"}


def test_each_unit_has_a_quota_in_each_group_its_block_asks():
    definition = load_cycle(FOLDER)
    found = {(q.unit, q.group): q for q in quotas(definition)}
    assert len(found) == 14 * 5 + 30 * 4
    delegates = found[("SNV", 1)]
    assert (delegates.population, delegates.size, delegates.rule) == (95, 20, "fixed")  # [[fixed]] of survey.toml
    people = found[("DK-BACHLONGVI", 4)]
    assert people.size == sample_size(people.population, 5, 30)[0]


def test_a_folder_running_its_survey_online_must_say_every_question_scale_and_population(copy):
    write(copy, "criteria-xa.csv", "Ông/Bà hài lòng đến mức nào với việc cung cấp dịch vụ công?", "")
    write(copy, "survey.toml", 'D = "Kém / Không hài lòng"', 'E = "Kém"')
    write(copy, "survey.toml", 'block = "so_nganh"', 'block = "so"')
    write(copy, "population.csv", "X-ANLAO,2,", "X-ANLAO,7,")
    write(copy, "population.csv", "SNV,1,95", "SNV-CU,1,95")
    problems = refused(copy)
    assert "criteria-xa.csv: criterion 8.3.2, column question: the survey runs online (survey.toml): each survey " \
           "leaf says its question" in problems
    assert any(p.startswith("survey.toml: scale: answers A, B, C, E differ") for p in problems), problems
    assert "survey.toml: fixed[1].block: unknown block 'so'" in problems
    assert any("column group: block xa has groups 1 to 4" in p for p in problems), problems
    assert any("column unit: 'SNV-CU' is not a unit of units.csv" in p for p in problems), problems
    assert any(p.startswith("population.csv: no population for 2 unit and group(s) the survey asks: SNV (1), "
                            "X-ANLAO (2)") for p in problems), problems


def test_survey_commands_print_the_questionnaires_and_the_plan_and_refuse_a_folder_without_it():
    shown = run("survey", "show", str(FOLDER))
    assert shown.returncode == 0, shown.stderr
    text = " ".join(shown.stdout.split())
    assert "Phiếu hỏi — Khối xã, phường, đặc khu, nhóm 4: Người dân (nhóm đo sự hài lòng" in text
    assert "Thang trả lời: A. Rất tốt / Rất hài lòng; B. Tốt / Hài lòng" in text and "9 phiếu hỏi." in text
    planned = run("survey", "plan", str(FOLDER), "--json")
    assert planned.returncode == 0 and len(json.loads(planned.stdout)) == 190
    summary = run("survey", "plan", str(FOLDER)).stdout
    assert "44 đơn vị, 190 nhóm cần khảo sát:" in " ".join(summary.split())
    without = run("survey", "plan", str(ROOT / "calendar" / "hanoi-2026"))
    assert without.returncode == 1 and "không điều tra trực tuyến: thêm survey.toml" in without.stderr
    assert "Traceback" not in without.stderr


def test_a_group_fixed_twice_and_a_fieldwork_task_the_plan_lacks_are_refused(copy):
    with (copy / "survey.toml").open("a", encoding="utf-8") as survey:
        survey.write('\n[[fixed]]\nblock = "so_nganh"\ngroup = 1\nsize = 3\n')
    text = (copy / "survey.toml").read_text(encoding="utf-8")
    (copy / "survey.toml").write_text('fieldwork = "nope"\n' + text, encoding="utf-8")
    problems = refused(copy)
    assert any("fixed[2]: block so_nganh group 1 is fixed already (fixed[1])" in p for p in problems), problems
    assert "survey.toml: fieldwork: no task of plan.toml has the key 'nope'" in problems, problems
