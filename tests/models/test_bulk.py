"""Bulk inserts (COPY on PostgreSQL, executemany on SQLite) write what a Core insert writes, and fail like one."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from models.bulk import insert_rows
from models.db import session_scope
from models.tables import ScoreKind, ScoreLine, ScoreVersion, Unit

COLUMNS = ("score_version_id", "criterion_code", "points", "evidence_ref", "explanation")


def a_version(db) -> int:
    with session_scope(db) as session:
        unit = session.scalar(select(Unit).where(Unit.cycle_id == "hanoi-2023").limit(1))
        version = ScoreVersion(cycle_id="hanoi-2023", unit_id=unit.id, kind=ScoreKind.SELF_ASSESSED, version=1,
                               total=Decimal("3.750"), actor="t", created_at=datetime(2023, 11, 1, tzinfo=UTC))
        session.add(version)
        session.flush()
        return version.id


def test_rows_arrive_exact_with_text_that_needs_escaping(loaded_hanoi, db):
    version_id = a_version(db)
    text = "tab\there, newline\nthere, backslash \\N, quote ' \" , comma; Ờ 😀"
    rows = [(version_id, f"1.{i}", Decimal("0.125") * i, f"VB-{i}", text) for i in range(1, 301)]
    with session_scope(db) as session:
        assert insert_rows(session.connection(), ScoreLine.__table__, COLUMNS, iter(rows)) == 300
    with session_scope(db) as session:
        stored = session.execute(select(ScoreLine.score_version_id, ScoreLine.criterion_code, ScoreLine.points,
                                        ScoreLine.evidence_ref, ScoreLine.explanation)
                                 .order_by(ScoreLine.id)).all()
    assert [tuple(row) for row in stored] == rows
    assert all(isinstance(row.points, Decimal) for row in stored)


def test_a_refused_row_raises_an_integrity_error_and_writes_nothing(loaded_hanoi, db):
    version_id = a_version(db)
    rows = [(version_id, "1.1", Decimal(1), "", ""), (version_id, "1.2", Decimal(1), "", ""),
            (version_id, "1.1", Decimal(2), "", "")]  # the unique (version, criterion) again
    with pytest.raises(IntegrityError), session_scope(db) as session:
        insert_rows(session.connection(), ScoreLine.__table__, COLUMNS, rows)
    with session_scope(db) as session:
        assert session.scalar(select(ScoreLine.id).limit(1)) is None
        assert session.get(ScoreVersion, version_id) is not None  # the database is usable after the refusal


def test_nothing_to_write_writes_nothing(loaded_hanoi, db):
    with session_scope(db) as session:
        assert insert_rows(session.connection(), ScoreLine.__table__, COLUMNS, []) == 0
        assert session.scalar(select(ScoreLine.id).limit(1)) is None
