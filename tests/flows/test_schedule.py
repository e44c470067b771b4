"""The clock's jobs: one per checkpoint with deterministic ids, re-synced without duplicates, and
missed checkpoints found after downtime (serve then runs one catch-up tick for all of them)."""

import threading
import time
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from flows.schedule import (
    build_scheduler,
    checkpoint_job_ids,
    drop_jobs_of_other_cycles,
    missed_checkpoints,
    serve,
    sync_checkpoints,
)
from models.settings import get_settings
from tasks.reads.dashboard.naming import describe_checkpoint

HCM = ZoneInfo("Asia/Ho_Chi_Minh")
# A traceback in the scheduler's thread (a shutdown racing a job coming due) is a failure, not a warning:
# `serve` would print it to the coordinator and stop scheduling.
pytestmark = [pytest.mark.filterwarnings("error::pytest.PytestUnhandledThreadExceptionWarning")]


def test_jobs_follow_the_checkpoints_and_downtime_is_noticed(loaded_hanoi, database_url, monkeypatch):
    monkeypatch.setenv("PARINDEX_DATABASE_URL", database_url)
    get_settings.cache_clear()
    scheduler = build_scheduler(cycle_ids=["hanoi-2023"])
    scheduler.start(paused=True)
    try:
        start = datetime(2023, 10, 1, tzinfo=HCM)
        count = len(sync_checkpoints(scheduler, cycle_id="hanoi-2023", now=start))
        ids = checkpoint_job_ids(scheduler, "hanoi-2023")
        assert count == len(ids) > 40
        assert "hanoi-2023:checkpoint-20231121T010000Z" in ids  # 21/11/2023 08:00 +07: d-7 before 30/11
        assert len(sync_checkpoints(scheduler, cycle_id="hanoi-2023", now=start)) == count
        assert checkpoint_job_ids(scheduler, "hanoi-2023") == ids
        missed = missed_checkpoints(scheduler, "hanoi-2023", datetime(2023, 11, 28, tzinfo=HCM))
        assert len(missed) >= 5 and all(job_id in ids for job_id in missed)
        assert "hanoi-2023:daily" in {job.id for job in scheduler.get_jobs()}
    finally:
        scheduler.remove_all_jobs()
        scheduler.shutdown(wait=False)


def test_serve_started_mid_season_says_when_the_next_ticks_run_and_what_they_do(opened, database_url,
                                                                                monkeypatch):
    """Started on a Sunday night two days before the self-assessment deadline (Thursday 30/11/2023), in a
    season whose windows are open (a season never ticked is ticked at once: tests/cli/test_season_now.py)."""
    monkeypatch.setenv("PARINDEX_DATABASE_URL", database_url)
    get_settings.cache_clear()
    sunday_night = datetime(2023, 11, 26, 22, 0, tzinfo=HCM)
    stop = threading.Event()
    announced: dict[str, list] = {}

    def announce(cycle_id: str, ahead: list) -> None:
        announced[cycle_id] = ahead
        stop.set()

    serve(cycle_ids=None, stop=stop, announce=announce, clock=lambda: sunday_night)
    ahead = announced["hanoi-2023"]
    first = ahead[0]
    assert first.at == datetime(2023, 11, 27, 8, 0, tzinfo=HCM)  # Monday 08:00: d-3 before Thursday
    assert first.reasons == ("reminder",)
    assert describe_checkpoint("hanoi-2023", first) == "27/11/2023 08:00 +07:00: nhắc hạn"
    deadline = next(point for point in ahead if "deadline" in point.reasons)
    assert deadline.at == datetime(2023, 12, 1, 0, 0, tzinfo=HCM)  # the end of Thursday 30/11


def test_a_serve_for_one_cycle_drops_the_jobs_an_earlier_serve_left_for_others(loaded_hanoi, database_url,
                                                                               monkeypatch):
    """The job store lives in the database: jobs of a cycle this serve does not serve (left by an earlier serve
    of every cycle, or of a finished season) would tick a cycle nobody asked for; they are dropped at start."""
    monkeypatch.setenv("PARINDEX_DATABASE_URL", database_url)
    get_settings.cache_clear()
    earlier = build_scheduler(cycle_ids=["hanoi-2023"])
    earlier.start(paused=True)
    sync_checkpoints(earlier, cycle_id="hanoi-2023", now=datetime(2023, 10, 1, tzinfo=HCM))
    earlier.shutdown(wait=False)
    scheduler = build_scheduler(cycle_ids=[])
    scheduler.start(paused=True)
    try:
        assert checkpoint_job_ids(scheduler, "hanoi-2023")  # left in the store
        drop_jobs_of_other_cycles(scheduler, ["hanoi-now"])
        assert scheduler.get_jobs() == []
    finally:
        scheduler.remove_all_jobs()
        scheduler.shutdown(wait=False)


def test_serve_stops_on_a_sigterm_that_another_thread_received(opened, database_url, monkeypatch):
    """The kernel may hand a process's SIGTERM to any of its threads (Prefect and APScheduler start several);
    Python then runs the handler in the main thread only when that thread next runs Python. serve's wait is
    cut into seconds, so it stops: with one five-minute wait it went on until the wait ended."""
    import signal

    monkeypatch.setenv("PARINDEX_DATABASE_URL", database_url)
    get_settings.cache_clear()
    stop, late = threading.Event(), threading.Event()

    def deliver_to_this_thread() -> None:
        time.sleep(3)  # serve is in its wait by then (there is no event to wait for: it only waits)
        signal.pthread_kill(threading.get_ident(), signal.SIGTERM)
        if not stop.wait(60):  # a generous bound; before, the stop came with the end of the five-minute wait
            late.set()
            stop.set()

    previous = signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        serve(cycle_ids=["hanoi-2023"], stop=stop, clock=lambda: datetime(2023, 11, 26, 22, 0, tzinfo=HCM),
              announce=lambda cycle_id, ahead: threading.Thread(target=deliver_to_this_thread).start())
    finally:
        signal.signal(signal.SIGTERM, previous)
    assert not late.is_set()
