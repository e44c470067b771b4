"""What a coordinator reads on the dashboard, read back from a real Prefect server: artifacts in Vietnamese
(English on request) with names, owners and bodies' tasks, missed counted as missed, and lateness events
linked to the run that caused them and to no other."""

from __future__ import annotations

import json
import time
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from prefect.settings import PREFECT_API_URL
from sqlalchemy import select, update

from flows.season import run_tick_flow
from models.db import session_scope
from models.lifecycle import UnitEvent
from models.settings import get_settings
from models.tables import Assignment, AssignmentStatus, PlanTask
from models.transitions import transition_units
from tasks.engine.events import unit_of_work
from tasks.reads.dashboard.artifacts import publish_artifacts
from tests.prefect_api import post

pytestmark = [pytest.mark.flow, pytest.mark.usefixtures("prefect_harness")]
HCM = ZoneInfo("Asia/Ho_Chi_Minh")
LATE = datetime(2023, 12, 4, 8, tzinfo=HCM)  # the self-assessment deadline (30/11) has passed


def latest(key: str) -> str:
    """The artifact's newest version as the UI gets it (a table's rows decoded from their JSON)."""
    (artifact,) = post(PREFECT_API_URL.value(), "/artifacts/filter", {
        "artifacts": {"key": {"any_": [key]}}, "sort": "CREATED_DESC", "limit": 1})
    data = artifact["data"]
    return json.dumps(json.loads(data), ensure_ascii=False) if artifact["type"] == "table" else data


def events_named(name: str, since: datetime, *, until=lambda events: bool(events)) -> list[dict]:
    """Events persist a moment after they are sent, some after others: wait until `until` holds."""
    found: list[dict] = []
    for _ in range(120):
        found = post(PREFECT_API_URL.value(), "/events/filter", {"filter": {
            "event": {"name": [name]}, "occurred": {"since": since.isoformat()}}, "limit": 50})["events"]
        if until(found):
            return found
        time.sleep(0.5)
    raise AssertionError(f"no {name} event as expected: {found}")


def runs_of(event: dict) -> list[str]:
    return [r["prefect.resource.id"] for r in event["related"] if r["prefect.resource.id"].startswith("prefect.flow-run.")]


def test_artifacts_name_units_and_bodies_in_vietnamese_and_count_missed(loaded_hanoi, db, database_url, smtp):
    run_tick_flow("hanoi-2023", database_url, LATE)
    with session_scope(db) as session:  # a body late with its task, a unit that never explained
        council_task = session.scalar(select(PlanTask.id).where(PlanTask.number == 13))
        session.execute(update(Assignment).where(Assignment.plan_task_id == council_task)
                        .values(status=AssignmentStatus.OVERDUE.value))
        explanations = session.scalar(select(PlanTask.id).where(PlanTask.number == 8))
        session.execute(update(Assignment).where(Assignment.plan_task_id == explanations,
                                                 Assignment.assignee == "unit:STP")
                        .values(status=AssignmentStatus.MISSED.value))
    publish_artifacts.fn("hanoi-2023", LATE)
    overdue = latest("hanoi-2023-overdue")
    assert "Sở Nội vụ" in overdue and "Khối Sở" in overdue and "Số ngày làm việc quá hạn" in overdue
    assert "Viện Nghiên cứu phát triển kinh tế - xã hội Hà Nội" in overdue  # task 13 is the institute's
    progress = latest("hanoi-2023-progress")
    assert "04/12/2023 08:00 +07:00" in progress and "Không thực hiện" in progress
    row = next(line for line in progress.splitlines() if line.startswith("| 8 |"))
    # done, late, missed (an optional explanation: not sent, never late nor missed), overdue
    assert row.split("|")[2:6] == [" 0 ", " 0 ", " 1 không gửi ", " 0 "]
    units = latest("hanoi-2023-units-by-stage")
    assert "Sở Tư pháp" in units and "quá hạn" in units and "đang tự đánh giá" in units


def test_artifacts_speak_english_on_request(loaded_hanoi, db, database_url, smtp, monkeypatch):
    run_tick_flow("hanoi-2023", database_url, LATE)
    monkeypatch.setenv("PARINDEX_LANGUAGE", "en")
    get_settings.cache_clear()
    publish_artifacts.fn("hanoi-2023", LATE)
    overdue = latest("hanoi-2023-overdue")
    assert "Working days overdue" in overdue and "Số ngày" not in overdue
    assert "self-assessing" in latest("hanoi-2023-units-by-stage")


def test_lateness_events_link_their_own_run_and_submissions_link_none(loaded_hanoi, db, database_url, smtp):
    since = datetime.now(HCM)
    run_tick_flow("hanoi-2023", database_url, LATE)
    found = events_named("parindex.assignments.overdue", since,
                         until=lambda events: any(event["payload"]["task"] == 5 for event in events))
    (overdue,) = [event for event in found if event["payload"]["task"] == 5]
    assert len(overdue["payload"]["assignees"]) == 52
    assert all(len(runs_of(event)) == 1 for event in found)  # the stage run that marked them, no other
    with unit_of_work(db) as session:  # a unit sends its form between ticks: no run caused it
        transition_units(session, cycle_id="hanoi-2023", codes=["SNV"], event=UnitEvent.SUBMIT_SELF_ASSESSMENT,
                         actor="unit:SNV", at=LATE)
    (submitted,) = events_named("parindex.units.self_assessed", since)
    assert runs_of(submitted) == []
