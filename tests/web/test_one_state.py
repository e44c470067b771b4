"""One state for a task on every surface: a unit that sends no explanation (an optional task) reads "không giải
trình" on its home, its task page, the matrix, `parindex status`'s data and the dashboard's artifacts, never
"đã giải trình", "không thực hiện" or "xong, trễ hạn"; a window the unit's state opens reads open."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from models.cycle_context import load_context
from models.db import session_scope
from models.stages import Stage
from models.tables import Assignment, Unit
from models.task_states import task_state, unit_state_key
from tasks.inputs.intake import close_explanation_windows
from tasks.reads.status import cycle_status, task_tallies
from tests.web.conftest import PortalWorld
from tests.web.test_authorisation import sign_in_staff, sign_in_unit
from tests.web.test_unit_in_browser import send_a_draft


def test_the_state_function() -> None:
    assert task_state("missed", late=True, optional=True, stage="explanations") == "not_explained"
    assert task_state("missed", late=True, optional=False, stage="self_assessment") == "missed"
    assert task_state("done", late=True, optional=True) == "done"  # an optional task is never late
    assert task_state("done", late=True, optional=False) == "late"
    assert task_state("waiting", late=False, optional=True, accepting=True) == "open"
    assert task_state("open", late=False, optional=False, reopened=True) == "reopened"
    assert unit_state_key("explained", {"explanations": "not_explained"}) == "state.not_explained"
    assert unit_state_key("explained", {"explanations": "done"}) == "state.explained"


@pytest.mark.parametrize("world", ["hcmc-2021"], indirect=True)
def test_no_explanation_reads_the_same_everywhere(client, world: PortalWorld) -> None:
    send_a_draft(world, "SNV")
    csrf = sign_in_unit(client, world, "SNV")
    assert csrf
    with session_scope(world.engine) as session:
        ctx = load_context(session, world.cycle_id)
        task = ctx.unit_task(Stage.EXPLANATIONS)
        status = session.scalar(select(Assignment.status).join(Unit, Unit.id == Assignment.unit_id).where(
            Unit.code == "SNV", Assignment.plan_task_id == task.id))
        (snv,) = [u for u in cycle_status(session, ctx, at=world.at).units if u.code == "SNV"]
    # the draft page takes explanations now: the task reads open, whatever the plan's own date
    assert snv.stages["explanations"] == "open", (status, snv.stages)
    assert f'<tr class="state-open"><td>{task.number}. ' in client.get("/unit").text
    with session_scope(world.engine) as session:
        ctx = load_context(session, world.cycle_id)
        due = session.scalar(select(Assignment.due_at).join(Unit, Unit.id == Assignment.unit_id).where(
            Unit.code == "SNV", Assignment.plan_task_id == ctx.unit_task(Stage.EXPLANATIONS).id))
        assert close_explanation_windows(session, ctx, codes=["SNV"], at=due + timedelta(minutes=1), actor="t",
                                         flow_run_id=None) == 1
    home = client.get("/unit").text
    assert "không giải trình" in home and "đã giải trình" not in home
    assert "xong, trễ hạn" not in home and "không thực hiện" not in home
    with session_scope(world.engine) as session:
        ctx = load_context(session, world.cycle_id)
        (snv,) = [u for u in cycle_status(session, ctx, at=due).units if u.code == "SNV"]
        tally = next(t for t in task_tallies(session, ctx) if t.number == ctx.unit_task(Stage.EXPLANATIONS).number)
    assert snv.stages["explanations"] == "not_explained" and snv.state_key == "state.not_explained"
    assert tally.late == 0 and tally.missed == 0 and tally.not_sent == 1
    client.cookies.clear()
    sign_in_staff(client, "coordinator")
    matrix = client.get(f"/staff/{world.cycle_id}").text
    row = matrix.split('data-unit="SNV"')[1].split("</tr>")[0]
    assert 'data-stage="explanations">không giải trình' in row.replace('class="cell not_explained" ', "")
    filtered = client.get(f"/staff/{world.cycle_id}", params={"state": "not_explained"}).text
    assert 'data-unit="SNV"' in filtered and "1 không giải trình" in filtered
