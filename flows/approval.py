"""The council's approval: the flow shows the computed results, pauses for a typed decision in the Prefect
UI (or `parindex approve`), and records it. The next tick announces approved results."""

from __future__ import annotations

from prefect import flow, get_run_logger, pause_flow_run, task
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NO_CACHE
from prefect.input import RunInput
from prefect.states import State
from pydantic import Field
from sqlmodel import Session

from flows.refusals import Refusal, act_on_cycle, outcome
from models.cycle_context import CycleContext
from models.report_data import APPROVED_WITHOUT_DECISION, CycleReport, cycle_report
from models.words import word
from tasks.engine.prefect_private import describe_run_input
from tasks.engine.runtime import current_flow_run_id, wall_clock
from tasks.inputs.intake import approve_results, awaiting_approval
from tasks.reads.dashboard.naming import tag_current_run


class CouncilDecision(RunInput):
    """What the council's chair enters in the Prefect UI to resume the flow."""

    approve: bool = Field(True, description="Thông qua kết quả", json_schema_extra={"title": "Thông qua"})
    approved_by: str = Field(description="Họ tên, chức vụ người ký", json_schema_extra={"title": "Người phê duyệt"})
    decision: str = Field("", description="Ví dụ: Quyết định số …/QĐ-HĐTĐ",
                          json_schema_extra={"title": "Số quyết định"})


# What the form says above its fields. (`with_initial_data` would say it too, but rebuilds the fields and
# loses their Vietnamese titles.)
describe_run_input(CouncilDecision, "Hội đồng thẩm định: thông qua kết quả (xem artifact *results-for-approval*).")


@task(cache_policy=NO_CACHE)
def results_for_review(cycle_id: str) -> str | Refusal:
    """The ranking per block as a markdown artifact the council reads before deciding; refused (Failed) when
    nothing awaits approval, before anyone is asked to decide."""
    def review(session: Session, ctx: CycleContext) -> CycleReport:
        awaiting_approval(session, ctx)
        return cycle_report(session, ctx, at=wall_clock())

    report = act_on_cycle(cycle_id, review)
    if isinstance(report, Refusal):
        return report
    lines = [word("approval.heading", cycle=report.title), ""]
    if report.unscored:
        lines.append(word("approval.unscored", units=", ".join(report.unscored)) + "\n")
    header = " | ".join(word(c) for c in ("col.rank", "col.code", "col.unit", "col.index", "col.band"))
    for block in report.blocks:
        lines += [f"## {block.name}", "", f"| {header} |", "|---|---|---|---|---|"]
        lines += [f"| {u.rank} | {u.code} | {u.name} | {u.index} | {u.band} |" for u in block.units]
        lines.append("")
    markdown = "\n".join(lines)
    create_markdown_artifact(markdown, key=f"{cycle_id}-results-for-approval",
                             description=word("approval.description"))
    return markdown


@task(cache_policy=NO_CACHE)
def record_approval(cycle_id: str, approved_by: str, decision: str) -> int | Refusal:
    """The council's decision, in one transaction."""
    return act_on_cycle(cycle_id, lambda session, ctx: approve_results(
        session, ctx, at=wall_clock(), actor=approved_by, reason=decision or APPROVED_WITHOUT_DECISION,
        flow_run_id=current_flow_run_id()))


@flow(name="approve-results", flow_run_name="{cycle_id} · Hội đồng thẩm định thông qua kết quả",
      description="Hiển thị kết quả đã tính, chờ Hội đồng thẩm định quyết định, ghi nhận "
      "quyết định (Resume trên giao diện).")
def approve_results_flow(
    cycle_id: str = Field(description="Mã đợt đánh giá, ví dụ hanoi-2023", json_schema_extra={"title": "Đợt đánh giá"}),
    timeout_hours: int = Field(72, description="Hết thời gian này mà chưa quyết định thì lượt chạy kết thúc",
                               json_schema_extra={"title": "Chờ tối đa (giờ)"}),
    poll_seconds: int = Field(10, json_schema_extra={"title": "Kiểm tra mỗi (giây)"}),
) -> dict[str, object] | State:
    tag_current_run([f"cycle:{cycle_id}", "council"])
    review = results_for_review(cycle_id)
    if isinstance(review, Refusal):
        return outcome(review)
    decision: CouncilDecision = pause_flow_run(
        wait_for_input=CouncilDecision,
        timeout=timeout_hours * 3600, poll_interval=poll_seconds, key=f"{cycle_id}-approval")
    if not decision.approve or not decision.approved_by.strip():
        get_run_logger().warning("Hội đồng chưa thông qua kết quả của %s", cycle_id)
        return {"approved": False, "units": 0}
    recorded = record_approval(cycle_id, decision.approved_by.strip(), decision.decision.strip())
    if isinstance(recorded, Refusal):
        return outcome(recorded)
    return {"approved": True, "units": recorded, "by": decision.approved_by.strip()}
