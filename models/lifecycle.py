"""The unit lifecycle: its states, its events, and the one table of allowed transitions."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache

from models.refusals import Refused
from models.words import word


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

# The forward path as a full plan walks it: (the plan stage that takes this step, or None for a step every
# plan takes; the events of the step; the state they lead to). A plan without a stage skips its step: the
# next step fires from the state the unit last reached. Each row's action is named in its events.
FORWARD_STEPS: tuple[tuple[str | None, tuple[UnitEvent, ...], UnitState], ...] = (
    ("self_assessment",  (E.OPEN_SELF_ASSESSMENT,),                   S.SELF_ASSESSING),
    ("self_assessment",  (E.SUBMIT_SELF_ASSESSMENT,),                 S.SELF_ASSESSED),
    ("appraisal_round1", (E.APPRAISE_ROUND1,),                        S.APPRAISED_ROUND1),
    ("send_draft",       (E.SEND_DRAFT,),                             S.EXPLAINING),
    ("explanations",     (E.SUBMIT_EXPLANATION, E.CLOSE_EXPLANATIONS), S.EXPLAINED),
    ("appraisal_round2", (E.APPRAISE_ROUND2,),                        S.APPRAISED_ROUND2),
    (None,               (E.SCORE,),                                  S.SCORED),
    (None,               (E.APPROVE,),                                S.APPROVED),
    (None,               (E.ANNOUNCE,),                               S.ANNOUNCED),
)  # fmt: skip
# Operators re-open a stage: the unit goes back to the state in which it waits for that stage's input.
REOPEN_EVENTS: dict[UnitEvent, UnitEvent] = {  # reopen event → the forward event it makes possible again
    E.REOPEN_SELF_ASSESSMENT: E.SUBMIT_SELF_ASSESSMENT,
    E.REOPEN_APPRAISAL_ROUND1: E.APPRAISE_ROUND1,
    E.REOPEN_EXPLANATIONS: E.SUBMIT_EXPLANATION,
    E.REOPEN_APPRAISAL_ROUND2: E.APPRAISE_ROUND2,
    E.REOPEN_SCORING: E.SCORE,
}
# What a plan needs to take a unit from registration to announcement.
REQUIRED_STAGES: tuple[tuple[tuple[str, ...], str], ...] = (
    (("self_assessment",), "a self-assessment task for the units (stage self_assessment)"),
    (("appraisal_round1", "appraisal_round2"), "an appraisal (stage appraisal_round1 or appraisal_round2)"),
    (("announcement",), "the announcement of results (stage announcement)"),
)
Transitions = dict[UnitEvent, tuple[tuple[UnitState, ...], UnitState]]


@dataclass(frozen=True)
class Lifecycle:
    """The lifecycle of one plan: the transitions its stages allow, and the states its units pass through."""

    stages: frozenset[str]
    transitions: Transitions
    path: tuple[UnitState, ...]  # registered … announced, as this plan walks it

    @property
    def before_scoring(self) -> UnitState:
        """The state in which a unit's appraisal is complete and it waits to be scored."""
        return self.transitions[E.SCORE][0][0]

    def has(self, stage: str) -> bool:
        return stage in self.stages

    def next_state(self, current: UnitState, event: UnitEvent, *, unit: str | None = None) -> UnitState:
        """The state `event` leads to from `current`, or TransitionRefused."""
        if event not in self.transitions:
            raise TransitionRefused(event, current, unit, sources=(), lifecycle=self)
        sources, target = self.transitions[event]
        if current not in sources:
            raise TransitionRefused(event, current, unit, sources=sources)
        return target


def missing_stages(stages: frozenset[str]) -> list[str]:
    """What a plan with these stages lacks to reach announcement (empty when it can)."""
    missing = [what for needed, what in REQUIRED_STAGES if not stages & set(needed)]
    if "explanations" in stages and "send_draft" not in stages:
        missing.append("a task that sends the round-1 draft (stage send_draft) before explanations")
    if "send_draft" in stages and "appraisal_round1" not in stages:
        missing.append("a round-1 appraisal (stage appraisal_round1) whose draft the send_draft task sends")
    return missing


@lru_cache(maxsize=64)
def lifecycle_for(stages: frozenset[str]) -> Lifecycle:
    """The transitions of a plan with these stages: skipped steps are bridged, re-openings follow."""
    transitions: Transitions = {}
    path = [S.REGISTERED]
    for stage, events, target in FORWARD_STEPS:
        if stage is not None and stage not in stages:
            continue
        for event in events:
            transitions[event] = ((path[-1],), target)
        path.append(target)
    for reopen, forward in REOPEN_EVENTS.items():
        if forward in transitions:
            (waiting,), _ = transitions[forward]
            transitions[reopen] = (tuple(path[path.index(waiting) + 1:]), waiting)
    return Lifecycle(stages, transitions, tuple(path))


ALL_STAGES = frozenset(stage for stage, _, _ in FORWARD_STEPS if stage is not None)
FULL = lifecycle_for(ALL_STAGES)
TRANSITIONS: Transitions = FULL.transitions  # the lifecycle of a plan with every stage (Hanoi 2023's)

FINAL_STATE = S.ANNOUNCED
ORDER: tuple[UnitState, ...] = tuple(UnitState)


class TransitionRefused(Refused, ValueError):
    """An event that the lifecycle does not allow from a unit's current state."""

    def __init__(self, event: UnitEvent, current: UnitState, unit: str | None = None, *,
                 sources: tuple[UnitState, ...] | None = None, lifecycle: Lifecycle | None = None) -> None:
        who = word("err.unit_prefix", unit=unit) if unit else ""
        if lifecycle is not None:
            stages = ", ".join(word(stage) for stage in sorted(lifecycle.stages))
            message = word("err.transition_not_in_plan", who=who, event=word("event." + event.value), stages=stages)
        else:
            allowed = ", ".join(f"'{word('state.' + state.value)}'"
                                for state in (TRANSITIONS[event][0] if sources is None else sources))
            message = word("err.transition_refused", who=who, event=word("event." + event.value),
                           state=word("state." + current.value), allowed=allowed)
        super().__init__(message)
        self.event, self.current, self.unit = event, current, unit


def next_state(current: UnitState, event: UnitEvent, *, unit: str | None = None,
               lifecycle: Lifecycle = FULL) -> UnitState:
    """The state `event` leads to from `current` in this lifecycle (a full plan's by default)."""
    return lifecycle.next_state(current, event, unit=unit)


def events_from(current: UnitState, lifecycle: Lifecycle = FULL) -> list[UnitEvent]:
    """The events allowed from a state, in table order."""
    return [event for event, (sources, _) in lifecycle.transitions.items() if current in sources]


def has_reached(current: UnitState, milestone: UnitState) -> bool:
    """Whether a unit in `current` has reached `milestone` on the forward path."""
    return ORDER.index(current) >= ORDER.index(milestone)
