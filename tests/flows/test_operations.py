"""The operators' flows run in process: an extension applies; a refusal ends the run Failed with one line."""

from datetime import date

import pytest
from sqlalchemy import select

from flows.operations import extend_deadline_flow, rerun_stage_flow
from models.db import session_scope
from models.tables import Assignment, PlanTask, Unit
from tests.tasks.test_extensions import MONDAY, advance

pytestmark = [pytest.mark.flow, pytest.mark.usefixtures("prefect_harness")]


def test_an_extension_from_the_form_moves_the_units_deadline(loaded_hanoi, db):
    advance(db, MONDAY)
    result = extend_deadline_flow(cycle_id="hanoi-2023", task_number=5, until=date(2030, 12, 6),
                                  reason="mất điện", by="Nguyễn Văn A", unit_codes=["snv"])
    assert result["extended"] == 1
    with session_scope(db) as session:
        last_day = session.scalar(select(Assignment.last_day).join(PlanTask).join(Unit, Unit.id == Assignment.unit_id)
                                  .where(PlanTask.number == 5, Unit.code == "SNV"))
    assert last_day == date(2030, 12, 6)


def test_a_refused_extension_and_rerun_end_failed_with_their_message(loaded_hanoi, db):
    state = extend_deadline_flow(cycle_id="hanoi-2023", task_number=99, until=date(2030, 12, 6), reason="x",
                                 by="A", return_state=True)
    assert state.is_failed() and state.message.startswith("chu kỳ hanoi-2023 không có nhiệm vụ số 99")
    state = rerun_stage_flow(cycle_id="hanoi-2023", stage="Tự đánh giá, chấm điểm", unit_code="SNV",
                             reason=" ", by="A", return_state=True)
    assert state.is_failed() and state.message == "chạy lại phải có lý do"
