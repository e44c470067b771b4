"""The unit lifecycle: its states, its events, and the one table of allowed transitions."""

from __future__ import annotations

from enum import StrEnum

from models.refusals import Refused


class UnitState(StrEnum):
    """Where a unit stands in the season. The same Enum is the database column."""

    REGISTERED = "registered"  # loaded with the cycle; nothing open yet
    SELF_ASSESSING = "self_assessing"  # self-assessment window open (plan task 5)
    SELF_ASSESSED = "self_assessed"  # self-assessment received
    APPRAISED_ROUND1 = "appraised_round1"  # working group's first draft appraisal done (task 6)
    EXPLAINING = "explaining"  # draft sent; explanations and evidence invited (tasks 7-8)
    EXPLAINED = "explained"  # explanations received, or the window closed without them
    APPRAISED_ROUND2 = "appraised_round2"  # second draft appraisal done (task 9)
    SCORED = "scored"  # index computed with the survey results
    APPROVED = "approved"  # council approved the results
    ANNOUNCED = "announced"  # results announced (task 16): the final state


class UnitEvent(StrEnum):
    OPEN_SELF_ASSESSMENT = "open_self_assessment"
    SUBMIT_SELF_ASSESSMENT = "submit_self_assessment"
    APPRAISE_ROUND1 = "appraise_round1"
    SEND_DRAFT = "send_draft"
    SUBMIT_EXPLANATION = "submit_explanation"
    CLOSE_EXPLANATIONS = "close_explanations"  # the window ended with no explanation sent
    APPRAISE_ROUND2 = "appraise_round2"
    SCORE = "score"
    APPROVE = "approve"
    ANNOUNCE = "announce"
    # Operators re-open a stage after a correction; what depended on it is recomputed.
    REOPEN_SELF_ASSESSMENT = "reopen_self_assessment"
    REOPEN_APPRAISAL_ROUND1 = "reopen_appraisal_round1"
    REOPEN_EXPLANATIONS = "reopen_explanations"
    REOPEN_APPRAISAL_ROUND2 = "reopen_appraisal_round2"
    REOPEN_SCORING = "reopen_scoring"


S, E = UnitState, UnitEvent
_AFTER_SELF_ASSESSMENT = (S.SELF_ASSESSED, S.APPRAISED_ROUND1, S.EXPLAINING, S.EXPLAINED,
                          S.APPRAISED_ROUND2, S.SCORED, S.APPROVED, S.ANNOUNCED)

# event: (states it may fire from, state it leads to)
TRANSITIONS: dict[UnitEvent, tuple[tuple[UnitState, ...], UnitState]] = {
    E.OPEN_SELF_ASSESSMENT:    ((S.REGISTERED,),        S.SELF_ASSESSING),
    E.SUBMIT_SELF_ASSESSMENT:  ((S.SELF_ASSESSING,),    S.SELF_ASSESSED),
    E.APPRAISE_ROUND1:         ((S.SELF_ASSESSED,),     S.APPRAISED_ROUND1),
    E.SEND_DRAFT:              ((S.APPRAISED_ROUND1,),  S.EXPLAINING),
    E.SUBMIT_EXPLANATION:      ((S.EXPLAINING,),        S.EXPLAINED),
    E.CLOSE_EXPLANATIONS:      ((S.EXPLAINING,),        S.EXPLAINED),
    E.APPRAISE_ROUND2:         ((S.EXPLAINED,),         S.APPRAISED_ROUND2),
    E.SCORE:                   ((S.APPRAISED_ROUND2,),  S.SCORED),
    E.APPROVE:                 ((S.SCORED,),            S.APPROVED),
    E.ANNOUNCE:                ((S.APPROVED,),          S.ANNOUNCED),
    E.REOPEN_SELF_ASSESSMENT:  (_AFTER_SELF_ASSESSMENT, S.SELF_ASSESSING),
    E.REOPEN_APPRAISAL_ROUND1: (_AFTER_SELF_ASSESSMENT[1:], S.SELF_ASSESSED),
    E.REOPEN_EXPLANATIONS:     (_AFTER_SELF_ASSESSMENT[3:], S.EXPLAINING),
    E.REOPEN_APPRAISAL_ROUND2: (_AFTER_SELF_ASSESSMENT[4:], S.EXPLAINED),
    E.REOPEN_SCORING:          (_AFTER_SELF_ASSESSMENT[5:], S.APPRAISED_ROUND2),
}  # fmt: skip

FINAL_STATE = S.ANNOUNCED
ORDER: tuple[UnitState, ...] = tuple(UnitState)


class TransitionRefused(Refused, ValueError):
    """An event that the lifecycle does not allow from a unit's current state."""

    def __init__(self, event: UnitEvent, current: UnitState, unit: str | None = None) -> None:
        allowed_from = ", ".join(state.value for state in TRANSITIONS[event][0])
        who = f"unit {unit}: " if unit else ""
        super().__init__(
            f"{who}'{event.value}' is not allowed from state '{current.value}' (allowed from: {allowed_from})"
        )
        self.event, self.current, self.unit = event, current, unit


def next_state(current: UnitState, event: UnitEvent, *, unit: str | None = None) -> UnitState:
    """The state `event` leads to from `current`, or TransitionRefused."""
    sources, target = TRANSITIONS[event]
    if current not in sources:
        raise TransitionRefused(event, current, unit)
    return target


def events_from(current: UnitState) -> list[UnitEvent]:
    """The events allowed from a state, in table order."""
    return [event for event, (sources, _) in TRANSITIONS.items() if current in sources]


def has_reached(current: UnitState, milestone: UnitState) -> bool:
    """Whether a unit in `current` has reached `milestone` on the forward path."""
    return ORDER.index(current) >= ORDER.index(milestone)
