"""Writing many rows in one go, the way each database takes them fastest: COPY on PostgreSQL, the driver's
executemany on SQLite. A season writes millions of score lines; going through SQLAlchemy's per-row
parameter handling (or PostgreSQL's per-statement round trips) cost several times the database's own work.

The rows join the connection's transaction like any other statement: they commit or roll back with it.
Values pass the column types' bind processing (aware datetimes to naive UTC, points to what the driver
takes), exactly as a Core insert would.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

from sqlalchemy import Connection, Table
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import DBAPIError


def insert_rows(connection: Connection, table: Table, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
    """Insert `rows` (tuples in the order of `columns`); returns how many were written."""
    dialect = connection.dialect
    processors = bind_processors(table, columns, dialect)
    if any(processors):
        rows = (tuple(value if process is None else process(value) for process, value in zip(processors, row,
                                                                                            strict=True))
                for row in rows)
    names = ", ".join(dialect.identifier_preparer.quote(name) for name in columns)
    target = dialect.identifier_preparer.format_table(table)
    if dialect.name == "postgresql":
        return _copy(connection, f"COPY {target} ({names}) FROM STDIN", rows)
    marks = ", ".join(placeholder(dialect) for _ in columns)
    parameters = list(rows)
    if parameters:
        connection.exec_driver_sql(f"INSERT INTO {target} ({names}) VALUES ({marks})", parameters)
    return len(parameters)


def bind_processors(table: Table, columns: Sequence[str], dialect: Dialect) -> list[Callable[[Any], Any] | None]:
    """Per column, what a Core statement does to a value before the driver sees it (None: nothing)."""
    return [table.c[name].type.dialect_impl(dialect).bind_processor(dialect) for name in columns]


def placeholder(dialect: Dialect) -> str:
    """The driver's own parameter mark, for statements sent with `exec_driver_sql` or on its connection."""
    return "?" if dialect.paramstyle == "qmark" else "%s"


def _copy(connection: Connection, statement: str, rows: Iterable[Sequence[Any]]) -> int:
    """COPY … FROM STDIN with psycopg 3, in the connection's transaction; a refusal (a constraint, a value too
    long) is raised as SQLAlchemy raises it for any statement."""
    dbapi_error = connection.dialect.loaded_dbapi.Error
    written = 0
    try:
        with connection.connection.driver_connection.cursor() as cursor, cursor.copy(statement) as copy:
            for row in rows:
                copy.write_row(row)
                written += 1
    except dbapi_error as error:
        raise DBAPIError.instance(statement, None, error, dbapi_error) from None
    return written
