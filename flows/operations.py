"""Operators' actions as flows: the Prefect UI renders their typed parameters as a form."""

from __future__ import annotations

from datetime import date

from prefect import flow, task
from prefect.cache_policies import NO_CACHE

from models.cycle_context import load_context
from models.settings import get_settings
from models.stages import Stage
from tasks.events import unit_of_work
from tasks.extensions import extend_deadline
from tasks.rerun import RerunStage, rerun_stage
from tasks.runtime import current_flow_run_id, engine_for, wall_clock


@task(cache_policy=NO_CACHE)
def rerun_task(database_url: str, cycle_id: str, stage: str, unit_code: str, reason: str, by: str) -> dict:
    with unit_of_work(engine_for(database_url)) as session:
        result = rerun_stage(session, load_context(session, cycle_id), stage=Stage(stage), unit_code=unit_code,
                             reason=reason, actor=by, at=wall_clock(), flow_run_id=current_flow_run_id())
    return result.__dict__


@flow(name="rerun-stage", description="Re-open a stage for one unit after a correction; what depended on it goes "
      "stale and the next ticks recompute it.")
def rerun_stage_flow(cycle_id: str, stage: RerunStage, unit_code: str, reason: str, by: str,
                     database_url: str | None = None) -> dict:
    return rerun_task(database_url or get_settings().database_url, cycle_id, stage.value, unit_code, reason, by)


@task(cache_policy=NO_CACHE)
def extend_task(database_url: str, cycle_id: str, task_number: int, unit_codes: list[str] | None, until: date,
                reason: str, by: str) -> dict:
    with unit_of_work(engine_for(database_url)) as session:
        result = extend_deadline(session, load_context(session, cycle_id), task_number=task_number,
                                 unit_codes=unit_codes, until=until, reason=reason, actor=by, at=wall_clock(),
                                 flow_run_id=current_flow_run_id())
    return {"task": result.task_number, "last_day": result.last_day.isoformat(), "extended": len(result.extended),
            "reopened": result.reopened, "cancelled_messages": result.cancelled_messages}


@flow(name="extend-deadline", description="Move a task's effective deadline for some units (or all, when no unit "
      "is given); its reminders follow and obsolete ones are cancelled.")
def extend_deadline_flow(cycle_id: str, task_number: int, until: date, reason: str, by: str,
                         unit_codes: list[str] | None = None, database_url: str | None = None) -> dict:
    return extend_task(database_url or get_settings().database_url, cycle_id, task_number, unit_codes or None,
                       until, reason, by)
