"""Engines, sessions and the schema (Alembic) for SQLite and PostgreSQL."""

from __future__ import annotations

import os
import sqlite3
import tempfile
import threading
import weakref
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlmodel import Session

from models.faults import reach

if TYPE_CHECKING:
    from alembic.config import Config
    from sqlalchemy import Connection
from models.refusals import ConcurrentChange, Refused

MIGRATIONS = Path(__file__).parent / "migrations"


def normalise_url(url: str) -> str:
    """postgresql:// means psycopg 3 here; a relative SQLite path stays relative to the working directory."""
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed.render_as_string(hide_password=False)


def shown_url(url: str) -> str:
    """The URL as a person may read it (a console, a journal): the password replaced by ***."""
    return make_url(url).render_as_string(hide_password=True)


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


class DatabaseUnusable(Refused):
    """The database named cannot be used: not a URL, an unsupported kind, not a database, not reachable."""

    code = "database"




def check_database(url: str, *, create: bool = False) -> None:
    """Refuse, in one sentence, a database URL parindex cannot use; a missing SQLite file is created only when
    `create` (registering a cycle), never by a command that only reads."""
    try:
        parsed = make_url(url)
    except Exception:  # sqlalchemy's ArgumentError, or ValueError for a bad port
        raise DatabaseUnusable(_said("db.not_a_url", url=repr(url))) from None
    backend = parsed.get_backend_name()
    if backend not in ("sqlite", "postgresql", "postgres"):
        raise DatabaseUnusable(_said("db.unsupported", url=shown_url(url), backend=repr(backend)))
    if backend != "sqlite":
        _reachable(url)
        return
    database = parsed.database or ""
    if database in ("", ":memory:"):
        raise DatabaseUnusable(_said("db.in_memory", url=url))
    path = Path(database)
    if path.is_dir():
        raise DatabaseUnusable(_said("db.folder", url=url, path=path))
    if path.exists() and not path.is_file():
        raise DatabaseUnusable(_said("db.not_regular", url=url, path=path))
    if path.exists() and path.stat().st_size == 0 and not create:
        raise DatabaseUnusable(_said("db.empty", url=url, path=path))
    if not path.exists():
        if not create:
            raise DatabaseUnusable(_said("db.missing", url=url, path=path.resolve()))
        if not _creatable(path):
            raise DatabaseUnusable(_said("db.cannot_create", url=url, path=path.resolve()))
        return
    # Asked of SQLite itself, never by opening the file: closing any other handle on a database file drops the
    # locks SQLite's own connections in this process hold on it (POSIX advisory locks are per process).
    try:
        probe = sqlite3.connect(path, timeout=30)
        try:
            probe.execute("PRAGMA schema_version").fetchone()
        finally:
            probe.close()
    except sqlite3.DatabaseError:
        raise DatabaseUnusable(_said("db.not_sqlite", url=url, path=path)) from None


def _creatable(path: Path) -> bool:
    """Whether the file can be made: a file can be made (and is removed at once) in its nearest existing folder
    (a permission check alone says yes to root in /proc)."""
    folder = path.resolve().parent
    while not folder.exists():
        folder = folder.parent
    try:
        with tempfile.TemporaryFile(dir=folder):
            return True
    except OSError:
        return False


def _said(key: str, **values: object) -> str:
    from models.words import word  # the catalogue only for a database that is refused

    return word(key, **values)


def _reachable(url: str) -> None:
    engine = create_engine(normalise_url(url), connect_args={"connect_timeout": 5})
    try:
        with engine.connect():
            pass
    except Exception as error:
        reason = str(getattr(error, "orig", error)).strip().splitlines()
        why = reason[0] if reason else type(error).__name__
        raise DatabaseUnusable(_said("db.unreachable", url=shown_url(url), why=why)) from None
    finally:
        engine.dispose()


def make_engine(url: str) -> Engine:
    """An engine; SQLite gets its folder created, WAL, foreign keys and write-locking transactions."""
    url = normalise_url(url)
    if not is_sqlite(url):
        return create_engine(url, pool_pre_ping=True)
    database = make_url(url).database
    if database and database != ":memory:":
        Path(database).parent.mkdir(parents=True, exist_ok=True)
        with suppress(FileExistsError):  # a new database is its owner's alone (SQLite gives -wal, -shm the same)
            os.close(os.open(database, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    engine = create_engine(url, connect_args={"timeout": 30})
    held_as = str(Path(database).resolve()) if database and database != ":memory:" else url

    @event.listens_for(engine, "connect")
    def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
        # pysqlite's own transaction handling is off so that BEGIN IMMEDIATE below is ours.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin_immediate(connection: Connection) -> None:
        # Take the write lock up front: two writers then queue instead of failing mid-transaction.
        refuse_second_writer(held_as, connection)
        connection.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


class NestedTransaction(RuntimeError):
    """A programming error: a second transaction on a SQLite file that this thread already holds the write lock
    of. It would wait for itself (30 s, then "database is locked"); it is refused at once instead."""


_holders = threading.local()


def refuse_second_writer(database: str, connection: Connection) -> None:
    """Every SQLite transaction here is BEGIN IMMEDIATE: while one is open in this thread, a second connection to
    the same file can only wait for the first, which waits for it. Remember which connection holds each file and
    refuse a second one at once, naming the rule, instead of failing after the busy timeout."""
    held: dict[str, weakref.ref[Connection]] = _holders.__dict__.setdefault("held", {})
    holder = held.get(database)
    other = holder() if holder is not None else None
    if other is not None and other is not connection and not other.closed and other.in_transaction():
        raise NestedTransaction(f"a second transaction on {database} while this thread holds its write lock: "
                                "read in the open session instead (one session per command)")
    held[database] = weakref.ref(connection)


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """A session whose work commits once at the end, or rolls back whole on any error."""
    with Session(engine, expire_on_commit=False) as session:
        try:
            yield session
            session.flush()
            reach("commit")
            session.commit()
        except BaseException:
            session.rollback()
            raise


MOVED_KEY = "parindex.unit_transitions"  # session.info: (cycle id, Transition) of every move in the session
LATENESS_KEY = "parindex.lateness"  # session.info: (cycle id, kind, task number, assignee) noted by the tasks
Announcer = Callable[[Engine, list[Any], list[Any]], None]  # (engine, moved, late) after a commit


@contextmanager
def unit_of_work(engine: Engine, announce: Announcer | None = None) -> Iterator[Session]:
    """session_scope that remembers the units it moved and the assignments it found late
    (session.info[MOVED_KEY], [LATENESS_KEY]) and, once committed, hands them to `announce`: nothing is
    announced for a transaction that rolled back."""
    with session_scope(engine) as session:
        moved: list[Any] = session.info.setdefault(MOVED_KEY, [])
        late: list[Any] = session.info.setdefault(LATENESS_KEY, [])
        yield session
    if announce is not None and (moved or late):
        announce(engine, moved, late)


T = TypeVar("T")
ATTEMPTS = 3


def retrying(work: Callable[[], T], *, attempts: int = ATTEMPTS) -> T:
    """`work`, a whole transaction from a fresh read, run again when another writer came between its read and its
    write (ConcurrentChange): it wrote nothing, so running it again is safe. The refusal itself after `attempts`."""
    for attempt in range(1, attempts + 1):
        try:
            return work()
        except ConcurrentChange:
            if attempt == attempts:
                raise
        except DBAPIError as error:
            if not lost_a_race(error) or attempt == attempts:
                raise
    raise AssertionError("unreachable")


RACES = {"40001", "40P01"}  # PostgreSQL: a serialization failure, a deadlock broken by the server


def lost_a_race(error: DBAPIError) -> bool:
    """Whether the database refused a transaction only because another came first (a deadlock it broke, a
    serialization failure, the same history number taken): nothing was written, and the same work from a
    fresh read will do."""
    if getattr(error.orig, "sqlstate", None) in RACES:
        return True
    text = str(error.orig)
    return isinstance(error, IntegrityError) and ("historyentry_cycle_id_seq_key" in text
                                                  or "historyentry.cycle_id, historyentry.seq" in text)


def alembic_config(url: str) -> Config:
    from alembic.config import Config  # alembic only for a command that migrates: the others start faster

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", normalise_url(url).replace("%", "%%"))
    return config


def upgrade_schema(url: str) -> None:
    """Create or upgrade the schema to the newest migration."""
    from alembic import command

    command.upgrade(alembic_config(url), "head")


def newest_revision() -> str:
    """The newest migration's revision: the files are numbered, and each revision is its file's number."""
    return max(path.name.split("_", 1)[0] for path in (MIGRATIONS / "versions").glob("[0-9]*_*.py"))


def schema_up_to_date(url: str) -> None:
    """A database written by an earlier parindex is brought to the newest schema before a command uses it
    (every migration adds; none loses data). One short query when it is current; a database that holds no
    parindex schema (another program's, or an empty PostgreSQL database) is refused in one sentence."""
    engine = create_engine(normalise_url(url))
    try:
        with engine.connect() as connection:
            try:
                current = connection.exec_driver_sql("SELECT version_num FROM alembic_version").scalar()
            except Exception:
                raise DatabaseUnusable(_said("db.not_parindex", url=shown_url(url))) from None
    finally:
        engine.dispose()
    if current is not None and current < newest_revision():
        upgrade_schema(url)
