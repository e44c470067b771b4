"""One flow per stage of the plan; `tick` calls the ones with work, and each also runs on its own."""

from __future__ import annotations

from datetime import datetime

from prefect import Flow, flow, get_run_logger
from prefect.context import TagsContext

from models.stages import SPECS, STAGES, Stage
from models.words import word
from tasks.engine.runtime import wall_clock
from tasks.engine.steps import advance_assignments, move_units
from tasks.reads.dashboard.naming import season_run_name


def stage_flow(stage: Stage) -> Flow:
    """A flow for one stage: move its assignments along, then take the stage's own step for its units."""

    @flow(name=stage.value.replace("_", "-"), description=word(SPECS[stage].description_key),
          flow_run_name=season_run_name, log_prints=False)
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


# One flow per registered stage (models/stages.py), each also a module attribute under the stage's name: the
# deployments' entrypoints (prefect.yaml) read `flows/stages.py:<stage>`.
STAGE_FLOWS: dict[Stage, Flow] = {spec.stage: stage_flow(spec.stage) for spec in STAGES}
globals().update({stage.value: stage_flow for stage, stage_flow in STAGE_FLOWS.items()})
