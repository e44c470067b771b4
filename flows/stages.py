"""One flow per stage of the plan; `tick` calls the ones with work, and each also runs on its own."""

from __future__ import annotations

from datetime import datetime

from prefect import Flow, flow

from models.settings import get_settings
from models.stages import Stage
from tasks.runtime import wall_clock
from tasks.steps import advance_assignments, move_units

DESCRIPTIONS = {
    Stage.SETUP: "Council and working group founded (plan tasks 1-2).",
    Stage.SELF_ASSESSMENT: "Units self-assess and send their forms (plan task 5).",
    Stage.APPRAISAL_ROUND1: "The working group's first draft appraisal (plan task 6).",
    Stage.SEND_DRAFT: "Round-1 drafts go to each unit (plan task 7).",
    Stage.EXPLANATIONS: "Units explain and add evidence; the window closes at its deadline (plan task 8).",
    Stage.APPRAISAL_ROUND2: "The working group's second draft appraisal (plan task 9).",
    Stage.SURVEY: "The sociological survey: plan, fieldwork, scoring, results (plan tasks 3-4, 11-14).",
    Stage.SCORING: "Index, ranks and bands for each block whose inputs are complete.",
    Stage.ANALYSIS_REPORT: "Analysis reports of the results (plan tasks 10, 15).",
    Stage.ANNOUNCEMENT: "Approved results announced; each unit gets its letter (plan task 16).",
}


def stage_flow(stage: Stage) -> Flow:
    """A flow for one stage: move its assignments along, then take the stage's own step for its units."""

    @flow(name=stage.value.replace("_", "-"), description=DESCRIPTIONS[stage], log_prints=False)
    def run_stage(cycle_id: str, at: datetime | None = None, database_url: str | None = None) -> dict[str, int]:
        url = database_url or get_settings().database_url
        instant = at or wall_clock()
        changes = advance_assignments(url, cycle_id, stage.value, instant)
        return {**changes, "units_moved": move_units(url, cycle_id, stage.value, instant)}

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
