"""The production clock: APScheduler jobs, one per checkpoint of every active cycle, each running `tick`.

Jobs live in the project database (SQLAlchemy job store) under deterministic ids, so a restart or a
second sync replaces rather than duplicates them. After downtime, missed checkpoints are dropped and
one catch-up tick runs instead of one per missed checkpoint. A tick runs in this process, or is handed to
a work pool as a run of the `tick` deployment (a worker on any machine runs it). One `serve` schedules at a
time (tasks.engine.leadership); the others wait and take over when it goes.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from contextlib import suppress
from datetime import datetime, timedelta

from apscheduler.events import EVENT_JOB_EXECUTED
from apscheduler.jobstores.base import JobLookupError
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.date import DateTrigger

from flows.apscheduler_private import CheckpointScheduler
from flows.tick import tick
from models.checkpoints import Checkpoint
from models.cycle_context import load_context
from models.db import normalise_url, session_scope
from models.refusals import Refused
from models.words import word
from tasks.engine.runtime import database_url, engine_for, wall_clock
from tasks.engine.schedule_data import active_cycles, never_opened, upcoming_checkpoints

log = logging.getLogger("parindex.schedule")
MISFIRE_GRACE = timedelta(minutes=30)
RESYNC_EVERY = timedelta(minutes=5)
STOP_POLL_SECONDS = 1.0
TICK_DEPLOYMENT = "tick/tick"


class TickDeploymentMissing(Refused):
    """`serve --work-pool` without the `tick` deployment on that pool: ticks would go nowhere."""


def check_tick_deployment(work_pool: str) -> None:
    """Refuse to hand ticks to `work_pool` unless the server has the `tick` deployment on that very pool."""
    from prefect.client.orchestration import get_client
    from prefect.exceptions import ObjectNotFound

    with get_client(sync_client=True) as client:
        try:
            deployment = client.read_deployment_by_name(TICK_DEPLOYMENT)
        except ObjectNotFound:
            raise TickDeploymentMissing(f"the Prefect server has no `{TICK_DEPLOYMENT}` deployment: run `prefect "
                                        "deploy --all` (README, production) before `serve --work-pool`") from None
    if deployment.work_pool_name != work_pool:
        raise TickDeploymentMissing(f"the `{TICK_DEPLOYMENT}` deployment runs on work pool "
                                    f"{deployment.work_pool_name!r}, not {work_pool!r}")


def run_tick_job(cycle_id: str, work_pool: str | None = None) -> None:
    """A job: tick now, here or as a run of the `tick` deployment on the work pool."""
    if work_pool:
        from prefect.deployments import run_deployment

        run_deployment(TICK_DEPLOYMENT, parameters={"cycle_id": cycle_id}, timeout=0,
                       tags=[f"cycle:{cycle_id}", "parindex-serve"])
        return
    tick(cycle_id=cycle_id)


def checkpoint_job_ids(scheduler: CheckpointScheduler, cycle_id: str) -> set[str]:
    return {job.id for job in scheduler.get_jobs() if job.id.startswith(f"{cycle_id}:checkpoint-")}


def sync_checkpoints(scheduler: CheckpointScheduler, *, cycle_id: str, now: datetime,
                     work_pool: str | None = None) -> list[Checkpoint]:
    """Make the scheduled jobs equal the checkpoints still ahead: add new, drop obsolete. Returns them."""
    with session_scope(engine_for(database_url())) as session:
        ahead = upcoming_checkpoints(session, load_context(session, cycle_id), after=now)
    wanted = {f"{cycle_id}:{point.job_id}": point for point in ahead}
    for job_id in checkpoint_job_ids(scheduler, cycle_id) - set(wanted):
        # A run-once job may have run, and been dropped by the scheduler itself, since it was listed.
        with suppress(JobLookupError):
            scheduler.remove_job(job_id)
    for job_id, point in wanted.items():
        scheduler.add_job(run_tick_job, DateTrigger(run_date=point.at), id=job_id, args=[cycle_id, work_pool],
                          name=f"tick {cycle_id} ({', '.join(point.reasons)})", replace_existing=True,
                          coalesce=True, misfire_grace_time=int(MISFIRE_GRACE.total_seconds()))
    return ahead


def missed_checkpoints(scheduler: CheckpointScheduler, cycle_id: str, now: datetime) -> list[str]:
    """Checkpoint jobs whose time passed while nothing ran (the scheduler was down)."""
    return [job.id for job in scheduler.get_jobs()
            if job.id.startswith(f"{cycle_id}:checkpoint-") and job.next_run_time and job.next_run_time < now]


def build_scheduler(*, cycle_ids: list[str], work_pool: str | None = None) -> CheckpointScheduler:
    scheduler = CheckpointScheduler(jobstores={"default": SQLAlchemyJobStore(url=normalise_url(database_url()),
                                                                            tablename="apscheduler_jobs")},
                                    timezone="UTC")
    with session_scope(engine_for(database_url())) as session:
        contexts = [load_context(session, cycle_id) for cycle_id in cycle_ids]
    for ctx in contexts:
        # The digest's time, and the opening of offices: a rung held back by a tick at night or on a day off
        # goes out the next working morning.
        for name, at in (("daily", ctx.spec.reminders.digest_time), ("office", ctx.spec.reminders.office_time)):
            scheduler.add_job(run_tick_job, CronTrigger(hour=at.hour, minute=at.minute, timezone=ctx.spec.timezone),
                              id=f"{ctx.cycle_id}:{name}", args=[ctx.cycle_id, work_pool],
                              name=f"{name} safety tick {ctx.cycle_id}", replace_existing=True, coalesce=True,
                              misfire_grace_time=int(MISFIRE_GRACE.total_seconds()))
    return scheduler


def drop_jobs_of_other_cycles(scheduler: CheckpointScheduler, cycle_ids: list[str]) -> None:
    """Jobs an earlier serve left for cycles this one does not serve (finished, or not asked for): only one
    serve schedules per database, so nobody else would run them, and run here they would tick a cycle that
    nobody asked to tick."""
    for job in scheduler.get_jobs():
        if job.id.split(":", 1)[0] not in cycle_ids:
            with suppress(JobLookupError):
                scheduler.remove_job(job.id)


def _never_opened(cycle_id: str, now: datetime) -> bool:
    with session_scope(engine_for(database_url())) as session:
        return never_opened(session, load_context(session, cycle_id), now=now)


Announce = Callable[[str, list[Checkpoint]], None]  # (cycle id, the checkpoints ahead)


def serve(*, cycle_ids: list[str] | None, stop: threading.Event, work_pool: str | None = None,
          announce: Announce = lambda cycle_id, ahead: None, clock: Callable[[], datetime] = wall_clock) -> None:
    """Catch up once per cycle if checkpoints were missed, sync the jobs, and run until `stop` is set; then
    start no new tick, let a running one finish, and return."""
    if work_pool:
        check_tick_deployment(work_pool)
    with session_scope(engine_for(database_url())) as session:
        cycles = cycle_ids or active_cycles(session)
    scheduler = build_scheduler(cycle_ids=cycles, work_pool=work_pool)
    scheduler.start(paused=True)
    try:
        drop_jobs_of_other_cycles(scheduler, cycles)
        now = clock()
        for cycle_id in cycles:
            missed = missed_checkpoints(scheduler, cycle_id, now)
            for job_id in missed:
                scheduler.remove_job(job_id)
            if missed:
                log.warning(word("log.missed", cycle=cycle_id, count=len(missed)))
            if missed or _never_opened(cycle_id, now):  # (the catch-up, or the first tick of a season under way)
                run_tick_job(cycle_id, work_pool)
            announce(cycle_id, sync_checkpoints(scheduler, cycle_id=cycle_id, now=now, work_pool=work_pool))

        def resync(_event: object = None) -> None:
            for cycle_id in cycles:
                sync_checkpoints(scheduler, cycle_id=cycle_id, now=clock(), work_pool=work_pool)

        # Re-sync after every tick: an extension or a finished task changes the checkpoints ahead.
        scheduler.add_listener(resync, mask=EVENT_JOB_EXECUTED)
        scheduler.resume()
        # A `cycle load` or an extension may move deadlines between ticks: follow them within minutes. The wait
        # is cut into seconds: a SIGTERM that the kernel hands to another thread is run by this (the main) thread
        # only when it next runs Python, and one long wait delayed a stop by up to RESYNC_EVERY.
        next_resync = time.monotonic() + RESYNC_EVERY.total_seconds()
        while not stop.wait(STOP_POLL_SECONDS):
            if time.monotonic() >= next_resync:
                resync()
                next_resync = time.monotonic() + RESYNC_EVERY.total_seconds()
    finally:
        scheduler.shutdown(wait=True)  # a tick that is running finishes; none starts after this
