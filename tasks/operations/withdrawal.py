"""Withdrawing a unit from a season under way (dissolved, merged, out of scope): it keeps its rows and its
history, takes no further step, is reminded of nothing, and its block is scored and ranked without it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlmodel import Session

from models.cycle_context import CycleContext
from models.history import HistoryDraft, append_history
from models.lifecycle import UnitState
from models.refusals import Refused
from models.tables import UNFINISHED, Assignment, AssignmentStatus, Unit, assignee_for_unit
from models.transitions import canonical_codes
from models.words import word
from notifications.outbox import cancel_waiting_for


class WithdrawalRefused(Refused):
    """A withdrawal that cannot apply: no reason, already withdrawn, results already approved."""


@dataclass(frozen=True)
class Withdrawal:
    unit: str
    state: str
    tasks: int  # its unfinished assignments, no longer asked of it
    cancelled: int  # pending mail about them, cancelled


def withdraw_unit(session: Session, ctx: CycleContext, *, unit_code: str, reason: str, actor: str,
                  at: datetime) -> Withdrawal:
    """Take a unit out of ranking and scoring from its current stage on; recorded in the history."""
    why = " ".join(reason.split())
    if not why:
        raise WithdrawalRefused(word("err.withdraw_reason"))
    (code,) = canonical_codes(session, ctx.cycle_id, [unit_code])
    unit = session.execute(select(Unit).where(Unit.cycle_id == ctx.cycle_id, Unit.code == code)).scalar_one()
    if unit.withdrawn_at is not None:
        raise WithdrawalRefused(word("err.withdraw_twice", unit=code, reason=unit.withdrawn_reason,
                                     at=unit.withdrawn_at.astimezone(ctx.calendar.zone).strftime("%d/%m/%Y %H:%M")))
    if unit.state in (UnitState.APPROVED.value, UnitState.ANNOUNCED.value):
        raise WithdrawalRefused(word("err.withdraw_published", unit=code, state=word(f"state.{unit.state}")))
    unit.withdrawn_at, unit.withdrawn_reason = at, why
    ids = list(session.execute(select(Assignment.id).where(
        Assignment.unit_id == unit.id, Assignment.status.in_(UNFINISHED))).scalars())
    session.execute(update(Assignment).where(Assignment.id.in_(ids or [-1])).values(
        status=AssignmentStatus.WITHDRAWN.value).execution_options(synchronize_session=False))
    append_history(session, cycle_id=ctx.cycle_id, drafts=[HistoryDraft(
        entity="unit", subject=code, event="withdraw", actor=actor, at=at, from_state=unit.state,
        to_state=unit.state, reason=word("withdraw.reason_history", reason=why),
        details={"unfinished_tasks": len(ids)})])
    session.flush()
    cancelled = cancel_waiting_for(session, cycle_id=ctx.cycle_id, assignee=assignee_for_unit(code),
                                   reason=word("withdraw.reason_history", reason=why))
    return Withdrawal(code, unit.state, len(ids), cancelled)
