"""Many portal requests write one cycle's history at once (deadline day: units uploading side by side): each
appends after the other, the chain stays whole. On PostgreSQL two transactions used to read the same tail, number
their rows alike and fail on (cycle_id, seq), a 500 for the unit; SQLite's write transactions already take turns."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

from sqlalchemy import select

from models.db import session_scope
from models.history import HistoryDraft, append_history
from models.tables import HistoryEntry
from tasks.reads.audit import verify_cycles

WRITERS = 8


def test_writers_appending_at_once_each_get_the_next_number(loaded_hanoi, db) -> None:
    postgres = db.dialect.name == "postgresql"
    together = threading.Barrier(WRITERS)
    failures: list[BaseException] = []

    def write(number: int) -> None:
        try:
            if not postgres:
                together.wait(timeout=60)  # SQLite: a transaction begun holds the file; start them together
            with session_scope(db) as session:
                session.execute(select(HistoryEntry.id).limit(1))  # the transaction has begun, its snapshot taken
                if postgres:
                    together.wait(timeout=60)  # all eight inside their transactions before any appends
                append_history(session, cycle_id="hanoi-2023", drafts=[HistoryDraft(
                    entity="unit", subject=f"U{number}", event="evidence_added", actor=f"unit:U{number}",
                    at=datetime(2023, 11, 1, tzinfo=UTC))])
        except BaseException as error:
            failures.append(error)

    threads = [threading.Thread(target=write, args=(n,)) for n in range(WRITERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not failures, failures
    with session_scope(db) as session:
        subjects = session.scalars(select(HistoryEntry.subject).where(HistoryEntry.subject.like("U%"))).all()
        (verdict,) = verify_cycles(session, "hanoi-2023")
    assert sorted(subjects) == sorted(f"U{n}" for n in range(WRITERS))
    assert verdict.broken is None
