"""The lifecycle table: every allowed transition works, every other pair is refused."""

import pytest

from models.lifecycle import (
    FINAL_STATE,
    TRANSITIONS,
    TransitionRefused,
    UnitEvent,
    UnitState,
    events_from,
    has_reached,
    next_state,
)
from models.words import word

ALLOWED = [(event, source, target) for event, (sources, target) in TRANSITIONS.items() for source in sources]
REFUSED = [(event, state) for event, (sources, _) in TRANSITIONS.items() for state in UnitState
           if state not in sources]

FORWARD_PATH = [
    UnitEvent.OPEN_SELF_ASSESSMENT, UnitEvent.SUBMIT_SELF_ASSESSMENT, UnitEvent.APPRAISE_ROUND1,
    UnitEvent.SEND_DRAFT, UnitEvent.SUBMIT_EXPLANATION, UnitEvent.APPRAISE_ROUND2, UnitEvent.SCORE,
    UnitEvent.APPROVE, UnitEvent.ANNOUNCE,
]


@pytest.mark.parametrize(("event", "source", "target"), ALLOWED, ids=lambda v: str(v))
def test_every_allowed_transition_leads_to_its_target(event, source, target):
    assert next_state(source, event) is target


@pytest.mark.parametrize(("event", "state"), REFUSED, ids=lambda v: str(v))
def test_every_other_transition_is_refused_with_a_clear_message(event, state):
    with pytest.raises(TransitionRefused) as refused:
        next_state(state, event, unit="SNV")
    message = str(refused.value)
    # in people's words (Vietnamese by default), never the internal names
    assert "đơn vị SNV" in message and word(f"event.{event.value}") in message and word(f"state.{state.value}") in message
    assert "chỉ được từ" in message and f"'{state.value}'" not in message


def test_the_forward_path_reaches_the_final_state():
    state = UnitState.REGISTERED
    for event in FORWARD_PATH:
        state = next_state(state, event)
    assert state is FINAL_STATE


def test_explanations_may_close_without_an_explanation():
    assert next_state(UnitState.EXPLAINING, UnitEvent.CLOSE_EXPLANATIONS) is UnitState.EXPLAINED


def test_nothing_leaves_the_final_state_except_a_reopen():
    assert all(event.value.startswith("reopen_") for event in events_from(FINAL_STATE))


def test_reopening_is_refused_before_the_stage_was_reached():
    with pytest.raises(TransitionRefused):
        next_state(UnitState.SELF_ASSESSING, UnitEvent.REOPEN_SELF_ASSESSMENT)
    with pytest.raises(TransitionRefused):
        next_state(UnitState.EXPLAINING, UnitEvent.REOPEN_APPRAISAL_ROUND2)


def test_has_reached_follows_the_forward_order():
    assert has_reached(UnitState.EXPLAINED, UnitState.SELF_ASSESSED)
    assert not has_reached(UnitState.SELF_ASSESSING, UnitState.SELF_ASSESSED)
