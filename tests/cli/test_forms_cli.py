"""Forms, scoring, approval and the report as people type them."""

from tests.cli.runner import run
from tests.forms.conftest import fill
from tests.seasons import drive_to_scored

AT = "2023-11-20T10:00:00+07:00"


def test_a_unit_fills_its_template_and_submits_it(opened, database_url, tmp_path):
    form = tmp_path / "snv.xlsx"
    made = run("template", "self-assessment", "--cycle", "hanoi-2023", "--unit", "SNV", "-o", str(form),
               "--db", database_url)
    assert made.returncode == 0, made.stderr
    assert "57 dòng cần điền" in made.stdout
    bad = run("submit", "self-assessment", str(form), "--at", AT, "--db", database_url)  # nothing filled in
    assert bad.returncode == 1 and "Traceback" not in bad.stderr
    assert "không có gì được ghi" in bad.stderr and "[required] ô này cần có giá trị" in bad.stderr
    assert "trang tính 'Điểm', dòng 5, cột 'Điểm (G)'" in bad.stderr  # 1.1.1, under two headings
    fill(form)
    good = run("submit", "self-assessment", str(form), "--at", AT, "--db", database_url)
    assert good.returncode == 0, good.stderr
    assert "đã ghi tự đánh giá của 1 đơn vị" in good.stdout  # the kind in words, not its internal name
    score = run("score", "hanoi-2023", "--db", database_url)
    assert score.returncode == 2
    assert "khối so chưa tính được điểm" in score.stdout and "SNV: chưa thẩm định vòng 2 (trạng thái: đã gửi tự đánh giá)" in score.stdout
    approve = run("approve", "hanoi-2023", "--by", "Chủ tịch", "--db", database_url)
    assert approve.returncode == 1 and "52 đơn vị chưa được chấm điểm" in approve.stderr
    report = run("report", "hanoi-2023", "--out", str(tmp_path / "r"), "--db", database_url)
    assert report.returncode == 1 and "chưa có kết quả" in report.stderr


def test_approve_then_report(loaded_hanoi, db, database_url, tmp_path):
    drive_to_scored(db)
    approve = run("approve", "hanoi-2023", "--by", "Chủ tịch Hội đồng", "--reason", "QĐ 12", "--db", database_url)
    assert approve.returncode == 0, approve.stderr
    assert "đã thông qua hanoi-2023: 52 đơn vị" in approve.stdout
    report = run("report", "hanoi-2023", "--out", str(tmp_path / "r"), "--db", database_url)
    assert report.returncode == 0, report.stderr
    assert "52 / 52 đơn vị trong 2 khối" in report.stdout
    assert (tmp_path / "r" / "results.xlsx").exists() and (tmp_path / "r" / "report.html").exists()
