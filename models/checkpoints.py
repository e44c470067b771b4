"""Checkpoints: every instant at which a cycle's state can change by the clock alone."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime

from models.definition.specs import ReminderSpec
from models.reminders import ladder
from models.workdays import WorkingCalendar


@dataclass(frozen=True)
class DeadlineGroup:
    """Assignments that share a deadline: one ladder serves them all."""

    opens_at: datetime | None
    last_day: date | None
    due_at: datetime | None
    optional: bool


@dataclass(frozen=True)
class Checkpoint:
    at: datetime
    reasons: tuple[str, ...]

    @property
    def job_id(self) -> str:
        """Deterministic: the same instant always gives the same scheduler job."""
        return f"checkpoint-{self.at.astimezone(UTC).strftime('%Y%m%dT%H%M%SZ')}"


def checkpoints(groups: Iterable[DeadlineGroup], calendar: WorkingCalendar, policy: ReminderSpec,
                *, after: datetime | None = None) -> list[Checkpoint]:
    """Openings, reminder rungs, deadlines, overdue notices and escalations, merged by instant."""
    reasons: dict[datetime, set[str]] = {}
    for group in groups:
        if group.opens_at is not None:
            reasons.setdefault(group.opens_at, set()).add("opens")
        if group.last_day is None or group.due_at is None:
            continue
        reasons.setdefault(group.due_at, set()).add("deadline")
        for rung in ladder(calendar, policy, group.last_day, optional=group.optional):
            reasons.setdefault(rung.at, set()).add(rung.kind)
    return [Checkpoint(at, tuple(sorted(why))) for at, why in sorted(reasons.items())
            if after is None or at > after]
