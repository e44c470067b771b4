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
