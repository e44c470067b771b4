"""The council's approval as a paused Prefect flow run, resumed with typed input."""

import threading
import time

import pytest
from prefect import resume_flow_run
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterState, FlowRunFilterStateType
from prefect.client.schemas.objects import StateType
from prefect.client.schemas.sorting import FlowRunSort
from sqlalchemy import func, select

from flows.approval import approve_results_flow
from models.db import session_scope
from models.tables import Cycle, HistoryEntry, Unit
from tests.seasons import drive_to_scored

pytestmark = [pytest.mark.flow, pytest.mark.usefixtures("prefect_harness")]


def paused_run_id(deadline: float):
    with get_client(sync_client=True) as client:
        while time.monotonic() < deadline:
            runs = client.read_flow_runs(flow_run_filter=FlowRunFilter(state=FlowRunFilterState(
                type=FlowRunFilterStateType(any_=[StateType.PAUSED]))), sort=FlowRunSort.START_TIME_DESC, limit=5)
            if runs:
                return runs[0].id
            time.sleep(0.5)
    raise AssertionError("the approval flow never paused")


def test_the_flow_pauses_for_the_council_and_records_its_decision(loaded_hanoi, db, database_url):
    drive_to_scored(db)
    outcome: dict = {}
    runner = threading.Thread(target=lambda: outcome.update(approve_results_flow(
        cycle_id="hanoi-2023", timeout_hours=1, poll_seconds=1)))
    runner.start()
    run_id = paused_run_id(time.monotonic() + 60)
    with session_scope(db) as session:
        assert session.get(Cycle, "hanoi-2023").approved_at is None  # nothing recorded while paused
    resume_flow_run(run_id, run_input={"approve": True, "approved_by": "Chủ tịch Hội đồng",
                                       "decision": "QĐ 12/QĐ-HĐTĐ"})
    runner.join(timeout=60)
    assert outcome == {"approved": True, "units": 52, "by": "Chủ tịch Hội đồng"}
    with session_scope(db) as session:
        cycle = session.get(Cycle, "hanoi-2023")
        approved = session.scalar(select(func.count()).select_from(Unit).where(Unit.state == "approved"))
        reasons = set(session.execute(select(HistoryEntry.reason).where(HistoryEntry.event == "approve")).scalars())
    assert (cycle.approved_by, approved, reasons) == ("Chủ tịch Hội đồng", 52, {"QĐ 12/QĐ-HĐTĐ"})
