"""Operators' actions as flows: the Prefect UI renders their typed parameters as a form, in Vietnamese."""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Any

from prefect import flow, task
from prefect.cache_policies import NO_CACHE
from prefect.states import State
from pydantic import Field
from sqlmodel import Session

from flows.refusals import Refusal, act_on_cycle, outcome
from models.cycle_context import CycleContext
from models.stages import Stage
from models.words import words_in
from tasks.engine.runtime import current_flow_run_id, wall_clock
from tasks.inputs.intake import report_task_done
from tasks.operations.extensions import extend_deadline
from tasks.operations.rerun import RERUN_EVENTS, rerun_stage
from tasks.reads.dashboard.naming import tag_current_run


def _titled(title: str, description: str, default: Any = ...) -> Any:
    """A parameter's Vietnamese label and help, as the Prefect UI shows them above its input."""
    return Field(default, description=description, json_schema_extra={"title": title})


# The choice as the form shows it: its value is the stage's Vietnamese label (the deployments' parameter schema
# does not change with a worker's language), its name the stage.
StageChoice = StrEnum("StageChoice", {stage.value: words_in("vi")(stage.value)  # type: ignore[misc]  # from the registry
                                      for stage in RERUN_EVENTS})


@task(cache_policy=NO_CACHE)
def rerun_task(cycle_id: str, stage: str, unit_code: str, reason: str, by: str) -> dict | Refusal:
    """Re-open the stage for the unit, in one transaction."""
    return act_on_cycle(cycle_id, lambda session, ctx: rerun_stage(
        session, ctx, stage=Stage(stage), unit_code=unit_code.strip().upper(), reason=reason, actor=by,
        at=wall_clock(), flow_run_id=current_flow_run_id()).__dict__)


@flow(name="rerun-stage", flow_run_name="{cycle_id} · mở lại: {stage} · {unit_code}",
      description="Mở lại một giai đoạn cho một đơn vị sau khi sửa sai; những gì phụ thuộc vào "
      "nó được tính lại ở các lượt sau.")
def rerun_stage_flow(
    cycle_id: str = _titled("Đợt đánh giá", "Mã đợt đánh giá, ví dụ hanoi-2023"),
    stage: StageChoice = _titled("Giai đoạn mở lại", "Giai đoạn đơn vị phải làm lại"),
    unit_code: str = _titled("Mã đơn vị", "Mã đơn vị trong đợt, ví dụ SNV"),
    reason: str = _titled("Lý do", "Vì sao mở lại (ghi vào lịch sử)"),
    by: str = _titled("Người thực hiện", "Họ tên cán bộ thực hiện (ghi vào lịch sử)"),
) -> dict | State:
    tag_current_run([f"cycle:{cycle_id}", "operator"])
    return outcome(rerun_task(cycle_id, StageChoice(stage).name, unit_code, reason, by))


@task(cache_policy=NO_CACHE)
def report_done_task(cycle_id: str, task_number: int, by: str, note: str) -> dict | Refusal:
    """Complete a body's task, in one transaction."""
    return act_on_cycle(cycle_id, lambda session, ctx: {"task": task_number, "done": report_task_done(
        session, ctx, number=task_number, at=wall_clock(), actor=by, reason=note.strip() or "reported done",
        flow_run_id=current_flow_run_id())})


@flow(name="report-done", flow_run_name="{cycle_id} · nhiệm vụ {task_number} đã hoàn thành",
      description="Cơ quan chủ trì báo một nhiệm vụ của kế hoạch đã hoàn thành (quyết định của Hội đồng, báo cáo "
      "đã gửi); ghi vào lịch sử.")
def report_done_flow(
    cycle_id: str = _titled("Đợt đánh giá", "Mã đợt đánh giá, ví dụ hanoi-2023"),
    task_number: int = _titled("Nhiệm vụ số", "Số thứ tự nhiệm vụ trong kế hoạch (parindex cycle show)"),
    by: str = _titled("Người báo cáo", "Họ tên cán bộ báo hoàn thành (ghi vào lịch sử)"),
    note: str = _titled("Ghi chú", "Số quyết định, báo cáo đã gửi …", ""),
) -> dict | State:
    tag_current_run([f"cycle:{cycle_id}", "operator"])
    return outcome(report_done_task(cycle_id, task_number, by, note))


@task(cache_policy=NO_CACHE)
def extend_task(cycle_id: str, task_number: int, unit_codes: list[str] | None, until: date, reason: str,
                by: str) -> dict | Refusal:
    """Move the deadline and cancel the reminders that carry the old one, in one transaction."""
    def act(session: Session, ctx: CycleContext) -> dict:
        result = extend_deadline(session, ctx, task_number=task_number,
                                 unit_codes=[code.strip().upper() for code in unit_codes] if unit_codes else None,
                                 until=until, reason=reason, actor=by, at=wall_clock(),
                                 flow_run_id=current_flow_run_id())
        return {"task": result.task_number, "last_day": result.last_day.isoformat(),
                "extended": len(result.extended), "reopened": result.reopened,
                "cancelled_messages": result.cancelled_messages}
    return act_on_cycle(cycle_id, act)


@flow(name="extend-deadline", flow_run_name="{cycle_id} · gia hạn nhiệm vụ {task_number} đến {until}",
      description="Gia hạn một nhiệm vụ cho một số đơn vị (hoặc tất cả khi không chọn đơn "
      "vị nào); lịch nhắc theo hạn mới, thư nhắc cũ được huỷ.")
def extend_deadline_flow(
    cycle_id: str = _titled("Đợt đánh giá", "Mã đợt đánh giá, ví dụ hanoi-2023"),
    task_number: int = _titled("Nhiệm vụ số", "Số thứ tự nhiệm vụ trong kế hoạch (parindex cycle show)"),
    until: date = _titled("Hạn mới", "Ngày cuối cùng mới (lùi sang ngày làm việc nếu là ngày nghỉ)"),
    reason: str = _titled("Lý do", "Vì sao gia hạn (ghi vào lịch sử và thư gửi đơn vị)"),
    by: str = _titled("Người thực hiện", "Họ tên cán bộ thực hiện (ghi vào lịch sử)"),
    unit_codes: list[str] | None = _titled("Các đơn vị", "Mã các đơn vị được gia hạn; để trống: tất cả", None),
) -> dict | State:
    tag_current_run([f"cycle:{cycle_id}", "operator"])
    return outcome(extend_task(cycle_id, task_number, unit_codes or None, until, reason, by))
