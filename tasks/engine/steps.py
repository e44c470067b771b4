"""The Prefect tasks a tick is made of: each opens one transaction over a whole stage or cycle. The database
comes from settings (PARINDEX_DATABASE_URL), never a parameter: the UI shows parameters."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from prefect import get_run_logger, task
from prefect.cache_policies import NO_CACHE
from sqlmodel import Session

from models.cycle_context import load_context
from models.db import session_scope
from models.settings import get_settings
from models.stages import Stage, spec_of
from models.transitions import Transition
from models.upkeep import clear_dead_rows
from models.words import word
from tasks.engine import stage_steps
from tasks.engine.anchoring import sign_if_a_day_passed
from tasks.engine.assignments import reconcile_stage
from tasks.engine.events import committed
from tasks.engine.planning import stages_with_work
from tasks.engine.reminders import queue_digest, queue_ladder
from tasks.engine.runtime import current_flow_run_id, database_url, engine_for
from tasks.mail.delivery import deliver_pending
from tasks.mail.survey_links import queue_survey_links

ACTOR = "parindex-tick"


@task(cache_policy=NO_CACHE)
def plan_tick(cycle_id: str, at: datetime) -> list[str]:
    """The stages with work at this instant."""
    with session_scope(engine_for(database_url())) as session:
        return [stage.value for stage in stages_with_work(session, load_context(session, cycle_id), at=at)]


@task(cache_policy=NO_CACHE)
def advance_assignments(cycle_id: str, stage: str, at: datetime) -> dict[str, int]:
    """Open what is ready, mark what is late, complete what the units' progress completes."""
    run_id = current_flow_run_id()
    changes = committed(engine_for(database_url()), lambda session: reconcile_stage(
        session, load_context(session, cycle_id), stage=stage, at=at, actor=ACTOR, flow_run_id=run_id))
    return {"opened": changes.opened, "overdue": changes.overdue, "completed": changes.completed}


@task(cache_policy=NO_CACHE)
def move_units(cycle_id: str, stage: str, at: datetime) -> int:
    """The stage's own step for its units (open the window, send drafts, close, score, announce)."""
    settings = get_settings()
    run_id = current_flow_run_id()
    step = spec_of(stage).step
    if step is None:
        return 0
    moved: list[Transition] = committed(engine_for(database_url()), lambda session: stage_steps.STEPS[step](
        session, load_context(session, cycle_id), settings, at=at, actor=ACTOR, flow_run_id=run_id))
    return len(moved)


@task(cache_policy=NO_CACHE)
def queue_notifications(cycle_id: str, at: datetime) -> int:
    """Reminders, overdue notices and escalations due now for every stage, the daily digest, and the daily
    signed checkpoint of the history (once a day while it grows)."""
    settings = get_settings()

    def queue(session: Session) -> int:  # escalations are announced as events
        ctx = load_context(session, cycle_id)
        queued = sum(queue_ladder(session, ctx, settings, stage=stage.value, at=at) for stage in Stage)
        queued += queue_digest(session, ctx, settings, at=at)
        queued += queue_survey_links(session, ctx, settings, at=at)
        sign_if_a_day_passed(session, cycle_id, at)
        return queued

    return committed(engine_for(database_url()), queue)


@task(cache_policy=NO_CACHE, retries=2, retry_delay_seconds=[2, 10])
def deliver_outbox(cycle_id: str, at: datetime) -> dict[str, Any]:
    """Send the due messages; an SMTP outage leaves them waiting with back-off, logged, not raised."""
    report = deliver_pending(engine_for(database_url()), get_settings(), cycle_id=cycle_id, at=at)
    if report.error:
        get_run_logger().warning(word("log.smtp_down", count=report.failed, error=report.error))
    return report.__dict__


@task(cache_policy=NO_CACHE)
def clear_dead_rows_of_tick() -> dict[str, list[str]]:
    """PostgreSQL: vacuum what the tick's updates left dead, so that the next tick's questions do not walk it."""
    done = clear_dead_rows(engine_for(database_url()))
    return {"vacuumed": done.vacuumed, "analyzed": done.analyzed}
