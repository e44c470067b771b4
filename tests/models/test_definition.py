"""Cycle definitions: hanoi-2023 as the plan writes it, and broken copies refused with every mistake."""

import re
from datetime import date
from pathlib import Path

import pytest

from models.definition.loader import load_cycle
from models.definition.problems import DefinitionError
from tests.conftest import HANOI


def test_hanoi_2023_has_the_plans_sixteen_tasks_and_52_units(hanoi):
    assert [task.number for task in hanoi.tasks] == list(range(1, 17))
    assert len(hanoi.units) == 52
    blocks = {block.code: sum(1 for u in hanoi.units if u.block == block.code) for block in hanoi.spec.blocks}
    assert blocks == {"so": 22, "huyen": 30}
    groups = [u.group for u in hanoi.units if u.block == "huyen"]
    assert (groups.count("quan"), groups.count("huyen"), groups.count("thi_xa")) == (12, 17, 1)
    assert all(len(block.respondent_groups) == 5 for block in hanoi.spec.blocks)


def test_unit_tasks_and_body_tasks_are_told_apart(hanoi):
    assert [task.number for task in hanoi.tasks if task.every_unit] == [5, 8]
    assert hanoi.task("survey_results").owner == "vien"


def test_criteria_add_up_to_100_with_70_appraised_and_30_surveyed(hanoi):
    leaves = [c for c in hanoi.criteria if c.is_leaf]
    assert sum(c.max_points for c in hanoi.criteria if c.parent_code is None) == 100
    assert sum(c.max_points for c in leaves if c.method == "appraisal") == 70
    assert sum(c.max_points for c in leaves if c.method == "survey") == 30
    assert len([c for c in hanoi.criteria if c.parent_code is None]) == 8


def test_deadlines_fall_as_the_law_says(hanoi):
    by_number = {task.number: task for task in hanoi.tasks}
    assert by_number[5].last_day == date(2023, 11, 30) and by_number[5].moved_because is None
    assert by_number[8].last_day == date(2024, 1, 8) and "06/01/2024 Thứ Bảy" in by_number[8].moved_because
    assert by_number[9].last_day == date(2024, 1, 22)
    # "trước ngày X" lands before X: the last working day before it (Tết 08-14/02/2024; 30/12/2023 a Saturday)
    assert by_number[16].last_day == date(2024, 2, 7) and by_number[13].last_day == date(2023, 12, 29)
    assert "hạn trước ngày 10/02/2024" in by_number[16].moved_because
    assert "khoản 5 Điều 148" in by_number[8].moved_because  # the Civil Code's clause, as published
    assert by_number[2].due_at is None and by_number[2].last_day is None
    assert by_number[11].opens_at.date() == date(2023, 10, 1)


def write(folder: Path, name: str, old: str, new: str) -> None:
    path = folder / name
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {name}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def refused(folder: Path) -> list[str]:
    with pytest.raises(DefinitionError) as error:
        load_cycle(folder)
    return [str(problem) for problem in error.value.problems]


BREAKAGES = [
    ("plan.toml", 'owner = "vien"\ndue = "Tháng 10/2023"', 'owner = "vienn"\ndue = "Tháng 10/2023"',
     r"plan.toml: task\[3\] \(number 3\)\.owner: unknown owner 'vienn'"),
    ("plan.toml", 'due = "30/11/2023"', 'due = "cuối tháng 11"',
     r"plan.toml: task\[5\] \(number 5\)\.due: cannot read due text 'cuối tháng 11'"),
    ("plan.toml", "after = [15]", "after = [99]",
     r"plan.toml: task\[16\] \(number 16\)\.after: depends on task 99, which the plan does not have"),
    ("plan.toml", "number = 7\n", "number = 6\n", r"plan.toml: task\[7\] \(number 6\)\.number: duplicate task number 6"),
    ("plan.toml", 'stage = "survey"', 'stage = "surveys"', r"plan.toml: task\[3\]\.stage: Input should be"),
    ("plan.toml", "after = [2, 5]", "after = [2, 5, 9]", r"^plan.toml: task.after: các nhiệm vụ 6, 7, 8, 9 chờ nhau thành vòng"),
    ("criteria.csv", "1.1.3,Mức độ hoàn thành kế hoạch CCHC năm,0.5",
     "1.1.3,Mức độ hoàn thành kế hoạch CCHC năm,0.75",
     r"criteria.csv: line \d+, column max_points: 1.1 has 2.5 points but its sub-criteria add up to 2.75"),
    ("criteria.csv", "2.4.1,Mức độ thực hiện kế hoạch theo dõi thi hành pháp luật,1.5,appraisal",
     "2.4.1,Mức độ thực hiện kế hoạch theo dõi thi hành pháp luật,abc,appraisal",
     r"criteria.csv: line \d+, column max_points: 'abc' is not a number"),
    ("criteria.csv", "3.2.3,Số hóa", "3.2.2,Số hóa", r"duplicate criterion code '3.2.2'"),
    ("criteria.toml", "total_points = 100", "total_points = 90",
     r"criteria.toml: total_points: declares 90 points but the fields in criteria.csv add up to 100"),
    ("criteria.toml", 'band = "Tốt"', 'band = "Xuất sắc"', r"criteria.toml: reward.band: unknown band 'Xuất sắc'"),
    ("units.csv", "STP,Sở Tư pháp", "SNV,Sở Tư pháp", r"units.csv: line 4, column code: duplicate unit code 'SNV' \(first on line 3\)"),
    ("units.csv", "SYT,Sở Y tế,so,so", "SYT,Sở Y tế,so,quan", r"units.csv: line \d+, column group: group 'quan' is not a group of block 'so'"),
    ("units.csv", "soyte@hanoi.example", "soyte at hanoi", r"units.csv: line \d+, column email: 'soyte at hanoi' is not an email address"),
    ("cycle.toml", 'timezone = "Asia/Ho_Chi_Minh"', 'timezone = "Asia/Hanoi_City"', r"cycle.toml: timezone: unknown time zone"),
    ("cycle.toml", 'issued = "05/10/2023"', 'issued = "05/13/2023"', r"cycle.toml: plan.issued"),
    ("overrides.toml", 'date = "04/05/2024"', 'date = "29/04/2024"', r"listed both as a day off and as a working day"),
]


@pytest.mark.parametrize(("name", "old", "new", "expected"), BREAKAGES, ids=[b[3][:40] for b in BREAKAGES])
def test_each_mistake_is_named_with_its_file_and_place(cycle_copy, name, old, new, expected):
    write(cycle_copy, name, old, new)
    problems = refused(cycle_copy)
    assert any(re.search(expected, problem) for problem in problems), problems


def test_every_mistake_is_listed_at_once(cycle_copy):
    for name, old, new, _ in BREAKAGES[:3] + BREAKAGES[9:12]:
        write(cycle_copy, name, old, new)
    problems = refused(cycle_copy)
    for _, _, _, expected in BREAKAGES[:3] + BREAKAGES[9:12]:
        assert any(re.search(expected, problem) for problem in problems), (expected, problems)


def test_toml_syntax_errors_name_the_line(cycle_copy):
    (cycle_copy / "plan.toml").write_text("[[task]]\nnumber = = 1\n", encoding="utf-8")
    assert any("plan.toml: not valid TOML" in p and "line 2" in p for p in refused(cycle_copy))


def test_a_missing_file_is_named(cycle_copy):
    (cycle_copy / "units.csv").unlink()
    assert "units.csv: file is missing" in refused(cycle_copy)


def test_the_folder_name_is_the_cycle_id(cycle_copy, tmp_path):
    renamed = cycle_copy.rename(tmp_path / "hanoi-2024")
    assert any("id 'hanoi-2023' differs from its folder name 'hanoi-2024'" in p for p in refused(renamed))


def test_a_new_year_is_a_new_folder_and_no_code():
    """Hanoi 2021 announced in March: a different timeline is only different data (calendar/hanoi-2021)."""
    definition = load_cycle(HANOI.parent / "hanoi-2021")
    assert definition.task("self_assessment").last_day == date(2021, 12, 21)
    assert definition.task("announcement").last_day == date(2022, 3, 31)


def test_a_deadline_outside_the_season_is_refused_naming_the_task(cycle_copy):
    plan = cycle_copy / "plan.toml"
    plan.write_text(plan.read_text(encoding="utf-8").replace('due = "30/11/2023"', 'due = "30/11/2025"'),
                    encoding="utf-8")
    with pytest.raises(DefinitionError) as refused:
        load_cycle(cycle_copy)
    assert any("task 5.due" in str(p) and "after the season ends" in str(p) for p in refused.value.problems)


def test_a_draft_sent_without_a_round_one_appraisal_is_refused(cycle_copy):
    plan = cycle_copy / "plan.toml"
    plan.write_text(plan.read_text(encoding="utf-8").replace('stage = "appraisal_round1"', 'stage = "setup"'),
                    encoding="utf-8")
    with pytest.raises(DefinitionError) as refused:
        load_cycle(cycle_copy)
    assert any("thẩm định lần 1" in str(p) and ": appraisal_round1)" in str(p) for p in refused.value.problems)


def test_a_survey_leaf_no_group_of_a_block_can_answer_is_refused(cycle_copy):
    cycle = cycle_copy / "cycle.toml"
    head, districts = cycle.read_text(encoding="utf-8").split('code = "huyen"')
    cycle.write_text(head + 'code = "huyen"' + districts.replace('    "Người dân",\n]', '    "Người dân",\n    "Trưởng thôn",\n]', 1),
                     encoding="utf-8")
    criteria = cycle_copy / "criteria.csv"
    criteria.write_text(criteria.read_text(encoding="utf-8").replace(
        'đối với CCHC,2,survey,no,"1,2,3"', 'đối với CCHC,2,survey,no,"6"'), encoding="utf-8")
    with pytest.raises(DefinitionError) as refused:
        load_cycle(cycle_copy)
    assert any("criterion 1.6.1" in str(p) and "block so does not have" in str(p) for p in refused.value.problems)


def test_a_circle_of_tasks_is_named_once_with_every_task_in_it(cycle_copy):
    """2 → 16 → 15 → 9 → 8 → 7 → 6 → 2: one sentence naming the seven, not one per link (nor a pair that is not
    one: 9 and 8 do not wait on each other, they are in one circle)."""
    plan = cycle_copy / "plan.toml"
    text = plan.read_text(encoding="utf-8")
    block = re.search(r"number = 2\n(?:.*\n)*?(?=\[\[task\]\])", text).group(0)
    changed = re.sub(r"^after = \[.*\]$", "after = [16]", block, flags=re.M) if "after = " in block else \
        block.replace("number = 2\n", "number = 2\nafter = [16]\n")
    plan.write_text(text.replace(block, changed), encoding="utf-8")
    loops = [problem for problem in refused(cycle_copy) if "chờ nhau" in problem]
    assert len(loops) == 1 and "2, 6, 7, 8, 9, 15, 16" in loops[0], loops
