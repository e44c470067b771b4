"""`parindex cycle …` as a user types it."""

import json
import shutil

import pytest

from tests.cli.runner import run
from tests.conftest import HANOI

pytestmark = pytest.mark.one_pass  # cycle folders checked and shown: no database


def test_check_accepts_hanoi_2023_with_a_one_line_summary():
    result = run("cycle", "check", str(HANOI))
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines() == [
        "xong hanoi-2023: 16 nhiệm vụ, 52 đơn vị trong 2 khối, 76 tiêu chí lá, tổng 100 điểm"
    ]


def test_check_notes_a_respondent_group_asked_nothing_and_a_group_without_units(cycle_copy):
    cycle = cycle_copy / "cycle.toml"
    text = cycle.read_text(encoding="utf-8")
    cycle.write_text(text.replace('"Người dân",\n]', '"Người dân",\n    "Trưởng thôn, tổ trưởng tổ dân phố",\n]', 1)
                     .replace("[groups]\n", '[groups]\nphuong = "Phường"\n', 1), encoding="utf-8")
    result = run("cycle", "check", str(cycle_copy))
    assert result.returncode == 0, result.stderr  # allowed, and said
    said = " ".join(result.stdout.split())
    assert "lưu ý Khối Sở: nhóm đối tượng khảo sát số 6 (Trưởng thôn, tổ trưởng tổ dân phố) không được hỏi" in said
    assert "lưu ý nhóm Phường (phuong) trong [groups] không có đơn vị nào trong units.csv" in said


def test_check_lists_every_mistake_and_exits_non_zero(cycle_copy):
    plan = cycle_copy / "plan.toml"
    plan.write_text(plan.read_text(encoding="utf-8").replace('owner = "vien"', 'owner = "nobody"')
                    .replace('due = "30/11/2023"', 'due = "soon"'), encoding="utf-8")
    result = run("cycle", "check", str(cycle_copy))
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert "plan.toml: task[5] (number 5).due: cannot read due text 'soon'" in result.stderr
    assert result.stderr.count("unknown owner 'nobody'") == 5  # the institute's tasks 3, 11, 12, 13 and 14


def test_show_json_gives_each_task_its_effective_deadline():
    result = run("cycle", "show", str(HANOI), "--json")
    assert result.returncode == 0, result.stderr
    tasks = {task["number"]: task for task in json.loads(result.stdout)}
    assert len(tasks) == 16
    assert tasks[5]["due_text"] == "30/11/2023"
    assert (tasks[5]["due_date"], tasks[5]["due_at"], tasks[5]["moved_because"]) == (
        "2023-11-30", "2023-12-01T00:00:00+07:00", None)
    assert tasks[8]["due_date"] == "2024-01-08" and "06/01/2024 Thứ Bảy" in tasks[8]["moved_because"]
    assert tasks[9]["due_date"] == "2024-01-22" and "20/01/2024 Thứ Bảy" in tasks[9]["moved_because"]
    assert tasks[16]["due_text"] == "Trước ngày 10/02/2024"
    # "trước ngày X" never lands on or after X: the last working day before it (Tết 08–14/02/2024)
    assert tasks[16]["due_date"] == "2024-02-07" and tasks[16]["due_at"] == "2024-02-08T00:00:00+07:00"
    assert "Giao thừa Tết Nguyên Đán" in tasks[16]["moved_because"] and "Thứ Tư 07/02/2024" in tasks[16][
        "moved_because"]
    assert tasks[13]["due_text"] == "Trước ngày 31/12/2023" and tasks[13]["due_date"] == "2023-12-29"
    assert "30/12/2023 Thứ Bảy" in tasks[13]["moved_because"]
    assert tasks[2]["due_at"] is None and tasks[2]["due_date"] is None
    assert tasks[11]["due_text"] == "Tháng 10 - 12/2023" and tasks[11]["opens_at"].startswith("2023-10-01")
    assert tasks[5]["owner"].startswith("Các đơn vị") and tasks[13]["owner"].startswith("Viện Nghiên cứu")


def test_a_folder_that_writes_the_other_rule_gets_the_dates_it_asked_for(tmp_path):
    """A province that reads "trước ngày X" as the Civil Code's roll forward writes so in cycle.toml; a task
    may override the cycle's rule in plan.toml."""
    folder = tmp_path / "hanoi-2023"
    shutil.copytree(HANOI, folder)
    toml = (folder / "cycle.toml").read_text(encoding="utf-8")
    (folder / "cycle.toml").write_text(toml.replace('before_date_rule = "previous_working_day"',
                                                    'before_date_rule = "next_working_day"'), encoding="utf-8")
    plan = (folder / "plan.toml").read_text(encoding="utf-8")
    (folder / "plan.toml").write_text(plan.replace('due = "Trước ngày 31/12/2023"',
                                                   'due = "Trước ngày 31/12/2023"\ndeadline_rule = "as_written"'),
                                      encoding="utf-8")
    result = run("cycle", "show", str(folder), "--json")
    assert result.returncode == 0, result.stderr
    tasks = {task["number"]: task for task in json.loads(result.stdout)}
    assert tasks[16]["due_date"] == "2024-02-15" and "khoản 5 Điều 148 Bộ luật Dân sự 2015" in tasks[16][
        "moved_because"]
    assert tasks[13]["due_date"] == "2023-12-30"  # as written: the day before 31/12, a Saturday


def test_show_prints_a_table_by_default():
    result = run("cycle", "show", str(HANOI))
    assert result.returncode == 0 and "Kế hoạch 243/KH-UBND" in result.stdout and "07/02/2024" in result.stdout


def test_load_registers_once_and_then_changes_nothing(tmp_path):
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    first = run("cycle", "load", str(HANOI), "--db", url)
    second = run("cycle", "load", str(HANOI), "--db", url)
    assert first.returncode == 0 and "đã đăng ký (16 nhiệm vụ; 52 đơn vị; 76 tiêu chí lá)" in first.stdout
    assert second.returncode == 0 and "đã đăng ký từ trước, định nghĩa không đổi" in second.stdout


def test_load_refuses_a_broken_definition_and_writes_nothing(cycle_copy, tmp_path):
    (cycle_copy / "units.csv").write_text("code,name\n", encoding="utf-8")
    database = tmp_path / "refused.db"
    result = run("cycle", "load", str(cycle_copy), "--db", f"sqlite:///{database}")
    assert result.returncode == 1 and "units.csv: line 1" in result.stderr
    assert not database.exists()


def test_load_of_a_changed_definition_says_what_changed_and_refuses_the_past(cycle_copy, tmp_path):
    url = f"sqlite:///{tmp_path / 'changed.db'}"
    assert run("cycle", "load", str(cycle_copy), "--db", url).returncode == 0
    plan = cycle_copy / "plan.toml"
    plan.write_text(plan.read_text(encoding="utf-8").replace('due = "Trước ngày 10/02/2024"', 'due = "20/02/2024"'),
                    encoding="utf-8")
    changed = run("cycle", "load", str(cycle_copy), "--db", url)
    assert changed.returncode == 0, changed.stderr
    assert "đã cập nhật: nhiệm vụ 16: hạn 'Trước ngày 10/02/2024' → '20/02/2024'" in changed.stdout
    assert "đã đăng ký từ trước, định nghĩa không đổi" in run("cycle", "load", str(cycle_copy), "--db", url).stdout


def test_check_refuses_a_criteria_set_that_leaves_an_edge_rule_unwritten(cycle_copy):
    """Each rule at the edges must be written: the precision compared, ties at the reward cap, how ballots are
    averaged, a group without ballots, the satisfaction groups. A leaf mixing rate and ballot groups too."""
    criteria = cycle_copy / "criteria.toml"
    kept = [line for line in criteria.read_text(encoding="utf-8").splitlines()
            if not line.startswith(("compare = ", "ties_at_cap = ", "ballot_average = ", "group_without_ballots = ",
                                    "satisfaction_groups = "))]
    criteria.write_text("\n".join(kept) + "\n", encoding="utf-8")
    tree = cycle_copy / "criteria.csv"
    tree.write_text(tree.read_text(encoding="utf-8").replace(
        '1.6.1,Mức độ quan tâm của lãnh đạo đơn vị đối với CCHC,2,survey,no,"1,2,3"',
        '1.6.1,Mức độ quan tâm của lãnh đạo đơn vị đối với CCHC,2,survey,no,"3,4"'), encoding="utf-8")
    result = run("cycle", "check", str(cycle_copy))
    assert result.returncode == 1 and "Traceback" not in result.stderr
    for rule in ("[ranking] compare", "[reward] ties_at_cap", "[survey] ballot_average",
                 "[survey] group_without_ballots", "[survey] satisfaction_groups"):
        assert f"criteria.toml: {rule}: rule not written" in result.stderr, result.stderr
    assert result.stderr.count("rule not written") == 5
    # written again, the set's satisfaction groups apply: 1.6.1 now mixes group 4 (the rate) with group 3
    criteria.write_text(criteria.read_text(encoding="utf-8").replace(
        "[ranking]", '[ranking]\ncompare = "published"').replace(
        '[reward]\n', '[reward]\nties_at_cap = "all_out"\n').replace(
        "[survey]\n", '[survey]\nballot_average = "respondent"\ngroup_without_ballots = "refused"\n'
        "satisfaction_groups = [4, 5]\n"), encoding="utf-8")
    result = run("cycle", "check", str(cycle_copy))
    assert result.returncode == 1
    assert "criterion 1.6.1, column respondents" in result.stderr and "no rule says how the two combine" in \
        result.stderr


def test_check_names_an_edge_rule_written_wrong(cycle_copy):
    criteria = cycle_copy / "criteria.toml"
    text = criteria.read_text(encoding="utf-8")
    for old, new in (("\nindex_decimals = 2", "\nindex_decimals = true"), ('\ncompare = "published"', '\ncompare = "rounded"'),
                     ('\nties_at_cap = "all_out"', '\nties_at_cap = ["survey_points", "survey_points"]'),
                     ("\nsatisfaction_groups = [4, 5]", "\nsatisfaction_groups = [4, 4]")):
        text = text.replace(old, new, 1)
    criteria.write_text(text, encoding="utf-8")
    result = run("cycle", "check", str(cycle_copy))
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "criteria.toml: [ranking] index_decimals: true is not a whole number of decimals" in result.stderr
    assert 'criteria.toml: [ranking] compare: "rounded" is neither "published" nor "exact"' in result.stderr
    assert "criteria.toml: [reward] ties_at_cap: " in result.stderr and "names a tie-break twice" in result.stderr
    assert "criteria.toml: [survey] satisfaction_groups: [4, 4] lists group(s) 4 twice" in result.stderr
    assert "Input should be" not in result.stderr  # the validator's own words are not shown
