"""A season running now, on the real clock: hanoi-2023 moved so that today lies in its self-assessment window
(tests/today.py), then every command a coordinator, a unit and an operator type during the season, with no
--at and no virtual clock: load, status (table and JSON), tick, submit, the portal from the opening mail's link,
report, and serve. On SQLite (the default database) and on PostgreSQL."""

from __future__ import annotations

import contextlib
import email
import email.policy
import json
import os
import queue
import re
import signal
import subprocess
import threading
import time
from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
import pytest

from cli.orchestration import _free_port
from notifications.capture import CaptureServer
from tests.cli.test_web_cli import PARINDEX, ROOT
from tests.forms.conftest import fill
from tests.today import season_around, self_assessment_due

# a season around today's date, on the real clock: minutes of subprocesses, in `make test`, not `make check`
pytestmark = pytest.mark.slow

ZONE = ZoneInfo("Asia/Ho_Chi_Minh")
CYCLE = "hanoi-now"


def today() -> date:
    return datetime.now(ZONE).date()


class Season:
    """The commands of one season, typed in a folder of their own against the run's database."""

    def __init__(self, database_url: str, folder: Path, smtp_port: int, web_port: int) -> None:
        self.folder = folder
        env = {k: v for k, v in os.environ.items() if not k.startswith(("PARINDEX_", "PREFECT_API_URL"))}
        self.env = {**env, "PYTHONPATH": str(ROOT), "COLUMNS": "200", "PYTHONUNBUFFERED": "1",
                    "PARINDEX_DATABASE_URL": database_url, "PARINDEX_SMTP_PORT": str(smtp_port),
                    "PARINDEX_WEB_SECRET_FILE": str(folder / "secret"),
                    "PARINDEX_PUBLIC_URL": f"http://127.0.0.1:{web_port}"}

    def run(self, *args: str, ok: bool = True) -> subprocess.CompletedProcess:
        done = subprocess.run([*PARINDEX, *args], cwd=self.folder, env=self.env, capture_output=True, text=True,
                              timeout=300)
        assert "Traceback" not in done.stderr + done.stdout, done.stderr
        if ok:
            assert done.returncode == 0, f"parindex {' '.join(args)}: {done.stdout}\n{done.stderr}"
        return done

    def status(self) -> dict:
        return json.loads(self.run("status", CYCLE, "--json").stdout)

    def start(self, *args: str) -> subprocess.Popen:
        return subprocess.Popen([*PARINDEX, *args], cwd=self.folder, env=self.env, stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, text=True)


@pytest.fixture
def season(database_url: str, db, tmp_path: Path):  # type: ignore[no-untyped-def]
    season_around(today(), tmp_path)
    with CaptureServer(tmp_path / "mails") as smtp:
        yield Season(database_url, tmp_path, smtp.port, _free_port()), smtp


def mails(smtp: CaptureServer, kind: str) -> list[email.message.EmailMessage]:
    return [email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
            for path in smtp.messages() if f"-{kind}-" in path.name]


def test_a_season_under_way_today_status_tick_submit_portal_report(season) -> None:  # type: ignore[no-untyped-def]
    run, smtp = season
    due = self_assessment_due(today())
    loaded = run.run("cycle", "load", str(run.folder / CYCLE))
    assert "đã đăng ký" in loaded.stdout
    # status on a cycle whose checkpoints are ahead of the real time: the table and the JSON, at once
    table = run.run("status", CYCLE)
    assert "Mốc tiếp theo:" in table.stdout
    before = run.status()
    assert datetime.fromisoformat(before["next_checkpoint"]) > datetime.now(UTC)

    ticked = run.run("tick", CYCLE)
    assert f"lượt chạy {CYCLE} lúc {datetime.now(ZONE):%d/%m/%Y}" in ticked.stdout
    opened = mails(smtp, "opened")
    assert len(opened) == 52 and not mails(smtp, "overdue")  # the window is open, its deadline ahead
    to_snv = next(m for m in opened if "sonoivu@hanoi.example" in m["To"])
    assert f"{due:%d/%m/%Y}" in to_snv["Subject"]
    link = re.search(r"http://127\.0\.0\.1:\d+/signin/\S+", to_snv.get_body(("plain",)).get_content()).group(0)

    # the survey online runs now too: each unit has its open links, the status says how it stands
    circulated = mails(smtp, "survey_links")
    assert len(circulated) == 52
    survey_link = re.search(r"http://127\.0\.0\.1:\d+(/khao-sat/[\w-]+)",
                            circulated[0].get_body(("plain",)).get_content()).group(1)
    assert "Khảo sát trực tuyến đang mở (đóng lúc" in " ".join(run.run("status", CYCLE).stdout.split())

    status = run.status()
    assert status["survey"]["state"] == "open" and status["survey"]["counted"] == 0
    assert {unit["state"] for unit in status["units"]} == {"self_assessing"}
    task5 = next(task for task in status["tasks"] if task["number"] == 5)
    assert (task5["overdue"], task5["done"], task5["total"]) == (0, 0, 52)

    form = run.folder / "stp.xlsx"
    run.run("template", "self-assessment", "--cycle", CYCLE, "--unit", "STP", "-o", str(form))
    submitted = run.run("submit", "self-assessment", str(fill(form)))
    assert "đã ghi tự đánh giá của 1 đơn vị" in submitted.stdout

    web = run.start("web", "--port", run.env["PARINDEX_PUBLIC_URL"].rsplit(":", 1)[1])
    try:
        with httpx.Client(base_url=run.env["PARINDEX_PUBLIC_URL"], timeout=30) as client:
            started = time.monotonic()
            while True:
                try:
                    client.get("/")
                    break
                except httpx.HTTPError:
                    assert web.poll() is None and time.monotonic() - started < 90, "the portal did not start"
                    time.sleep(0.3)
            confirm = client.get(link.removeprefix(run.env["PARINDEX_PUBLIC_URL"]))
            csrf = re.search(r'name="csrf" value="([^"]+)"', confirm.text).group(1)
            home = client.post("/signin", data={"csrf": csrf}, follow_redirects=True)
            assert home.status_code == 200 and "Sở Nội vụ" in home.text
            csrf = re.search(r'name="csrf" value="([^"]+)"', home.text).group(1)
            snv = run.folder / "snv.xlsx"
            run.run("template", "self-assessment", "--cycle", CYCLE, "--unit", "SNV", "-o", str(snv))
            accepted = client.post("/unit/upload/self-assessment", data={"csrf": csrf},
                                   files={"file": ("snv.xlsx", fill(snv).read_bytes())})
            assert accepted.status_code == 200, accepted.text
            questionnaire = client.get(survey_link)  # a resident opens a unit's survey link today
            assert questionnaire.status_code == 200 and "Bắt đầu trả lời" in questionnaire.text
    finally:
        web.send_signal(signal.SIGTERM)
        output, _ = web.communicate(timeout=30)
    assert web.returncode == 0 and "Traceback" not in output

    states = {unit["code"]: unit["state"] for unit in run.status()["units"]}
    assert states["STP"] == states["SNV"] == "self_assessed" and states["SYT"] == "self_assessing"
    table = run.run("status", CYCLE)
    assert "Tự đánh giá" in table.stdout and "self_assessing" not in table.stdout  # states in words
    # a district merged away: withdrawn, in words; removing it from units.csv is refused, in words too
    withdrawn = run.run("unit", "withdraw", "q-hoankiem", "--cycle", CYCLE, "--reason", "sáp nhập", "--by",
                        "Phòng CCHC")
    assert "đã rút Q-HOANKIEM" in withdrawn.stdout and "đang tự đánh giá" in withdrawn.stdout
    assert "đã rút: sáp nhập" in run.run("status", CYCLE).stdout
    units = run.folder / CYCLE / "units.csv"
    units.write_text("".join(line for line in units.read_text(encoding="utf-8").splitlines(keepends=True)
                             if not line.startswith("Q-HOANKIEM,")), encoding="utf-8")
    removed = run.run("cycle", "load", str(run.folder / CYCLE), "--yes", ok=False)
    assert removed.returncode == 1 and "Q-HOANKIEM" in removed.stderr + removed.stdout
    assert "self_assessing" not in removed.stderr + removed.stdout
    report = run.run("report", CYCLE, "--out", str(run.folder / "report"), ok=False)
    assert report.returncode == 1 and "chưa có kết quả" in report.stderr  # nothing scored yet: said, not a crash


def test_serve_on_a_season_under_way_opens_it_and_schedules_what_is_ahead(season) -> None:  # type: ignore[no-untyped-def]
    run, smtp = season
    run.run("cycle", "load", str(run.folder / CYCLE))
    serve = run.start("serve", CYCLE)
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(target=lambda: [lines.put(line) for line in serve.stdout], daemon=True).start()  # type: ignore[union-attr]
    seen: list[str] = []

    def checkpoints_ahead() -> list[str]:
        return [line for line in seen if re.match(r"\s+\d{2}/\d{2}/\d{4} \d{2}:\d{2} \+07:00: ", line)]

    try:
        deadline = time.monotonic() + 240
        while len(checkpoints_ahead()) < 3:  # it lists the next three
            assert time.monotonic() < deadline and serve.poll() is None, "".join(seen)
            with contextlib.suppress(queue.Empty):
                seen.append(lines.get(timeout=1))
        for line in checkpoints_ahead():  # every checkpoint it waits for lies ahead of the real clock
            when = datetime.strptime(line.strip()[:16], "%d/%m/%Y %H:%M").replace(tzinfo=ZONE)
            assert when > datetime.now(ZONE), line
        # a season under way that never ticked is opened at once, not at the next checkpoint days away
        while len(mails(smtp, "opened")) < 52:
            assert time.monotonic() < deadline and serve.poll() is None, "".join(seen)
            time.sleep(1)
    finally:
        serve.send_signal(signal.SIGTERM)
        serve.wait(timeout=120)
    while not lines.empty():
        seen.append(lines.get())
    assert serve.returncode == 0 and "Traceback" not in "".join(seen), "".join(seen)
    assert {unit["state"] for unit in run.status()["units"]} == {"self_assessing"}
