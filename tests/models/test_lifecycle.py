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

E, S = UnitEvent, UnitState
# The transitions of a full plan (Hanoi's 2023 plan, KH 12/KH-SNV), written out from the plan's own words rather
# than read from the table under test: (event, the states it may come from, the state it leads to).
PLAN_TABLE = [
    (E.OPEN_SELF_ASSESSMENT, {S.REGISTERED}, S.SELF_ASSESSING),  # task 5: units self-assess and score
    (E.SUBMIT_SELF_ASSESSMENT, {S.SELF_ASSESSING}, S.SELF_ASSESSED),  # ... and send their forms by the deadline
    (E.APPRAISE_ROUND1, {S.SELF_ASSESSED}, S.APPRAISED_ROUND1),  # task 6: the working group's first draft
    (E.SEND_DRAFT, {S.APPRAISED_ROUND1}, S.EXPLAINING),  # task 7: the draft goes to each unit
    (E.SUBMIT_EXPLANATION, {S.EXPLAINING}, S.EXPLAINED),  # task 8: the unit explains, adds evidence
    (E.CLOSE_EXPLANATIONS, {S.EXPLAINING}, S.EXPLAINED),  # ... or its window closes without it
    (E.APPRAISE_ROUND2, {S.EXPLAINED}, S.APPRAISED_ROUND2),  # task 9: the second draft
    (E.SCORE, {S.APPRAISED_ROUND2}, S.SCORED),  # the index with the survey's results
    (E.APPROVE, {S.SCORED}, S.APPROVED),  # the council approves
    (E.ANNOUNCE, {S.APPROVED}, S.ANNOUNCED),  # task 16: results announced
    # an operator re-opens a stage after a correction: from any later state, back to where its input is awaited
    (E.REOPEN_SELF_ASSESSMENT, {S.SELF_ASSESSED, S.APPRAISED_ROUND1, S.EXPLAINING, S.EXPLAINED, S.APPRAISED_ROUND2,
                                S.SCORED, S.APPROVED, S.ANNOUNCED}, S.SELF_ASSESSING),
    (E.REOPEN_APPRAISAL_ROUND1, {S.APPRAISED_ROUND1, S.EXPLAINING, S.EXPLAINED, S.APPRAISED_ROUND2, S.SCORED,
                                 S.APPROVED, S.ANNOUNCED}, S.SELF_ASSESSED),
    (E.REOPEN_EXPLANATIONS, {S.EXPLAINED, S.APPRAISED_ROUND2, S.SCORED, S.APPROVED, S.ANNOUNCED}, S.EXPLAINING),
    (E.REOPEN_APPRAISAL_ROUND2, {S.APPRAISED_ROUND2, S.SCORED, S.APPROVED, S.ANNOUNCED}, S.EXPLAINED),
    (E.REOPEN_SCORING, {S.SCORED, S.APPROVED, S.ANNOUNCED}, S.APPRAISED_ROUND2),
]
ALLOWED = [(event, source, target) for event, sources, target in PLAN_TABLE for source in sorted(sources)]
REFUSED = [(event, state) for event, sources, _ in PLAN_TABLE for state in UnitState if state not in sources]


def test_the_table_has_exactly_the_plans_transitions():
    assert {event: (set(sources), target) for event, (sources, target) in TRANSITIONS.items()} == {
        event: (sources, target) for event, sources, target in PLAN_TABLE}


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
