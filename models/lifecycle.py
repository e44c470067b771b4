"""The unit lifecycle: its states, its events, and the one table of allowed transitions."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from models.refusals import Refused
from models.stages import STAGES, StageSpec, UnitEvent, UnitState, unmet_needs
from models.words import word

S, E = UnitState, UnitEvent

# The forward path as a full plan walks it, built from the stages (models/stages.py): (the plan stage that takes
# this step, or None for a step every plan takes; the events of the step; the state they lead to). A plan
# without a stage skips its step: the next step fires from the state the unit last reached.
ForwardSteps = tuple[tuple[str | None, tuple[UnitEvent, ...], UnitState], ...]


def forward_steps(registry: tuple[StageSpec, ...] = STAGES) -> ForwardSteps:
    return tuple((None if spec.every_plan else spec.stage.value, events, target)
                 for spec in registry for events, target in spec.steps)


FORWARD_STEPS = forward_steps()
# Operators re-open a stage: the unit goes back to the state in which it waits for that stage's input.
REOPEN_EVENTS: dict[UnitEvent, UnitEvent] = dict(spec.reopen for spec in STAGES if spec.reopen)
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


def missing_stages(stages: frozenset[str], registry: tuple[StageSpec, ...] = STAGES) -> list[str]:
    """What a plan with these stages lacks to reach announcement, in words (empty when it can): each stage
    says what it needs (models/stages.py)."""
    return [word(key, stages=" / ".join(word(stage) for stage in meeting),
                 codes=" / ".join(meeting)) for key, meeting in unmet_needs(stages, registry)]


@lru_cache(maxsize=64)
def lifecycle_for(stages: frozenset[str], registry: tuple[StageSpec, ...] = STAGES) -> Lifecycle:
    """The transitions of a plan with these stages: skipped steps are bridged, re-openings follow."""
    transitions: Transitions = {}
    path = [S.REGISTERED]
    for stage, events, target in forward_steps(registry):
        if stage is not None and stage not in stages:
            continue
        for event in events:
            transitions[event] = ((path[-1],), target)
        path.append(target)
    for reopen, forward in (spec.reopen for spec in registry if spec.reopen):
        if forward in transitions:
            (waiting,), _ = transitions[forward]
            transitions[reopen] = (tuple(path[path.index(waiting) + 1:]), waiting)
    return Lifecycle(stages, transitions, tuple(path))


ALL_STAGES = frozenset(stage for stage, _, _ in FORWARD_STEPS if stage is not None)
FULL = lifecycle_for(ALL_STAGES)
TRANSITIONS: Transitions = FULL.transitions  # the lifecycle of a plan with every stage (Hanoi 2023's)

FINAL_STATE = S.ANNOUNCED
ORDER: tuple[UnitState, ...] = tuple(UnitState)


class TransitionRefused(Refused):
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
