"""The README's production steps: deployments registered by `prefect deploy --all`, a tick run by a process
worker through the API, and no secret anywhere the UI reads."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from sqlalchemy import func, select

from models.db import session_scope
from models.tables import Assignment, AssignmentStatus, Cycle, HistoryEntry, Unit
from tests.conftest import ROOT
from tests.prefect_api import everything_shown, post, run_deployment, wait_for_log, wait_for_state
from tests.production.conftest import SECRET
from tests.seasons import drive_to_scored

pytestmark = [pytest.mark.flow, pytest.mark.slow, pytest.mark.production]


def test_a_worker_runs_the_tick_deployment_and_the_ui_shows_no_secret(production, loaded_hanoi, db):
    run = run_deployment(production.api_url, "tick/tick",
                         {"cycle_id": "hanoi-2023", "at": "2023-12-04T08:00:00+07:00"})
    assert run["state"]["type"] == "COMPLETED", run["state"]
    assert run["name"] == "hanoi-2023 · 04/12/2023 08:00 +07:00"
    assert "cycle:hanoi-2023" in run["tags"] and "stage:self_assessment" in run["tags"]
    with session_scope(db) as session:
        states = dict(session.execute(select(Unit.state, func.count()).group_by(Unit.state)).all())
        overdue = session.scalar(select(func.count()).select_from(Assignment).where(
            Assignment.status == AssignmentStatus.OVERDUE.value))
    assert states == {"self_assessing": 52} and overdue >= 52  # 30/11 passed with no form sent
    summary = wait_for_log(production.api_url, run["id"], "Lượt 04/12/2023 08:00 +07:00: giai đoạn")
    # Sở Nội vụ's own tasks are in its digest: no mail from it to itself; the survey online is open, each unit
    # is sent its links (52)
    assert "Tự đánh giá, chấm điểm" in summary and "107 thư vào hàng đợi" in summary
    shown = everything_shown(production.api_url)
    assert "Sở Nội vụ" in shown  # the artifacts were read back, in Vietnamese
    assert SECRET not in shown and "database_url" not in shown


def test_a_refused_rerun_ends_failed_with_one_line(production, loaded_hanoi):
    run = run_deployment(production.api_url, "rerun-stage/rerun-stage", {
        "cycle_id": "hanoi-2023", "stage": "Thẩm định lần 1", "unit_code": "KHONGCO",
        "reason": "sửa điểm", "by": "Nguyễn Văn A"})
    assert run["state"]["type"] == "FAILED"
    assert run["state"]["message"] == "chu kỳ hanoi-2023: không có đơn vị KHONGCO"
    assert run["name"] == "hanoi-2023 · mở lại: Thẩm định lần 1 · KHONGCO"
    wait_for_log(production.api_url, run["id"], "chu kỳ hanoi-2023: không có đơn vị KHONGCO")
    wait_for_log(production.api_url, run["id"], "Finished in state Failed")  # the engine's own last line, shipped
    logs = "\n".join(line["message"] for line in post(production.api_url, "/logs/filter", {
        "logs": {"flow_run_id": {"any_": [run["id"]]}}, "limit": 200}))
    assert "Traceback" not in logs and "NoneType: None" not in logs, logs


def test_a_body_reports_its_task_done_from_the_form(production, loaded_hanoi, db):
    run = run_deployment(production.api_url, "report-done/report-done", {
        "cycle_id": "hanoi-2023", "task_number": 14, "by": "Viện NCPT KT-XH", "note": "Công văn 12/VNC"})
    assert run["state"]["type"] == "COMPLETED", run["state"]
    with session_scope(db) as session:
        entry = session.execute(select(HistoryEntry).where(HistoryEntry.event == "report_done")).scalars().first()
    assert (entry.actor, entry.reason, entry.flow_run_id) == ("Viện NCPT KT-XH", "Công văn 12/VNC", run["id"])


def test_approval_refuses_before_pausing_when_nothing_awaits_it(production, loaded_hanoi):
    run = run_deployment(production.api_url, "approve-results/approve-results", {"cycle_id": "hanoi-2023"},
                         until={"COMPLETED", "FAILED", "CRASHED", "PAUSED"})
    assert run["state"]["type"] == "FAILED", run["state"]
    assert "chưa được chấm điểm" in run["state"]["message"]


def test_a_coordinator_sees_the_dashboard_the_overdue_units_and_the_forms(production, loaded_hanoi, page):
    from playwright.sync_api import expect

    run = run_deployment(production.api_url, "tick/tick",
                         {"cycle_id": "hanoi-2023", "at": "2023-12-05T08:00:00+07:00"})
    assert run["state"]["type"] == "COMPLETED"
    page.goto(f"{production.ui_url}/runs")
    expect(page.get_by_text("hanoi-2023 · 05/12/2023 08:00 +07:00").first).to_be_visible()
    expect(page.get_by_text("Unable to connect")).to_have_count(0)
    (overdue,) = post(production.api_url, "/artifacts/filter", {
        "artifacts": {"key": {"any_": ["hanoi-2023-overdue"]}}, "sort": "CREATED_DESC", "limit": 1})
    page.goto(f"{production.ui_url}/artifacts/artifact/{overdue['id']}")
    expect(page.get_by_text("Sở Nội vụ").first).to_be_visible()
    expect(page.get_by_text("Số ngày làm việc quá hạn").first).to_be_visible()
    (deployment,) = post(production.api_url, "/deployments/filter",
                         {"deployments": {"name": {"any_": ["rerun-stage"]}}, "limit": 1})
    page.goto(f"{production.ui_url}/deployments/deployment/{deployment['id']}/run")
    expect(page.get_by_text("Giai đoạn mở lại").first).to_be_visible()
    expect(page.get_by_text("Mã đơn vị").first).to_be_visible()


def test_the_council_resumes_the_paused_approval_in_the_browser(production, loaded_hanoi, db, page):
    from playwright.sync_api import expect

    drive_to_scored(db)
    run = run_deployment(production.api_url, "approve-results/approve-results",
                         {"cycle_id": "hanoi-2023", "poll_seconds": 1}, until={"PAUSED", "FAILED", "CRASHED"})
    assert run["state"]["type"] == "PAUSED", run["state"]
    page.goto(f"{production.ui_url}/runs/flow-run/{run['id']}")
    page.get_by_role("button", name="Resume").click()
    dialog = page.get_by_role("dialog")
    expect(dialog.get_by_text("Người phê duyệt")).to_be_visible()  # the council's form, in Vietnamese
    expect(dialog.get_by_text("Số quyết định")).to_be_visible()
    approver, decision = dialog.get_by_role("textbox").nth(0), dialog.get_by_role("textbox").nth(1)
    approver.fill("Chủ tịch Hội đồng thẩm định")
    decision.fill("QĐ 12/QĐ-HĐTĐ")
    dialog.get_by_role("button", name="Submit").click()
    assert wait_for_state(production.api_url, run["id"])["state"]["type"] == "COMPLETED"
    page.reload()
    expect(page.get_by_text("Completed").first).to_be_visible()
    with session_scope(db) as session:
        cycle = session.get(Cycle, "hanoi-2023")
        approved = session.scalar(select(func.count()).select_from(Unit).where(Unit.state == "approved"))
    assert (cycle.approved_by, approved) == ("Chủ tịch Hội đồng thẩm định", 52)


def test_serve_hands_a_tick_to_the_work_pool(production, loaded_hanoi, db, monkeypatch):
    from prefect.settings import temporary_settings

    from flows.schedule import TickDeploymentMissing, check_tick_deployment, run_tick_job

    with temporary_settings(updates={"api.url": production.api_url}):
        check_tick_deployment("parindex-process")
        with pytest.raises(TickDeploymentMissing, match="runs on work pool 'parindex-process', not 'other'"):
            check_tick_deployment("other")
        run_tick_job("hanoi-2023", "parindex-process")
    (handed,) = post(production.api_url, "/flow_runs/filter", {
        "flow_runs": {"tags": {"all_": ["parindex-serve", "cycle:hanoi-2023"]}}, "limit": 5})
    assert wait_for_state(production.api_url, handed["id"])["state"]["type"] == "COMPLETED"
    with session_scope(db) as session:  # run now (2026): the 2023 season's windows all opened and closed
        assert session.scalar(select(func.count()).select_from(Unit).where(Unit.state == "registered")) == 0


def test_the_readme_automation_alerts_the_coordinator_on_escalations(production, loaded_hanoi, tmp_path):
    from prefect.blocks.notifications import CustomWebhookNotificationBlock
    from prefect.settings import temporary_settings

    received: list[bytes] = []

    class Hook(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            received.append(self.rfile.read(int(self.headers["Content-Length"])))
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    hook = HTTPServer(("127.0.0.1", 0), Hook)
    threading.Thread(target=hook.serve_forever, daemon=True).start()
    try:
        with temporary_settings(updates={"api.url": production.api_url}):
            block_id = CustomWebhookNotificationBlock(
                name="parindex-coordinator", url=f"http://127.0.0.1:{hook.server_port}/hook", allow_private_urls=True,
                json_data={"subject": "{{subject}}", "body": "{{body}}"}).save("coordinator", overwrite=True)
        readme = (ROOT / "README.md").read_text(encoding="utf-8")
        automation = readme.split("```\nname: parindex-escalations", 1)[1].split("```", 1)[0]
        spec = tmp_path / "escalations.yaml"
        spec.write_text("name: parindex-escalations" + automation.replace(
            "<id of the `coordinator` block>", str(block_id)), encoding="utf-8")
        created = subprocess.run([sys.executable, "-m", "prefect", "automation", "create", "--from-file", str(spec)],
                                 env=production.env, capture_output=True, text=True)
        assert created.returncode == 0, created.stdout + created.stderr
        run = run_deployment(production.api_url, "tick/tick",
                             {"cycle_id": "hanoi-2023", "at": "2023-12-04T08:00:00+07:00"})
        assert run["state"]["type"] == "COMPLETED"
        deadline = time.monotonic() + 90
        while not received and time.monotonic() < deadline:
            time.sleep(1)
    finally:
        hook.shutdown()
    assert received, "the automation sent nothing"
    alert = json.loads(received[0])
    assert "báo lãnh đạo đơn vị" in alert["subject"] and alert["body"].startswith("Nhiệm vụ ")
