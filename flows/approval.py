"""The council's approval: the flow shows the computed results, pauses for a typed decision in the Prefect
UI (or `parindex approve`), and records it. The next tick announces approved results."""

from __future__ import annotations

from prefect import flow, get_run_logger, pause_flow_run, task
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NO_CACHE
from prefect.input import RunInput

from models.cycle_context import load_context
from models.db import session_scope
from models.report_data import cycle_report
from models.settings import get_settings
from tasks.events import unit_of_work
from tasks.intake import approve_results
from tasks.runtime import current_flow_run_id, engine_for, wall_clock


class CouncilDecision(RunInput):
    """What the council's chair enters in the Prefect UI to resume the flow."""

    approve: bool = True
    approved_by: str
    decision: str = ""  # e.g. "Quyết định số …/QĐ-HĐTĐ"


@task(cache_policy=NO_CACHE)
def results_for_review(database_url: str, cycle_id: str) -> str:
    """The ranking per block as a markdown artifact the council reads before deciding."""
    with session_scope(engine_for(database_url)) as session:
        report = cycle_report(session, load_context(session, cycle_id))
    lines = [f"# {report.title}: results for the council's approval", ""]
    if report.unscored:
        lines.append(f"**Not scored yet:** {', '.join(report.unscored)}\n")
    for block in report.blocks:
        lines += [f"## {block.name}", "", "| Hạng | Mã | Đơn vị | Chỉ số (%) | Xếp loại |", "|---|---|---|---|---|"]
        lines += [f"| {u.rank} | {u.code} | {u.name} | {u.index} | {u.band} |" for u in block.units]
        lines.append("")
    markdown = "\n".join(lines)
    create_markdown_artifact(markdown, key=f"{cycle_id}-results-for-approval",
                             description="Computed results awaiting the council's approval")
    return markdown


@task(cache_policy=NO_CACHE)
def record_approval(database_url: str, cycle_id: str, approved_by: str, decision: str) -> int:
    with unit_of_work(engine_for(database_url)) as session:
        return approve_results(session, load_context(session, cycle_id), at=wall_clock(), actor=approved_by,
                               reason=decision or "council approval", flow_run_id=current_flow_run_id())


@flow(name="approve-results", description="Show the computed results, wait for the council's decision, record it.")
def approve_results_flow(cycle_id: str, database_url: str | None = None, timeout_hours: int = 72,
                         poll_seconds: int = 10) -> dict[str, object]:
    url = database_url or get_settings().database_url
    results_for_review(url, cycle_id)
    decision: CouncilDecision = pause_flow_run(
        wait_for_input=CouncilDecision.with_initial_data(
            description="Hội đồng thẩm định: thông qua kết quả (xem artifact *results-for-approval*).",
            approve=True, decision=""),
        timeout=timeout_hours * 3600, poll_interval=poll_seconds, key=f"{cycle_id}-approval")
    if not decision.approve or not decision.approved_by.strip():
        get_run_logger().warning("The council did not approve the results of %s", cycle_id)
        return {"approved": False, "units": 0}
    count = record_approval(url, cycle_id, decision.approved_by.strip(), decision.decision.strip())
    return {"approved": True, "units": count, "by": decision.approved_by.strip()}
