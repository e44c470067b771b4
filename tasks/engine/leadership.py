"""One at a time per database: a PostgreSQL advisory lock (a file lock beside a SQLite database). One scheduler
(`parindex serve`), and one delivery of a cycle's outbox.

The lock lives as long as the holder's connection or process: a `serve` killed with SIGKILL loses it at
once, and a standby that polls takes over within its polling interval."""

from __future__ import annotations

import fcntl
import threading
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url

from models.db import is_sqlite, make_engine

LOCK_KEY = 74_202_301  # pg_try_advisory_lock key of `parindex serve`
DELIVERY_KEY = 74_202_302  # with the cycle's crc32: one delivery of a cycle's outbox at a time
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
def _file_lock(database_url: str, suffix: str = "serve") -> Iterator[Callable[[], bool]]:
    database = make_url(database_url).database or "parindex.db"
    path = Path(f"{database}.{suffix}.lock")
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


@contextmanager
def delivering(engine: Engine, cycle_id: str) -> Iterator[bool]:
    """Whether this process may deliver the cycle's outbox now: False while another tick (or the portal)
    delivers it, so two deliveries never claim the same messages; released when the block ends or the
    process dies."""
    if engine.dialect.name != "postgresql":
        with _file_lock(engine.url.render_as_string(hide_password=False), "delivery") as try_acquire:
            yield try_acquire()
        return
    key = zlib.crc32(cycle_id.encode()) & 0x7FFFFFFF
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        held = bool(connection.scalar(text("SELECT pg_try_advisory_lock(:a, :b)"), {"a": DELIVERY_KEY, "b": key}))
        try:
            yield held
        finally:
            if held:
                connection.execute(text("SELECT pg_advisory_unlock(:a, :b)"), {"a": DELIVERY_KEY, "b": key})
