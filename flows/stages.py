"""One flow per stage of the plan; `tick` calls the ones with work, and each also runs on its own."""

from __future__ import annotations

from datetime import datetime

from prefect import Flow, flow, get_run_logger
from prefect.context import TagsContext

from models.stages import Stage
from models.words import word
from tasks.dashboard.naming import season_run_name
from tasks.runtime import wall_clock
from tasks.steps import advance_assignments, move_units

DESCRIPTIONS = {
    Stage.SETUP: "Thành lập Hội đồng thẩm định và Tổ công tác.",
    Stage.SELF_ASSESSMENT: "Các đơn vị tự đánh giá, chấm điểm và gửi biểu mẫu.",
    Stage.APPRAISAL_ROUND1: "Tổ công tác thẩm định dự thảo lần 1.",
    Stage.SEND_DRAFT: "Gửi kết quả thẩm định dự thảo lần 1 đến từng đơn vị.",
    Stage.EXPLANATIONS: "Các đơn vị giải trình, bổ sung tài liệu kiểm chứng; hết hạn thì đóng.",
    Stage.APPRAISAL_ROUND2: "Tổ công tác thẩm định dự thảo lần 2.",
    Stage.SURVEY: "Điều tra xã hội học: kế hoạch, phát phiếu, chấm điểm, kết quả.",
    Stage.SCORING: "Tính chỉ số, xếp hạng, xếp loại cho từng khối đã đủ dữ liệu.",
    Stage.ANALYSIS_REPORT: "Báo cáo phân tích kết quả.",
    Stage.ANNOUNCEMENT: "Công bố kết quả đã được thông qua; mỗi đơn vị nhận thư kết quả.",
}


def stage_flow(stage: Stage) -> Flow:
    """A flow for one stage: move its assignments along, then take the stage's own step for its units."""

    @flow(name=stage.value.replace("_", "-"), description=DESCRIPTIONS[stage], flow_run_name=season_run_name,
          log_prints=False)
    def run_stage(cycle_id: str, at: datetime | None = None) -> dict[str, int]:
        instant = at or wall_clock()
        # The stage's run carries the tick's tags (cycle, stage); its task runs do not: a tagged task run first
        # asks the server for concurrency slots of each tag, a round trip per task for limits nobody set.
        with TagsContext(current_tags=set()):
            changes = advance_assignments(cycle_id, stage.value, instant)
            result = {**changes, "units_moved": move_units(cycle_id, stage.value, instant)}
        get_run_logger().info(word("stage.summary", stage=word(stage.value), opened=result["opened"],
                                   overdue=result["overdue"], completed=result["completed"],
                                   moved=result["units_moved"]))
        return result

    return run_stage


setup = stage_flow(Stage.SETUP)
self_assessment = stage_flow(Stage.SELF_ASSESSMENT)
appraisal_round1 = stage_flow(Stage.APPRAISAL_ROUND1)
send_draft = stage_flow(Stage.SEND_DRAFT)
explanations = stage_flow(Stage.EXPLANATIONS)
appraisal_round2 = stage_flow(Stage.APPRAISAL_ROUND2)
survey = stage_flow(Stage.SURVEY)
scoring = stage_flow(Stage.SCORING)
analysis_report = stage_flow(Stage.ANALYSIS_REPORT)
announcement = stage_flow(Stage.ANNOUNCEMENT)

STAGE_FLOWS: dict[Stage, Flow] = {
    Stage.SETUP: setup, Stage.SELF_ASSESSMENT: self_assessment, Stage.APPRAISAL_ROUND1: appraisal_round1,
    Stage.SEND_DRAFT: send_draft, Stage.EXPLANATIONS: explanations, Stage.APPRAISAL_ROUND2: appraisal_round2,
    Stage.SURVEY: survey, Stage.SCORING: scoring, Stage.ANALYSIS_REPORT: analysis_report,
    Stage.ANNOUNCEMENT: announcement,
}
