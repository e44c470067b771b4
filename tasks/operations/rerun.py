"""Re-running a stage for one unit after a correction: the unit goes back, what depended on it goes stale.

The unit moves back through the lifecycle (a `reopen_*` event); its own assignments of that stage open
again and those of later stages wait again; the results of its whole block are marked stale. The next
ticks take it from there: the stage's input is awaited again, the block is rescored once complete, units
already announced whose rank or band changed get a correction notice, and the re-run unit's new result
goes to the council for approval and is announced.

A re-run of a stage the council's final scores were given on (anything before scoring) withdraws that
final: a new council-final version records that it is no longer in force, scoring falls back on the
working group's appraisal, and the council gives its final again if it still holds (the history and the
operator are told which version went). A re-run of scoring alone recomputes from the same final.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlmodel import Session

from models.cycle_context import CycleContext
from models.history import HistoryDraft, append_history
from models.lifecycle import UnitEvent
from models.refusals import Refused
from models.scores import latest_versions
from models.stages import STAGES, Stage
from models.tables import UNITS_OWNER, Assignment, AssignmentStatus, ScoreKind, ScoreVersion, Unit, UnitResult
from models.transitions import canonical_codes, transition_units
from models.words import WORDS, word

# The stages an operator can re-run, and the lifecycle event that takes a unit back to each (models/stages.py).
RERUN_EVENTS: dict[Stage, UnitEvent] = {spec.stage: spec.reopen[0] for spec in STAGES if spec.reopen}
# Re-running these changes what the council's final scores were given on: the final is withdrawn.
WITHDRAWS_FINAL = frozenset(spec.stage for spec in STAGES if spec.withdraws_final)
STAGE_ORDER = list(Stage)


class RerunRefused(Refused):
    """A re-run that cannot apply: no reason given, or a stage that cannot be re-run."""


@dataclass(frozen=True)
class RerunResult:
    unit: str
    stage: str
    from_state: str
    to_state: str
    reopened: int  # the unit's assignments of this stage, open again
    waiting: int  # the unit's assignments of later stages, waiting again
    stale_results: int  # results of the unit's block marked stale
    withdrawn_final: int | None = None  # the council final's version withdrawn by the re-run, if one was in force


def rerun_stage(session: Session, ctx: CycleContext, *, stage: Stage, unit_code: str, reason: str, actor: str,
                at: datetime, flow_run_id: str | None = None) -> RerunResult:
    if not reason.strip():
        raise RerunRefused(word("err.rerun_reason"))
    if not actor.strip():
        raise RerunRefused(word("err.rerun_by"))
    if stage not in RERUN_EVENTS:
        raise RerunRefused(word("err.rerun_stage", stage=stage.value, stages=", ".join(s.value for s in RERUN_EVENTS)))
    (unit_code,) = canonical_codes(session, ctx.cycle_id, [unit_code])
    unit = session.execute(select(Unit).where(Unit.cycle_id == ctx.cycle_id, Unit.code == unit_code)
                           .execution_options(populate_existing=True)).scalar_one()
    why = f"chạy lại giai đoạn {WORDS['vi'].get(stage.value, stage.value)}: {reason.strip()}"
    (moved,) = transition_units(session, cycle_id=ctx.cycle_id, codes=[unit_code], event=RERUN_EVENTS[stage],
                                actor=actor, at=at, reason=why, flow_run_id=flow_run_id)
    reopened, waiting = _reset_unit_assignments(session, ctx, unit, stage, at=at, actor=actor, reason=why,
                                                flow_run_id=flow_run_id)
    block_ids = select(Unit.id).where(Unit.cycle_id == ctx.cycle_id, Unit.block == unit.block)
    stale = session.execute(update(UnitResult).where(UnitResult.unit_id.in_(block_ids))
                            .values(stale=True).execution_options(synchronize_session=False)).rowcount
    withdrawn = _withdraw_final(session, ctx, unit, at=at, actor=actor, reason=why, flow_run_id=flow_run_id) \
        if stage in WITHDRAWS_FINAL else None
    append_history(session, cycle_id=ctx.cycle_id, drafts=[HistoryDraft(
        entity="unit", subject=unit_code, event="rerun", actor=actor, at=at, reason=reason.strip(),
        flow_run_id=flow_run_id, from_state=moved.from_state.value, to_state=moved.to_state.value,
        details={"stage": stage.value, "reopened_assignments": reopened, "waiting_assignments": waiting,
                 "stale_results_in_block": stale, "block": unit.block, "council_final_withdrawn": withdrawn})])
    return RerunResult(unit_code, stage.value, moved.from_state.value, moved.to_state.value, reopened, waiting,
                       stale, withdrawn)


def _withdraw_final(session: Session, ctx: CycleContext, unit: Unit, *, at: datetime, actor: str, reason: str,
                    flow_run_id: str | None) -> int | None:
    """The council final in force for the unit, withdrawn by a new version that says so: its version number."""
    final = latest_versions(session, cycle_id=ctx.cycle_id, unit_ids=[unit.id],
                            kinds=[ScoreKind.COUNCIL_FINAL]).get((unit.id, ScoreKind.COUNCIL_FINAL))
    if final is None:
        return None
    session.add(ScoreVersion(cycle_id=ctx.cycle_id, unit_id=unit.id, kind=ScoreKind.COUNCIL_FINAL,
                             version=final.version + 1, total=final.total * 0, source="rerun", actor=actor,
                             created_at=at, withdrawn=True))
    session.flush()
    append_history(session, cycle_id=ctx.cycle_id, drafts=[HistoryDraft(
        entity="score", subject=unit.code, event="withdraw_council_final", actor=actor, at=at, reason=reason,
        flow_run_id=flow_run_id, details={"version": final.version + 1, "withdrawn_version": final.version,
                                          "old_total": str(final.total)})])
    return final.version


def _reset_unit_assignments(session: Session, ctx: CycleContext, unit: Unit, stage: Stage, *, at: datetime,
                            actor: str, reason: str, flow_run_id: str | None) -> tuple[int, int]:
    """The unit's own task of the re-run stage opens again; its tasks of later stages wait again."""
    later = {task.id: task for task in ctx.tasks.values()
             if task.owner == UNITS_OWNER and STAGE_ORDER.index(Stage(task.stage)) >= STAGE_ORDER.index(stage)}
    rows = session.execute(select(Assignment.id, Assignment.assignee, Assignment.status, Assignment.plan_task_id)
                           .where(Assignment.unit_id == unit.id, Assignment.plan_task_id.in_(list(later)))).all()
    drafts, counts = [], {AssignmentStatus.OPEN: 0, AssignmentStatus.WAITING: 0}
    for row in rows:
        target = AssignmentStatus.OPEN if later[row.plan_task_id].stage == stage.value else AssignmentStatus.WAITING
        if row.status == target.value:
            continue
        values = {"status": target.value, "completed_at": None, "late": False, "reopened_at": at}
        if target is AssignmentStatus.WAITING:
            values["opened_at"] = None
        session.execute(update(Assignment).where(Assignment.id == row.id).values(**values)
                        .execution_options(synchronize_session=False))
        counts[target] += 1
        drafts.append(HistoryDraft(entity="assignment", subject=row.assignee, event="reopen", actor=actor, at=at,
                                   from_state=row.status, to_state=target.value, reason=reason,
                                   flow_run_id=flow_run_id, details={"plan_task_id": row.plan_task_id}))
    append_history(session, cycle_id=ctx.cycle_id, drafts=drafts)
    return counts[AssignmentStatus.OPEN], counts[AssignmentStatus.WAITING]
