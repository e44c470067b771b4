"""The season's floor, measured by the bench in the same run: its essential work with plain code and no
orchestration. The same number of mails sent with raw smtplib to the same sink, and the same rows the season
wrote (unit state changes, score versions and lines, history, outbox, assignments, results) written with the
driver itself (sqlite3's executemany; COPY on PostgreSQL), one transaction per tick, into bare copies of the
tables (no index, no constraint): what no orchestration, no check and no ORM could do faster."""

from __future__ import annotations

import smtplib
import time as clock
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from sqlalchemy import Engine

# The tables whose rows the season writes, and the condition that selects one cycle's rows (alias t).
TABLES = {
    "scoreversion": "t.cycle_id = {c}",
    "scoreline": "t.score_version_id IN (SELECT id FROM scoreversion WHERE cycle_id = {c})",
    "historyentry": "t.cycle_id = {c}",
    "outboxmessage": "t.cycle_id = {c}",
    "assignment": "t.unit_id IN (SELECT id FROM unit WHERE cycle_id = {c})",
    "unitresult": "t.cycle_id = {c}",
}


def floor_rows(engine: Engine, cycle_id: str, ticks: int) -> dict[str, Any]:
    """Write the season's rows again, plainly: each table's rows spread over `ticks` transactions, and one
    UPDATE per unit state change. Only the writes are timed (reading the rows back is not the season's work)."""
    ticks = max(1, ticks)
    postgres = engine.dialect.name == "postgresql"
    mark = "%s" if postgres else "?"
    counts: dict[str, int] = {}
    elapsed = 0.0
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        _begin(raw, postgres)
        for table in (*TABLES, "unit"):
            cursor.execute(f"DROP TABLE IF EXISTS floor_{table}")
            cursor.execute(f"CREATE TABLE floor_{table} (LIKE {table})" if postgres else
                           f"CREATE TABLE floor_{table} AS SELECT * FROM {table} WHERE 0")
        cursor.execute(f"INSERT INTO floor_unit SELECT * FROM unit WHERE cycle_id = {mark}", (cycle_id,))
        cursor.execute("CREATE UNIQUE INDEX floor_unit_id ON floor_unit (id)")  # the UPDATEs find their unit
        raw.commit()
        for table, where in TABLES.items():
            condition = where.format(c=mark)
            cursor.execute(f"SELECT count(*) FROM {table} t WHERE {condition}", (cycle_id,))
            counts[table] = cursor.fetchone()[0]  # type: ignore[index]  # count(*) always answers one row
            per_tick, last = max(1, -(-counts[table] // ticks)), 0
            while True:
                cursor.execute(f"SELECT * FROM {table} t WHERE {condition} AND t.id > {mark} ORDER BY t.id "
                               f"LIMIT {per_tick}", (cycle_id, last))
                rows = cursor.fetchall()
                if not rows:
                    break
                columns = [column[0] for column in cursor.description]
                last = rows[-1][columns.index("id")]
                started = clock.perf_counter()
                _begin(raw, postgres)
                _write(raw, f"floor_{table}", columns, rows, postgres)
                raw.commit()
                elapsed += clock.perf_counter() - started
        changes = _state_changes(cursor, cycle_id, mark)
        counts["state_changes"] = len(changes)
        per_tick = max(1, -(-len(changes) // ticks))
        for first in range(0, len(changes), per_tick):
            started = clock.perf_counter()
            _begin(raw, postgres)
            raw.cursor().executemany(f"UPDATE floor_unit SET state = {mark} WHERE id = {mark}",
                                     changes[first:first + per_tick])
            raw.commit()
            elapsed += clock.perf_counter() - started
        _begin(raw, postgres)
        for table in (*TABLES, "unit"):
            cursor.execute(f"DROP TABLE IF EXISTS floor_{table}")
        raw.commit()
    finally:
        raw.close()
    return {"floor_rows_s": round(elapsed, 2), "floor_rows": counts}


def _begin(raw, postgres: bool) -> None:
    """One transaction: psycopg opens it by itself; parindex's SQLite connections are in autocommit mode
    (models.db issues its own BEGIN IMMEDIATE), so it is opened here."""
    if not postgres:
        raw.cursor().execute("BEGIN IMMEDIATE")


def _write(raw, table: str, columns: list[str], rows: list[tuple[Any, ...]], postgres: bool) -> None:
    cursor = raw.cursor()
    names = ", ".join(columns)
    if postgres:
        with cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
    else:
        cursor.executemany(f"INSERT INTO {table} ({names}) VALUES ({', '.join('?' * len(columns))})", rows)


def _state_changes(cursor, cycle_id: str, mark: str) -> list[tuple[str, int]]:
    """(state, unit id) for every transition of the season's units, as its history rows record them."""
    cursor.execute(f"SELECT u.id, h.to_state FROM historyentry h JOIN unit u ON u.cycle_id = h.cycle_id "
                   f"AND u.code = h.subject WHERE h.cycle_id = {mark} AND h.entity = 'unit' AND "
                   f"h.to_state IS NOT NULL ORDER BY h.seq", (cycle_id,))
    return [(state, unit_id) for unit_id, state in cursor.fetchall()]


def floor_mails(payloads: list[tuple[str, list[str], bytes]], count: int, port: int, connections: int) -> float:
    """`count` mails (the season's, cycled through these payloads) sent with raw smtplib to the sink over the
    same number of connections parindex uses, side by side: seconds."""
    if count == 0 or not payloads:
        return 0.0

    def session(share: range) -> None:
        with smtplib.SMTP("127.0.0.1", port) as client:
            for index in share:
                sender, recipients, payload = payloads[index % len(payloads)]
                client.sendmail(sender, recipients, payload)

    started = clock.perf_counter()
    with ThreadPoolExecutor(max_workers=connections) as pool:
        list(pool.map(session, (range(first, count, connections) for first in range(min(connections, count)))))
    return clock.perf_counter() - started
