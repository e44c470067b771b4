"""When a plan task counts as done: reported by its owner, or read off the units' progress."""

from __future__ import annotations

from dataclasses import dataclass

from models.stages import UnitState
from models.tables import ScoreKind


@dataclass(frozen=True)
class CompletionRule:
    kind: str  # manual | units_reached | scores_in
    state: UnitState | None = None
    score_kind: ScoreKind | None = None

    def in_words(self) -> str:
        """When the task completes, as a reader reads it."""
        from models.words import word

        if self.kind == "units_reached":
            return word("completes.units_reached", state=word(f"state.{self.state}"))
        if self.kind == "scores_in":
            return word("completes.scores_in", kind=word(f"kind.{self.score_kind}"))
        return word("completes.manual")

    def __str__(self) -> str:
        if self.kind == "units_reached":
            return f"units_reached:{self.state}"
        if self.kind == "scores_in":
            return f"scores_in:{self.score_kind}"
        return "manual"


def parse_completion_rule(text: str) -> CompletionRule:
    """'manual', 'units_reached:<state>' or 'scores_in:<score kind>'; ValueError naming the choices."""
    kind, _, argument = text.partition(":")
    if kind == "manual" and not argument:
        return CompletionRule("manual")
    if kind == "units_reached" and argument in UnitState.__members__.values():
        return CompletionRule(kind, state=UnitState(argument))
    if kind == "scores_in" and argument in ScoreKind.__members__.values():
        return CompletionRule(kind, score_kind=ScoreKind(argument))
    states = ", ".join(s.value for s in UnitState)
    kinds = ", ".join(k.value for k in ScoreKind)
    raise ValueError(f"{text!r} is not 'manual', 'units_reached:<{states}>' or 'scores_in:<{kinds}>'")
