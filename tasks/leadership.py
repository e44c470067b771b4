"""One scheduler at a time per database: a PostgreSQL advisory lock (a file lock beside a SQLite database).

The lock lives as long as the holder's connection or process: a `serve` killed with SIGKILL loses it at
once, and a standby that polls takes over within its polling interval."""

from __future__ import annotations

import fcntl
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import make_url

from models.db import is_sqlite, make_engine

LOCK_KEY = 74_202_301  # pg_try_advisory_lock key of `parindex serve`
POLL_SECONDS = 5.0


@contextmanager
def leadership(database_url: str, stop: threading.Event, *, waiting: Callable[[], None] = lambda: None,
               poll_seconds: float = POLL_SECONDS) -> Iterator[bool]:
    """Hold the scheduler lock for the block; wait for it (calling `waiting` once) until `stop` is set.
    Yields False when stopped before it was acquired."""
    holder = _file_lock(database_url) if is_sqlite(database_url) else _advisory_lock(database_url)
    told = False
    with holder as try_acquire:
        while not try_acquire():
            if not told:
                waiting()
                told = True
            if stop.wait(poll_seconds):
                yield False
                return
        yield True


@contextmanager
def _advisory_lock(database_url: str) -> Iterator[Callable[[], bool]]:
    engine = make_engine(database_url)
    connection = engine.connect().execution_options(isolation_level="AUTOCOMMIT")
    try:
        yield lambda: bool(connection.scalar(text("SELECT pg_try_advisory_lock(:key)"), {"key": LOCK_KEY}))
    finally:
        connection.close()  # releases the lock
        engine.dispose()


@contextmanager
def _file_lock(database_url: str) -> Iterator[Callable[[], bool]]:
    database = make_url(database_url).database or "parindex.db"
    path = Path(f"{database}.serve.lock")
    path.parent.mkdir(parents=True, exist_ok=True)
    handle = path.open("a")

    def try_acquire() -> bool:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        return True

    try:
        yield try_acquire
    finally:
        handle.close()  # releases the lock
