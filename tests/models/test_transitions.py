"""Transitions in the database: a batch moves whole or not at all, and every move leaves history."""

import json
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select, text

from models.db import session_scope
from models.history import verify_chain
from models.lifecycle import TransitionRefused, UnitEvent, UnitState
from models.tables import Assignment, Deadline, HistoryEntry, Unit
from models.transitions import ConcurrentChange, UnknownUnits, transition_units
from tests.tamper import EXPECTED, tamper_history

AT = datetime(2023, 10, 6, 1, 0, tzinfo=UTC)
SO_BLOCK = ["SNV", "STP", "SYT"]


def states(db, codes):
    with session_scope(db) as session:
        rows = session.execute(select(Unit.code, Unit.state).where(Unit.code.in_(codes))).all()
    return {code: UnitState(state) for code, state in rows}


def history_of(db, code):
    with session_scope(db) as session:
        return session.execute(
            select(HistoryEntry).where(HistoryEntry.subject == code).order_by(HistoryEntry.seq)
        ).scalars().all()


def test_loading_registers_every_unit_and_assignment(loaded_hanoi, db):
    with session_scope(db) as session:
        assert session.scalar(select(func.count()).select_from(Unit)) == 52
        assert session.scalar(select(func.count()).select_from(Assignment)) == 52 * 2 + 14
        assert session.scalar(select(func.count()).select_from(Deadline)) == 52 * 2 + 14
        moved = session.execute(select(Assignment.last_day, Assignment.moved_because)
                                .where(Assignment.assignee == "unit:SNV")).all()
    assert {str(day) for day, _ in moved} == {"2023-11-30", "2024-01-08"}
    assert [e.event for e in history_of(db, "SNV")] == ["register"]


def test_a_batch_moves_every_unit_and_writes_one_history_row_each(loaded_hanoi, db):
    with session_scope(db) as session:
        moved = transition_units(session, cycle_id="hanoi-2023", codes=SO_BLOCK,
                                 event=UnitEvent.OPEN_SELF_ASSESSMENT, actor="tick", at=AT,
                                 reason="window opens", flow_run_id="run-1", details={"task": 5})
    assert {t.code for t in moved} == set(SO_BLOCK)
    assert set(states(db, SO_BLOCK).values()) == {UnitState.SELF_ASSESSING}
    entry = history_of(db, "SNV")[-1]
    assert (entry.event, entry.from_state, entry.to_state) == ("open_self_assessment", "registered", "self_assessing")
    assert (entry.actor, entry.reason, entry.flow_run_id, entry.at) == ("tick", "window opens", "run-1", AT)
    assert json.loads(entry.details) == {"task": 5}


def test_a_refused_unit_refuses_the_whole_batch_and_changes_nothing(loaded_hanoi, db):
    with session_scope(db) as session:
        transition_units(session, cycle_id="hanoi-2023", codes=["SNV"], event=UnitEvent.OPEN_SELF_ASSESSMENT,
                         actor="tick", at=AT)
    before = states(db, SO_BLOCK)
    with pytest.raises(TransitionRefused, match="đơn vị STP"), session_scope(db) as session:
        transition_units(session, cycle_id="hanoi-2023", codes=SO_BLOCK,
                         event=UnitEvent.SUBMIT_SELF_ASSESSMENT, actor="intake", at=AT)
    assert states(db, SO_BLOCK) == before
    assert [e.event for e in history_of(db, "SNV")] == ["register", "open_self_assessment"]


def test_unknown_units_are_named(loaded_hanoi, db):
    with pytest.raises(UnknownUnits, match="NOPE"), session_scope(db) as session:
        transition_units(session, cycle_id="hanoi-2023", codes=["SNV", "NOPE"],
                         event=UnitEvent.OPEN_SELF_ASSESSMENT, actor="tick", at=AT)


def test_a_unit_moved_by_another_writer_meanwhile_is_detected(loaded_hanoi, db, monkeypatch):
    from models import transitions

    with pytest.raises(ConcurrentChange), session_scope(db) as session:
        stale = transitions._load_states(session, "hanoi-2023", ["SNV"])
        session.execute(text("UPDATE unit SET state = 'self_assessing' WHERE code = 'SNV'"))  # the other writer
        monkeypatch.setattr(transitions, "_load_states", lambda *args: stale)
        transition_units(session, cycle_id="hanoi-2023", codes=["SNV"], event=UnitEvent.OPEN_SELF_ASSESSMENT,
                         actor="tick", at=AT)


def test_the_history_chain_verifies_after_many_transitions(loaded_hanoi, db):
    codes = [u.code for u in loaded_hanoi.units]
    for event in (UnitEvent.OPEN_SELF_ASSESSMENT, UnitEvent.SUBMIT_SELF_ASSESSMENT, UnitEvent.APPRAISE_ROUND1):
        with session_scope(db) as session:
            transition_units(session, cycle_id="hanoi-2023", codes=codes, event=event, actor="t", at=AT)
    with session_scope(db) as session:
        assert verify_chain(session, cycle_id="hanoi-2023") is None
        assert session.scalar(select(func.max(HistoryEntry.seq))) == 52 + 1 + 3 * 52


@pytest.mark.parametrize("tamper", ["edit", "insert", "delete"])
def test_direct_changes_to_history_are_caught(loaded_hanoi, db, tamper):
    with session_scope(db) as session:
        transition_units(session, cycle_id="hanoi-2023", codes=SO_BLOCK, event=UnitEvent.OPEN_SELF_ASSESSMENT,
                         actor="t", at=AT)
    tamper_history(db, tamper)
    with session_scope(db) as session:
        broken = verify_chain(session, cycle_id="hanoi-2023")
    assert broken is not None and broken.seq == 10
    expected = EXPECTED[tamper]
    assert expected in broken.problem
