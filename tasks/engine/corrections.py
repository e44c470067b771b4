"""Correction notices: after a block is rescored, every unit already told its result whose rank or band
changed is told the new one."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import NamedTuple

from sqlalchemy import func, select
from sqlmodel import Session

from models.cycle_context import CycleContext
from models.history import HistoryDraft, append_history
from models.lifecycle import UnitState
from models.scoring import UnitScore
from models.settings import Settings
from models.tables import HistoryEntry, Unit, assignee_for_unit
from notifications.outbox import NewMessage, enqueue
from notifications.render import render
from tasks.mail.messages import message_context


class PreviousResult(NamedTuple):
    index_percent: Decimal
    rank_in_block: int
    band: str


@dataclass(frozen=True)
class ResultChange:
    unit: Unit
    old: PreviousResult
    new: UnitScore

    @property
    def noticeable(self) -> bool:
        return self.old.rank_in_block != self.new.rank_in_block or self.old.band != self.new.band


def queue_corrections(session: Session, ctx: CycleContext, settings: Settings, changes: list[ResultChange], *,
                      at: datetime) -> int:
    """One correction notice per announced unit whose rank or band changed, with its history row."""
    told = [c for c in changes if c.unit.state == UnitState.ANNOUNCED and c.noticeable]
    if not told:
        return 0
    block = told[0].unit.block
    block_name = ctx.block_name(block)
    block_size = session.scalar(select(func.count()).select_from(Unit).where(
        Unit.cycle_id == ctx.cycle_id, Unit.block == block))
    reason = _latest_rerun(session, ctx, block, settings.language)
    messages, drafts = [], []
    for change in told:
        unit, assignee = change.unit, assignee_for_unit(change.unit.code)
        old = {"index_percent": change.old.index_percent.quantize(change.new.index_percent),
               "rank_in_block": change.old.rank_in_block, "band": change.old.band}
        new = {"index_percent": change.new.index_percent, "rank_in_block": change.new.rank_in_block,
               "band": change.new.band}
        context = message_context(ctx, settings, title="correction", recipient_name=unit.name, unit_name=unit.name,
                                  year=ctx.year, block_name=block_name, block_size=block_size, reason=reason,
                                  old=old, new=new, places=ctx.criteria_set.ranking.index_decimals)
        key = f"{ctx.cycle_id}|{assignee}|correction|{at:%Y%m%dT%H%M%S}"
        messages.append(NewMessage(ctx.cycle_id, key, "correction", assignee, None, unit.email, (unit.head_email,),
                                   render("correction", context, language=settings.language,
                                          letters=ctx.spec.letters), None))
        drafts.append(HistoryDraft(entity="message", subject=unit.code, event="correction_notice", actor="parindex",
                                   at=at, reason=reason, details={"old": {k: str(v) for k, v in old.items()},
                                                                  "new": {k: str(v) for k, v in new.items()}}))
    enqueue(session, messages, at=at)
    append_history(session, cycle_id=ctx.cycle_id, drafts=drafts)
    return len(messages)


def _latest_rerun(session: Session, ctx: CycleContext, block: str, language: str) -> str:
    """Why the block was rescored, in words for the notice: the latest re-run in the block."""
    row = session.execute(select(Unit.name, HistoryEntry.reason)
                          .join(Unit, (Unit.code == HistoryEntry.subject) & (Unit.cycle_id == HistoryEntry.cycle_id))
                          .where(HistoryEntry.cycle_id == ctx.cycle_id, HistoryEntry.event == "rerun",
                                 Unit.block == block)
                          .order_by(HistoryEntry.seq.desc()).limit(1)).first()
    if language == "en":
        return f"a correction to {row.name} ({row.reason})" if row else "a score correction"
    return f"điều chỉnh kết quả của {row.name} ({row.reason})" if row else "điều chỉnh điểm"
