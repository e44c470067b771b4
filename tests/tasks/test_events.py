"""Every unit transition is announced in a Prefect event, in batches, and only once its transaction has committed."""

from datetime import UTC, datetime

import pytest
from sqlmodel import select

from models.lifecycle import UnitEvent
from models.tables import Unit
from models.transitions import transition_units
from tasks.engine import events
from tasks.engine.events import unit_of_work

AT = datetime(2023, 10, 5, 1, tzinfo=UTC)


@pytest.fixture
def emitted(monkeypatch):
    calls: list[dict] = []
    monkeypatch.setattr(events, "emit_event", lambda **event: calls.append(event))
    monkeypatch.setattr(events, "prefect_api_configured", lambda: True)
    return calls


def test_a_committed_transition_emits_its_event(loaded_hanoi, db, emitted):
    with unit_of_work(db) as session:
        transition_units(session, cycle_id="hanoi-2023", codes=["SNV", "STP"], event=UnitEvent.OPEN_SELF_ASSESSMENT,
                         actor="t", at=AT)
    assert [(e["event"], e["resource"]["prefect.resource.id"]) for e in emitted] == [
        ("parindex.units.self_assessing", "parindex.cycle.hanoi-2023")]
    assert [r["prefect.resource.id"] for r in emitted[0]["related"]] == [
        "parindex.unit.hanoi-2023.SNV", "parindex.unit.hanoi-2023.STP"]
    assert emitted[0]["payload"] == {"from": "registered", "to": "self_assessing", "event": "open_self_assessment",
                                     "units": ["SNV", "STP"]}


def test_a_large_move_is_split_under_the_servers_related_resource_limit(loaded_hanoi, db, emitted, monkeypatch):
    monkeypatch.setattr(events, "UNITS_PER_EVENT", 20)
    with unit_of_work(db) as session:
        moved = transition_units(session, cycle_id="hanoi-2023", codes=[u.code for u in units(session)],
                                 event=UnitEvent.OPEN_SELF_ASSESSMENT, actor="t", at=AT)
    assert [len(e["related"]) for e in emitted] == [20, 20, 12]
    assert sorted(code for e in emitted for code in e["payload"]["units"]) == sorted(t.code for t in moved)


def units(session):
    return session.exec(select(Unit).where(Unit.cycle_id == "hanoi-2023")).all()


def test_a_rolled_back_transition_emits_nothing(loaded_hanoi, db, emitted):
    with pytest.raises(RuntimeError), unit_of_work(db) as session:
        transition_units(session, cycle_id="hanoi-2023", codes=["SNV"], event=UnitEvent.OPEN_SELF_ASSESSMENT,
                         actor="t", at=AT)
        raise RuntimeError("the rest of the work failed")
    assert emitted == []


def test_without_a_prefect_server_a_command_starts_none_to_announce(loaded_hanoi, db, emitted, monkeypatch):
    monkeypatch.setattr(events, "prefect_api_configured", lambda: False)
    with unit_of_work(db) as session:
        transition_units(session, cycle_id="hanoi-2023", codes=["SNV"], event=UnitEvent.OPEN_SELF_ASSESSMENT,
                         actor="t", at=AT)
    assert emitted == []
