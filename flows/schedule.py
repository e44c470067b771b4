"""The production clock: APScheduler jobs, one per checkpoint, each running `tick`.

Jobs live in the project database (SQLAlchemy job store) under deterministic ids, so a restart or a
second sync replaces rather than duplicates them. After downtime, missed checkpoints are dropped and
one catch-up tick runs instead of one per missed checkpoint.
"""

from __future__ import annotations

import logging
import time
from datetime import datetime, timedelta

from apscheduler.events import EVENT_JOB_EXECUTED
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.date import DateTrigger

from flows.tick import tick
from models.cycle_context import load_context
from models.db import normalise_url, session_scope
from tasks.runtime import engine_for, wall_clock
from tasks.schedule_data import upcoming_checkpoints

log = logging.getLogger("parindex.schedule")
MISFIRE_GRACE = timedelta(minutes=30)
RESYNC_EVERY = timedelta(minutes=5)


def run_tick_job(cycle_id: str, database_url: str) -> None:
    """A job: tick now. The serve loop re-syncs checkpoints afterwards (deadlines may have moved)."""
    tick(cycle_id=cycle_id, database_url=database_url)


def checkpoint_job_ids(scheduler: BackgroundScheduler, cycle_id: str) -> set[str]:
    return {job.id for job in scheduler.get_jobs() if job.id.startswith(f"{cycle_id}:checkpoint-")}


def sync_checkpoints(scheduler: BackgroundScheduler, *, cycle_id: str, database_url: str, now: datetime) -> int:
    """Make the scheduled jobs equal the checkpoints still ahead: add new, drop obsolete. Returns the count."""
    with session_scope(engine_for(database_url)) as session:
        ahead = upcoming_checkpoints(session, load_context(session, cycle_id), after=now)
    wanted = {f"{cycle_id}:{point.job_id}": point for point in ahead}
    for job_id in checkpoint_job_ids(scheduler, cycle_id) - set(wanted):
        scheduler.remove_job(job_id)
    for job_id, point in wanted.items():
        scheduler.add_job(run_tick_job, DateTrigger(run_date=point.at), id=job_id, args=[cycle_id, database_url],
                          name=f"tick {cycle_id} ({', '.join(point.reasons)})", replace_existing=True,
                          coalesce=True, misfire_grace_time=int(MISFIRE_GRACE.total_seconds()))
    return len(wanted)


def missed_checkpoints(scheduler: BackgroundScheduler, cycle_id: str, now: datetime) -> list[str]:
    """Checkpoint jobs whose time passed while nothing ran (the scheduler was down)."""
    return [job.id for job in scheduler.get_jobs()
            if job.id.startswith(f"{cycle_id}:checkpoint-") and job.next_run_time and job.next_run_time < now]


def build_scheduler(*, cycle_id: str, database_url: str) -> BackgroundScheduler:
    scheduler = BackgroundScheduler(jobstores={"default": SQLAlchemyJobStore(url=normalise_url(database_url),
                                                                            tablename="apscheduler_jobs")},
                                  timezone="UTC")
    with session_scope(engine_for(database_url)) as session:
        ctx = load_context(session, cycle_id)
    digest = ctx.spec.reminders.digest_time
    scheduler.add_job(run_tick_job, CronTrigger(hour=digest.hour, minute=digest.minute, timezone=ctx.spec.timezone),
                      id=f"{cycle_id}:daily", args=[cycle_id, database_url], name=f"daily safety tick {cycle_id}",
                      replace_existing=True, coalesce=True, misfire_grace_time=int(MISFIRE_GRACE.total_seconds()))
    return scheduler


def serve(*, cycle_id: str, database_url: str) -> None:
    """Catch up once if checkpoints were missed, sync the jobs, and run until interrupted."""
    scheduler = build_scheduler(cycle_id=cycle_id, database_url=database_url)
    scheduler.start(paused=True)
    now = wall_clock()
    missed = missed_checkpoints(scheduler, cycle_id, now)
    for job_id in missed:
        scheduler.remove_job(job_id)
    if missed:
        log.warning("%d checkpoint(s) missed while down: one catch-up tick now", len(missed))
        run_tick_job(cycle_id, database_url)
    sync_checkpoints(scheduler, cycle_id=cycle_id, database_url=database_url, now=now)
    # Re-sync after every tick: an extension or a finished task changes the checkpoints ahead.
    scheduler.add_listener(lambda event: sync_checkpoints(scheduler, cycle_id=cycle_id, database_url=database_url,
                                                          now=wall_clock()), mask=EVENT_JOB_EXECUTED)
    scheduler.resume()
    last_sync = wall_clock()
    try:
        while True:
            time.sleep(1)
            # A `cycle load` or an extension may move deadlines between ticks: follow them within minutes.
            if wall_clock() - last_sync >= RESYNC_EVERY:
                sync_checkpoints(scheduler, cycle_id=cycle_id, database_url=database_url, now=wall_clock())
                last_sync = wall_clock()
    finally:
        scheduler.shutdown(wait=False)
