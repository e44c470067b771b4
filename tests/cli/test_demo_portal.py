"""`parindex demo --dashboard` from a fresh folder: the season replayed, then the Prefect UI and the portal left
running; a link in a demo mail, followed in a headless browser, shows that unit's page; `parindex dashboard
stop` stops both."""

from __future__ import annotations

import csv
import email
import email.utils
import os
import re
import shutil
import subprocess
import sys
import time
import urllib.request
from email import policy
from html import unescape
from pathlib import Path

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect

from cli.orchestration import _free_port
from tests.english import english_lines
from tests.notifications.test_printing import assert_printed_annexes

# The demo uses its own SQLite database, not the test database: run once, in the SQLite pass (the PostgreSQL
# pass is the longer one).
pytestmark = [pytest.mark.slow, pytest.mark.once, pytest.mark.browser]
ROOT = Path(__file__).resolve().parents[2]


def parindex(*args: str, cwd: Path, env: dict[str, str], timeout: int = 900) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", "from cli.main import main; main()", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=timeout)


def mails_arriving(outbox: Path, pattern: str, within: float = 30) -> list[Path]:
    """The mails matching `pattern` once one is there, or none after `within` seconds."""
    deadline = time.monotonic() + within
    while not (found := sorted(outbox.glob(pattern))) and time.monotonic() < deadline:
        time.sleep(0.1)
    return found


def visible_text(html: str) -> str:
    """An HTML page's text as a reader sees it: no style, no tags, entities decoded, one line per block."""
    html = re.sub(r"(?s)<(style|script)\b.*?</\1>", " ", html)
    html = re.sub(r"<(br|p|tr|li|h[1-6]|div|svg|text|title)\b[^>]*>", "\n", html)
    return unescape(re.sub(r"<[^>]+>", " ", html))


def assert_the_demo_reads_as_the_department_writes(folder: Path, stdout: str, env: dict[str, str]) -> None:
    """What `make demo` hands to people, read as they read it: its output, every mail, the report, the workbook
    and the CLI a coordinator runs after it, all Vietnamese with Vietnamese numbers and local times."""
    assert english_lines(stdout) == [], stdout[-3000:]
    assert re.search(r"khớp Kiểm tra độc lập \(parindex audit recompute\): 52 kết quả tính lại .*, 0 chênh lệch\.",
                     " ".join(stdout.split())), stdout[-3000:]  # the auditor's recomputation agrees: all published
    calendars: dict[tuple[str, str], set[str]] = {}
    reminders_left: set[str] = set()
    for path in sorted((folder / "var" / "outbox").glob("*.eml")):
        mail = email.message_from_bytes(path.read_bytes(), policy=policy.default)
        text = mail.get_body(("plain",)).get_content()
        html = visible_text(mail.get_body(("html",)).get_content())
        # as a clerk reads it: no product name, command or algorithm; sent in office hours, after KH 243 (05/10)
        seen = re.sub(r"https?://\S+", " ", "\n".join([mail["From"], mail["Subject"], text, html]))
        assert not re.search(r"parindex|Ed25519|--[a-z]", seen), f"{path.name}: {seen[:300]}"
        sent = email.utils.parsedate_to_datetime(mail["Date"])
        assert sent.date().isoformat() >= "2023-10-05", path.name
        assert "Sở Nội vụ thành phố Hà Nội" in text, path.name  # the department signs, with whom to contact
        assert len(mail["Subject"]) < 90, mail["Subject"]  # an inbox shows it whole
        if "-reminder-" in path.name:
            assert len(mail["Subject"]) < 90 and mail["Subject"].startswith("Hạn "), mail["Subject"]
            line = re.search(r"^(Còn \d+ ngày làm việc đến hạn|Hôm nay là hạn cuối)", text, re.M)
            assert line, f"{path.name}: {text[:300]}"
            reminders_left.add(line.group(1).split(" ngày")[0])
            if "Văn bản giải trình" in text or "giải trình" in mail["Subject"]:
                assert "chưa gửi" not in text, path.name  # an optional explanation is never "missing"
        english = english_lines("\n".join([mail["Subject"], text, html]))
        assert english == [], f"{path.name}: {english}"
        assert not re.search(r"\b\d+\.\d{2,3}\b", text), f"{path.name}: a number written the English way"
        assert mail["Reply-To"] == "cchc.sonoivu@hanoi.example" and mail["Date"].endswith("+0700"), path.name
        # the department never writes to itself (its own tasks are in its digest); the institute, which has no
        # page, is told where to send its product, and an escalation about it reaches its director
        assert mail["To"] != "cchc.sonoivu@hanoi.example" or "-digest-" in path.name, path.name
        if mail["To"] == "dtxhh@hanoi.example":
            assert "/staff/" not in text and "đề nghị gửi sản phẩm về Sở Nội vụ" in text, path.name
        if "-escalation-" in path.name and "Viện" in mail["Subject"]:
            assert mail["To"] == "vientruong@hanoi.example" and "dtxhh@hanoi.example" in mail["Cc"], path.name
        head = path.read_bytes().split(b"\r\n\r\n", 1)[0].split(b"\r\n")
        assert all(len(line) <= 78 for line in head if not line.startswith(b"X-Parindex-Key")), path.name
        for part in mail.iter_attachments():
            if part.get_content_type() == "text/calendar":
                entry = dict(line.split(":", 1) for line in part.get_content().replace("\r\n ", "").splitlines()
                             if ":" in line and not line.startswith(("DESCRIPTION", "BEGIN", "END")))
                calendars.setdefault((mail["To"], entry["SUMMARY"]), set()).add(entry["UID"])
    assert calendars and all(len(uids) == 1 for uids in calendars.values())  # one entry per deadline
    assert "Hôm nay là hạn cuối" in reminders_left and len(reminders_left) >= 3  # d-7, d-3, d-1 read apart
    report = visible_text((folder / "var" / "report" / "report.html").read_text(encoding="utf-8"))
    assert english_lines(report) == [] and not re.search(r"\b\d+\.\d\d\b", report)
    book = load_workbook(folder / "var" / "report" / "results.xlsx", read_only=True)
    cells = "\n".join(str(value) for sheet in book for row in sheet.iter_rows(values_only=True)
                      for value in row if isinstance(value, str))
    assert english_lines(cells) == [] and "mô phỏng" not in cells and "Phụ lục I\n" in cells
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in report and "chu kỳ" not in report and "Nơi nhận" in report
    result_mail = next((folder / "var" / "outbox").glob("*-result-*.eml")).read_bytes().decode("utf-8", "replace")
    code = re.search(r"#\d+ [0-9a-f]{4}(?:-[0-9a-f]{4}){3}", report)
    assert code and code.group(0) in email.message_from_string(result_mail, policy=policy.default).get_body(
        ("plain",)).get_content()  # the code the report prints is the one every result letter carries
    # the workbook printed as the Department prints it, every page read (tests/notifications/test_printing.py)
    with (ROOT / "calendar" / "hanoi-2023" / "units.csv").open(encoding="utf-8") as units:
        codes = {row["code"] for row in csv.DictReader(units)}
    printed = assert_printed_annexes(folder / "var" / "report" / "results.xlsx", folder / "printed", codes,
                                     ["Khối Sở", "Khối quận, huyện, thị xã"])
    assert printed["Phụ lục I"] == 1
    from pypdf import PdfReader

    from notifications.report import write_report_pdf

    pdf = PdfReader(write_report_pdf(folder / "var" / "report" / "report.html", folder / "printed" / "report.pdf"))
    first = " ".join(pdf.pages[0].extract_text().split())
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in first and "Hà Nội, ngày" in first and "I. KẾT QUẢ CHUNG" in first
    narrow = {**env, "COLUMNS": "80"}
    for command in (["status", "hanoi-2023"], ["history", "--cycle", "hanoi-2023", "--unit", "sxd"],
                    ["outbox", "--limit", "5"], ["audit", "recompute", "--cycle", "hanoi-2023"]):
        shown = parindex(*command, "--db", f"sqlite:///{folder / 'var' / 'parindex.db'}", cwd=folder, env=narrow)
        assert shown.returncode == 0, shown.stderr
        assert english_lines(shown.stdout) == [], (command, english_lines(shown.stdout))
        if command[0] == "history":
            assert all(len(line) <= 80 for line in shown.stdout.splitlines())
            assert "lịch sử của Sở Xây dựng" in shown.stdout and "+07:00" in shown.stdout
            assert "parindex-tick" not in shown.stdout and "unit:SXD" not in shown.stdout
        if command[0] == "outbox":
            assert re.search(r"Đang hiện 5 / \d+ thư", shown.stdout)
        if command[0] == "audit":
            said = " ".join(shown.stdout.split())
            assert said.startswith("khớp hanoi-2023: tính lại 52 kết quả") and said.endswith(": 0 chênh lệch."), said
        if command[0] == "status":  # units by name, a column per stage, the missed ones counted apart
            assert "Sở Nội vụ" in shown.stdout and "Giải trình" in shown.stdout and "không giải" in shown.stdout


def assert_the_survey_was_answered_through_the_portal(folder: Path, stdout: str, env: dict[str, str], page,
                                                     port: int) -> None:
    """The demo's respondents answered at the links through the portal's pages; the tick closed the survey on
    the plan's date; the results scoring used equal those computed by hand from the exported responses; a link
    from a unit's survey mail, opened after the season, says the survey has ended."""
    from sqlalchemy import select

    from models.db import session_scope
    from models.definition.loader import load_cycle
    from models.scores import latest_lines, latest_versions
    from models.tables import ScoreKind, SurveyRound, Unit
    from tasks.engine.runtime import engine_for
    from tests.survey_by_hand import survey_by_hand

    said = " ".join(stdout.split())
    found = re.search(r"Khảo sát trực tuyến: (\d+) phiếu được tính, (\d+) phiếu không tính .*?; đóng lúc "
                      r"29/12/2023 00:00 \+07:00", said)
    assert found and int(found.group(1)) > 500, said[-3000:]
    url = f"sqlite:///{folder / 'var' / 'parindex.db'}"
    export = folder / "phieu-khao-sat.csv"
    written = parindex("survey", "export", "hanoi-2023", "--out", str(export), "--db", url, cwd=folder, env=env)
    assert written.returncode == 0 and "dòng phiếu" in written.stdout, written.stderr
    by_hand = survey_by_hand(export, load_cycle(folder / "calendar" / "hanoi-2023"))
    with session_scope(engine_for(url)) as session:
        assert session.scalar(select(SurveyRound.closed_by)) == "parindex-tick"
        codes = dict(session.execute(select(Unit.id, Unit.code)).all())
        lines = latest_lines(session, cycle_id="hanoi-2023", unit_codes=list(codes.values()), kinds=[ScoreKind.SURVEY])
        rates = {codes[unit]: version.satisfaction_percent for (unit, _), version in latest_versions(
            session, cycle_id="hanoi-2023", kinds=[ScoreKind.SURVEY]).items()}
    assert len(by_hand) == 52
    assert all(lines[unit] == points and rates[unit] == rate for unit, (points, rate) in by_hand.items())
    mail = email.message_from_bytes(next((folder / "var" / "outbox").glob("*-survey_links-*.eml")).read_bytes(),
                                    policy=policy.default)
    link = re.search(rf"http://127\.0\.0\.1:{port}/khao-sat/[\w-]+", mail.get_body(("plain",)).get_content())
    page.goto(link.group(0))
    expect(page.locator("main")).to_contain_text("Đợt khảo sát đã kết thúc")


def test_the_demo_serves_the_portal_behind_its_mails(tmp_path: Path, page) -> None:  # type: ignore[no-untyped-def]
    shutil.copytree(ROOT / "calendar", tmp_path / "calendar")
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PARINDEX_", "PREFECT_API_URL"))}
    env.update(PYTHONPATH=str(ROOT), COLUMNS="200", PARINDEX_PUBLIC_URL=f"http://127.0.0.1:{port}")
    demo = parindex("demo", "--dashboard", cwd=tmp_path, env=env)
    try:
        assert demo.returncode == 0, demo.stdout[-2000:] + demo.stderr[-2000:]
        assert f"Cổng cho đơn vị và cán bộ: http://127.0.0.1:{port}" in demo.stdout
        assert "Giao diện Prefect: http://127.0.0.1:" in demo.stdout
        assert_the_demo_reads_as_the_department_writes(tmp_path, demo.stdout, env)
        assert_the_survey_was_answered_through_the_portal(tmp_path, demo.stdout, env, page, port)
        opened = sorted((tmp_path / "var" / "outbox").glob("*-opened-*.eml"))
        assert opened, "no opening mail"
        message = email.message_from_bytes(opened[0].read_bytes())
        text = next(p for p in message.walk() if p.get_content_type() == "text/plain").get_payload(decode=True)
        link = re.search(rf"http://127\.0\.0\.1:{port}/signin/\S+", text.decode()).group(0)
        page.goto(link)
        page.click("#open-session")
        expect(page).to_have_url(re.compile(r"/unit/tasks/"))
        page.goto(f"http://127.0.0.1:{port}/unit")
        unit_name = re.search(r"Kính gửi (.+),", text.decode()).group(1)
        assert page.inner_text("h1") == unit_name
        # its link spent, the unit asks the home page for a new one: the demo's portal catches that mail too
        page.context.clear_cookies()
        page.goto(f"http://127.0.0.1:{port}/")
        page.fill("input[name=email]", message["To"])
        page.click("main form button")
        expect(page.locator("main")).to_contain_text("liên kết đăng nhập được gửi")
        # the link is looked up and mailed after the answer has gone (so its timing tells nothing): wait for it
        fresh = mails_arriving(tmp_path / "var" / "outbox", "*-signin-*.eml")
        assert len(fresh) == 1 and message["To"] in fresh[0].name
    finally:
        stopped = parindex("dashboard", "stop", cwd=tmp_path, env=env, timeout=120)
    assert stopped.returncode == 0
    with pytest.raises(OSError):
        urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=3)
