"""The reminder ladder of one deadline: reminders before it, an overdue notice and an escalation after."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from models.definition.specs import ReminderSpec
from models.workdays import WorkingCalendar


@dataclass(frozen=True)
class Rung:
    kind: str  # reminder | overdue | escalation
    label: str  # "d-3" (3 working days before), "overdue", "escalation"
    at: datetime


def ladder(calendar: WorkingCalendar, policy: ReminderSpec, last_day: date, *, optional: bool) -> list[Rung]:
    """Every rung of a deadline's ladder, in time order; optional tasks get no overdue notice nor escalation."""
    rungs: dict[datetime, Rung] = {}
    for offset in sorted(set(policy.working_days_before), reverse=True):
        (instant,) = calendar.reminder_instants(last_day, working_days_before=[offset],
                                                office_time=policy.office_time)
        rungs.setdefault(instant, Rung("reminder", f"d-{offset}", instant))
    if not optional:
        for kind, days in (("overdue", policy.overdue_notice_after_working_days),
                           ("escalation", policy.escalate_after_working_days)):
            instant = calendar.working_days_after_at(last_day, days, policy.office_time)
            rungs[instant] = Rung(kind, kind, instant)
    return sorted(rungs.values(), key=lambda rung: rung.at)


def due_rungs(rungs: list[Rung], *, at: datetime, opened_at: datetime | None, overdue: bool) -> list[Rung]:
    """What to send at `at`: the latest reminder passed since opening (never a backlog), and after the
    deadline the overdue notice and escalation whose time has come."""
    reminders = [r for r in rungs if r.kind == "reminder" and r.at <= at and (opened_at is None or r.at >= opened_at)]
    chosen = reminders[-1:] if not overdue else []
    if overdue:
        chosen += [r for r in rungs if r.kind in ("overdue", "escalation") and r.at <= at]
    return chosen
