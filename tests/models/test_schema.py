"""Alembic builds exactly the schema the tables describe, on SQLite and PostgreSQL."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlmodel import SQLModel

import models.tables  # noqa: F401


def test_migrations_match_the_tables(engine):
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={
            # APScheduler owns its job table in the same database.
            "include_name": lambda name, kind, parent: not (kind == "table" and name == "apscheduler_jobs")})
        differences = compare_metadata(context, SQLModel.metadata)
    assert differences == []


def test_score_versions_written_before_revision_0004_get_their_field_totals(tmp_path):
    """0004 keeps each version's field totals with it; versions already written get them from their lines."""
    import json
    import sqlite3

    from alembic import command

    from models.db import alembic_config, upgrade_schema

    url = f"sqlite:///{tmp_path / 'old.db'}"
    command.upgrade(alembic_config(url), "0003")
    with sqlite3.connect(tmp_path / "old.db") as raw:  # rows as 0003 left them (foreign keys are not enforced here)
        raw.execute("INSERT INTO scoreversion (id, cycle_id, unit_id, kind, version, total, late, source, actor, "
                    "created_at) VALUES (7, 'c', 1, 'self_assessed', 1, 4.75, 0, '', 'a', '2023-11-20 03:00:00')")
        raw.executemany("INSERT INTO scoreline (score_version_id, criterion_code, points, evidence_ref, explanation) "
                        "VALUES (7, ?, ?, '', '')", [("1.1.1", 1.25), ("1.2", 0.5), ("3.1.1", 3)])
    upgrade_schema(url)
    with sqlite3.connect(tmp_path / "old.db") as raw:
        totals = json.loads(raw.execute("SELECT field_totals FROM scoreversion WHERE id = 7").fetchone()[0])
    assert totals == {"1": "1.750", "3": "3.000"}


def test_a_database_of_an_earlier_parindex_is_brought_up_to_date_by_any_command(tmp_path):
    """A coordinator upgrades parindex mid-season: `status` on the season's database must not fail on a column
    the new code reads (unit.withdrawn_at, 0010); the schema is upgraded before the command uses it."""
    from alembic import command
    from sqlalchemy import create_engine, inspect

    from cli.common import checked_url
    from models.db import alembic_config, newest_revision

    url = f"sqlite:///{tmp_path / 'season.db'}"
    command.upgrade(alembic_config(url), "0009")
    assert checked_url(url) == url
    engine = create_engine(url)
    with engine.connect() as connection:
        assert connection.exec_driver_sql("SELECT version_num FROM alembic_version").scalar() == newest_revision()
        assert "withdrawn_at" in {column["name"] for column in inspect(connection).get_columns("unit")}
    engine.dispose()


def test_a_second_sqlite_transaction_in_the_thread_that_holds_the_write_lock_is_refused_at_once(tmp_path):
    """Every SQLite transaction takes the write lock at BEGIN: a second connection opened under it would wait
    for itself 30 s and fail as "database is locked" (`parindex status` did, on every season running now)."""
    import pytest
    from sqlalchemy import text

    from models.db import NestedTransaction, make_engine, session_scope

    engine = make_engine(f"sqlite:///{tmp_path / 'one.db'}")
    other = make_engine(f"sqlite:///{tmp_path}/../{tmp_path.name}/one.db")  # the same file, spelled otherwise
    with session_scope(engine) as session:
        session.execute(text("SELECT 1"))
        with pytest.raises(NestedTransaction), session_scope(other) as nested:
            nested.execute(text("SELECT 1"))
    with session_scope(other) as session:  # once the first is over, the same file opens as before
        assert session.execute(text("SELECT 1")).scalar() == 1
    engine.dispose()
    other.dispose()
