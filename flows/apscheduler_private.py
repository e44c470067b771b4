"""APScheduler 3's private parts parindex relies on (`_process_jobs`, `_jobstores_lock`), in one place;
tests/pinned/test_private_apis.py fails loudly when a new APScheduler changes them (the pin is <4)."""

from __future__ import annotations

import logging

from apscheduler.jobstores.base import JobLookupError
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import STATE_STOPPED

log = logging.getLogger("parindex.schedule")


class CheckpointScheduler(BackgroundScheduler):
    """APScheduler 3's background scheduler, without its race on shutdown.

    `shutdown` marks the scheduler stopped and then closes its executors under the job stores' lock. A
    scheduler thread woken just before (by `resume`, or a job coming due) could still go through the due jobs
    afterwards: submit to a closed executor and fail to drop a run-once job, which kills the thread with a
    traceback. Looking at the state under the same lock closes that window: either the thread sees "stopped"
    and does nothing, or it finishes this round before the executors close. A run-once job that is gone when
    the round drops it (removed meanwhile through the shared job store) ends the round, not the thread: the
    next round, a second later, goes on with what is left."""

    def _process_jobs(self):  # APScheduler 3 is untyped
        with self._jobstores_lock:  # re-entrant: the parent takes it again
            if self.state == STATE_STOPPED:
                return None
            try:
                return super()._process_jobs()
            except JobLookupError as gone:
                log.warning("%s", gone)
                return 1.0
