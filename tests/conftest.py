"""Shared fixtures: one database per run (SQLite, or PostgreSQL via PARINDEX_TEST_DATABASE_URL)."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine, MetaData, text
from sqlmodel import Session, SQLModel

from cli.orchestration import SERVER_SETTINGS
from models.cycle_context import load_context
from models.cycle_store import insert_cycle
from models.db import is_sqlite, make_engine, normalise_url, session_scope, upgrade_schema
from models.definition.cycle import CycleDefinition
from models.definition.loader import load_cycle
from models.settings import get_settings
from models.stages import Stage
from notifications.capture import CaptureServer
from tasks.engine.assignments import reconcile_stage
from tasks.engine.stage_steps import open_self_assessment
from tests.browser import browser, page  # noqa: F401  (fixtures: Debian's chromium through Playwright)

ROOT = Path(__file__).resolve().parent.parent
HANOI = ROOT / "calendar" / "hanoi-2023"
LOADED_AT = datetime(2023, 10, 1, tzinfo=UTC)
OPENED = datetime(2023, 10, 5, 1, tzinfo=UTC)  # 08:00 on 05/10/2023, the day KH 243 is issued


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The run's database, its schema freshly migrated."""
    url = os.environ.get("PARINDEX_TEST_DATABASE_URL") or (
        f"sqlite:///{tmp_path_factory.mktemp('db') / 'parindex-test.db'}"
    )
    if not is_sqlite(url):
        drop_everything(url)
    upgrade_schema(url)
    return normalise_url(url)


def drop_everything(url: str) -> None:
    """Start PostgreSQL runs from an empty schema, whatever an earlier run left."""
    engine = make_engine(url)
    with engine.begin() as connection:
        metadata = MetaData()
        metadata.reflect(connection)
        metadata.drop_all(connection)
    engine.dispose()


@pytest.fixture(scope="session")
def engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


def empty_tables(engine: Engine) -> None:
    tables = [table.name for table in reversed(SQLModel.metadata.sorted_tables)]
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            connection.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
        else:
            for table in tables:
                connection.execute(text(f"DELETE FROM {table}"))


@pytest.fixture
def db(engine: Engine) -> Engine:
    """The run's engine with every table emptied before the test."""
    empty_tables(engine)
    return engine


@pytest.fixture
def session(db: Engine) -> Iterator[Session]:
    with Session(db, expire_on_commit=False) as session:
        yield session


@pytest.fixture(scope="session")
def hanoi() -> CycleDefinition:
    return load_cycle(HANOI)


@pytest.fixture
def loaded_hanoi(db: Engine, hanoi: CycleDefinition) -> CycleDefinition:
    """hanoi-2023 registered in the emptied database."""
    with session_scope(db) as session:
        insert_cycle(session, hanoi, at=LOADED_AT, actor="test")
    return hanoi


@pytest.fixture
def cycle_copy(tmp_path: Path) -> Path:
    """A writable copy of hanoi-2023 for tests that break it."""
    target = tmp_path / "hanoi-2023"
    shutil.copytree(HANOI, target)
    return target


@pytest.fixture
def opened(loaded_hanoi, db):
    """hanoi-2023 with the self-assessment window open: every unit self-assessing."""
    with session_scope(db) as session:
        ctx = load_context(session, "hanoi-2023")
        reconcile_stage(session, ctx, stage=Stage.SELF_ASSESSMENT.value, at=OPENED, actor="t", flow_run_id=None)
        open_self_assessment(session, ctx, at=OPENED, actor="t", flow_run_id=None)
    return db


@pytest.fixture(scope="session")
def prefect_harness(database_url: str) -> Iterator[None]:
    """One Prefect server for the run; flows read the run's database from settings, as a worker does."""
    os.environ.update(SERVER_SETTINGS)
    os.environ["PARINDEX_DATABASE_URL"] = database_url
    get_settings.cache_clear()
    from prefect.settings import temporary_settings
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=90), temporary_settings(
            updates={"flows.heartbeat_frequency": None, "logging.level": "WARNING"}):
        yield


@pytest.fixture
def smtp(tmp_path, monkeypatch) -> Iterator[CaptureServer]:
    """A real SMTP server on loopback, and the settings the tick's tasks read pointing at it."""
    with CaptureServer(tmp_path / "outbox") as server:
        monkeypatch.setenv("PARINDEX_SMTP_HOST", "127.0.0.1")
        monkeypatch.setenv("PARINDEX_SMTP_PORT", str(server.port))
        get_settings.cache_clear()
        yield server
    get_settings.cache_clear()


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    """Each phase's report on the test item: a browser test that failed leaves its screenshot (tests.browser)."""
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report
