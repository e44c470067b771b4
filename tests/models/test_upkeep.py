"""Dead row versions cleared as a tick finds them: on PostgreSQL a table updated in place is vacuumed once
enough of it is dead, and its statistics refreshed once enough of it changed; on SQLite nothing is done."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from models.db import is_sqlite
from models.upkeep import DEAD_ENOUGH, clear_dead_rows

PROBE = "upkeep_probe"


def counts(engine) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    with engine.connect() as connection:
        return connection.execute(text(
            "SELECT n_dead_tup, n_mod_since_analyze FROM pg_stat_user_tables WHERE relname = :name"),
            {"name": PROBE}).one()


def test_a_table_updated_in_place_is_vacuumed_and_analyzed_once(engine, database_url):
    if is_sqlite(database_url):
        assert clear_dead_rows(engine).vacuumed == []  # SQLite: no dead versions, no statement
        return
    rows = 3 * DEAD_ENOUGH
    with engine.begin() as connection:
        connection.exec_driver_sql(f"DROP TABLE IF EXISTS {PROBE}")
        connection.exec_driver_sql(f"CREATE TABLE {PROBE} (id int PRIMARY KEY, status text)")
        connection.exec_driver_sql(f"CREATE INDEX ON {PROBE} (status)")
        connection.exec_driver_sql(f"INSERT INTO {PROBE} SELECT n, 'pending' FROM generate_series(1, {rows}) n")
    try:
        with engine.begin() as connection:
            connection.exec_driver_sql(f"UPDATE {PROBE} SET status = 'sent'")  # every row leaves a dead version
            connection.exec_driver_sql("SELECT pg_stat_force_next_flush()")  # counted at commit, not a second later
        assert counts(engine)[0] >= rows
        done = clear_dead_rows(engine, (PROBE,))
        assert (done.vacuumed, done.analyzed) == ([PROBE], [PROBE])
        assert counts(engine) == (0, 0)
        again = clear_dead_rows(engine, (PROBE,))
        assert (again.vacuumed, again.analyzed) == ([], [])  # nothing dead: no pass over the table
    finally:
        with engine.begin() as connection:
            connection.exec_driver_sql(f"DROP TABLE IF EXISTS {PROBE}")


def test_a_few_dead_rows_are_left_for_later(engine, database_url):
    if is_sqlite(database_url):
        pytest.skip("PostgreSQL only")
    with engine.begin() as connection:
        connection.exec_driver_sql(f"DROP TABLE IF EXISTS {PROBE}")
        connection.exec_driver_sql(f"CREATE TABLE {PROBE} (id int PRIMARY KEY, status text)")
        connection.exec_driver_sql(f"INSERT INTO {PROBE} SELECT n, 'pending' FROM generate_series(1, {DEAD_ENOUGH - 1}) n")
    try:
        with engine.begin() as connection:
            connection.exec_driver_sql(f"UPDATE {PROBE} SET status = 'sent'")
            connection.exec_driver_sql("SELECT pg_stat_force_next_flush()")
        assert clear_dead_rows(engine, (PROBE,)).vacuumed == []  # not worth a pass yet
    finally:
        with engine.begin() as connection:
            connection.exec_driver_sql(f"DROP TABLE IF EXISTS {PROBE}")
