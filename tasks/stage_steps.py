"""The steps only one stage takes: opening self-assessment, sending drafts, closing explanations,
scoring complete blocks, and announcing approved results."""

from __future__ import annotations

import json
from collections import defaultdict
from datetime import datetime
from decimal import Decimal

from sqlalchemy import delete, func, insert, select
from sqlmodel import Session

from models.cycle_context import CycleContext
from models.definition.cycle import CriterionDef
from models.history import HistoryDraft, append_history
from models.lifecycle import UnitEvent, UnitState, has_reached
from models.scoring import UnitInput, score_block
from models.settings import Settings
from models.tables import (
    Assignment,
    Criterion,
    Cycle,
    ScoreKind,
    ScoreLine,
    ScoreVersion,
    Unit,
    UnitResult,
)
from models.transitions import Transition, transition_units
from notifications.outbox import NewMessage, enqueue
from notifications.render import render
from tasks.assignments import OPEN_STATES
from tasks.intake import close_explanation_windows


def open_self_assessment(session: Session, ctx: CycleContext, *, at: datetime, actor: str,
                         flow_run_id: str | None) -> list[Transition]:
    """Units whose self-assessment assignment is open start self-assessing."""
    task_ids = [t.id for t in ctx.tasks_of_stage("self_assessment") if t.owner == "units"]
    codes = session.execute(
        select(Unit.code).join(Assignment, Assignment.unit_id == Unit.id)
        .where(Assignment.plan_task_id.in_(task_ids), Assignment.status.in_(OPEN_STATES),
               Unit.state == UnitState.REGISTERED.value)
    ).scalars().all()
    return transition_units(session, cycle_id=ctx.cycle_id, codes=codes, event=UnitEvent.OPEN_SELF_ASSESSMENT,
                            actor=actor, at=at, reason="self-assessment window open", flow_run_id=flow_run_id)


def send_drafts(session: Session, ctx: CycleContext, settings: Settings, *, at: datetime, actor: str,
                flow_run_id: str | None) -> list[Transition]:
    """Once the draft task is open, every unit appraised in round 1 gets its draft and starts explaining."""
    draft_tasks = [t for t in ctx.tasks_of_stage("send_draft") if t.owner != "units"]
    open_draft = session.scalar(select(func.count()).select_from(Assignment).where(
        Assignment.plan_task_id.in_([t.id for t in draft_tasks]), Assignment.status.in_(OPEN_STATES)))
    if not open_draft:
        return []
    units = session.execute(select(Unit).where(Unit.cycle_id == ctx.cycle_id,
                                               Unit.state == UnitState.APPRAISED_ROUND1.value)).scalars().all()
    if not units:
        return []
    explanations = next(t for t in ctx.tasks_of_stage("explanations") if t.owner == "units")
    totals = _latest_totals(session, [u.id for u in units], (ScoreKind.SELF_ASSESSED, ScoreKind.APPRAISED_ROUND1))
    messages = []
    for unit in units:
        context = {
            "lang": settings.language, "title": "draft", "cycle_title": ctx.title, "recipient_name": unit.name,
            "unit_name": unit.name, "self_total": totals.get((unit.id, ScoreKind.SELF_ASSESSED), "—"),
            "appraised_total": totals.get((unit.id, ScoreKind.APPRAISED_ROUND1), "—"), "changed": [],
            "deadline_end": ctx.calendar.at_local(explanations.last_day, ctx.spec.reminders.office_time),
            "status_url": f"{settings.status_base_url}/{ctx.cycle_id}/unit:{unit.code}",
            "coordinator_name": ctx.coordinator.name,
        }
        messages.append(NewMessage(ctx.cycle_id, f"{ctx.cycle_id}|unit:{unit.code}|draft|round1", "draft",
                                   f"unit:{unit.code}", None, unit.email, (),
                                   render("draft", context, language=settings.language), None))
    enqueue(session, messages, at=at)
    return transition_units(session, cycle_id=ctx.cycle_id, codes=[u.code for u in units], event=UnitEvent.SEND_DRAFT,
                            actor=actor, at=at, reason="round-1 draft sent to the unit", flow_run_id=flow_run_id)


def close_explanations(session: Session, ctx: CycleContext, *, at: datetime, actor: str,
                       flow_run_id: str | None) -> int:
    """When the explanations deadline has passed, units that sent nothing move on without."""
    task = next(t for t in ctx.tasks_of_stage("explanations") if t.owner == "units")
    passed = session.execute(
        select(Unit.code).join(Assignment, Assignment.unit_id == Unit.id)
        .where(Assignment.plan_task_id == task.id, Assignment.status.in_(OPEN_STATES),
               Assignment.due_at.is_not(None), Assignment.due_at <= at)
    ).scalars().all()
    if not passed:
        return 0
    return close_explanation_windows(session, ctx, codes=passed, at=at, actor=actor, flow_run_id=flow_run_id)


def _latest_totals(session: Session, unit_ids: list[int], kinds: tuple[ScoreKind, ...]) -> dict:
    rows = session.execute(select(ScoreVersion.unit_id, ScoreVersion.kind, ScoreVersion.version, ScoreVersion.total)
                           .where(ScoreVersion.unit_id.in_(unit_ids),
                                  ScoreVersion.kind.in_([k.value for k in kinds]))
                           .order_by(ScoreVersion.version)).all()
    return {(unit_id, ScoreKind(kind)): total for unit_id, kind, _, total in rows}


def score_ready_blocks(session: Session, ctx: CycleContext, *, at: datetime, actor: str,
                       flow_run_id: str | None) -> dict[str, int]:
    """Score every block whose inputs are complete and new: all units appraised in round 2 with survey
    results, and some unit not scored yet or a score version newer than its result."""
    units = session.execute(select(Unit).where(Unit.cycle_id == ctx.cycle_id)).scalars().all()
    versions = _latest_versions(session, ctx)
    computed = dict(session.execute(select(UnitResult.unit_id, UnitResult.computed_at)
                                    .where(UnitResult.cycle_id == ctx.cycle_id)).all())
    criteria = _criteria(session, ctx)
    scored: dict[str, int] = {}
    by_block: dict[str, list[Unit]] = defaultdict(list)
    for unit in units:
        by_block[unit.block].append(unit)
    for block, members in sorted(by_block.items()):
        if not _inputs_complete(members, versions):
            continue
        newest = {u.id: max(v[1] for v in versions[u.id].values()) for u in members}
        if not any(u.state == UnitState.APPRAISED_ROUND2 or u.id not in computed or newest[u.id] > computed[u.id]
                   for u in members):
            continue
        scored[block] = _score(session, ctx, members, versions, criteria, at=at, actor=actor, flow_run_id=flow_run_id)
    return scored


def _inputs_complete(members: list[Unit], versions: dict) -> bool:
    return all(has_reached(UnitState(u.state), UnitState.APPRAISED_ROUND2) and ScoreKind.SURVEY in versions[u.id]
               for u in members)


def _latest_versions(session: Session, ctx: CycleContext) -> dict[int, dict[ScoreKind, tuple[int, datetime]]]:
    """unit id → kind → (version id, created_at) of its newest version."""
    latest: dict[int, dict[ScoreKind, tuple[int, datetime]]] = defaultdict(dict)
    for version_id, unit_id, kind, created_at in session.execute(
            select(ScoreVersion.id, ScoreVersion.unit_id, ScoreVersion.kind, ScoreVersion.created_at)
            .where(ScoreVersion.cycle_id == ctx.cycle_id).order_by(ScoreVersion.version)):
        latest[unit_id][ScoreKind(kind)] = (version_id, created_at)
    return latest


def _criteria(session: Session, ctx: CycleContext) -> list[CriterionDef]:
    return [CriterionDef(c.code, c.parent_code, c.title, c.max_points, c.method, c.evidence_required,
                         tuple(int(x) for x in c.respondents.split(",") if x))
            for c in session.execute(select(Criterion).where(Criterion.cycle_id == ctx.cycle_id)
                                     .order_by(Criterion.position)).scalars()]


def _score(session: Session, ctx: CycleContext, members: list[Unit], versions: dict, criteria: list[CriterionDef],
           *, at: datetime, actor: str, flow_run_id: str | None) -> int:
    appraisal_leaves = {c.code for c in criteria if c.method == "appraisal"}
    survey_leaves = {c.code for c in criteria if c.method == "survey"}
    chosen: dict[int, tuple[int, set[str]]] = {}
    for unit in members:
        kinds = versions[unit.id]
        appraisal = kinds.get(ScoreKind.COUNCIL_FINAL) or kinds[ScoreKind.APPRAISED_ROUND2]
        chosen[appraisal[0]] = (unit.id, appraisal_leaves)
        chosen[kinds[ScoreKind.SURVEY][0]] = (unit.id, survey_leaves)
    points: dict[int, dict[str, Decimal]] = defaultdict(dict)
    for version_id, code, value in session.execute(
            select(ScoreLine.score_version_id, ScoreLine.criterion_code, ScoreLine.points)
            .where(ScoreLine.score_version_id.in_(list(chosen)))):
        unit_id, leaves = chosen[version_id]
        if code in leaves:
            points[unit_id][code] = value
    inputs = [UnitInput(u.code, u.block, u.group, points[u.id]) for u in members]
    results = score_block(inputs, criteria, ctx.criteria_set, ctx.reward_share)
    ids = {u.code: u.id for u in members}
    previous = {r.unit_id: r for r in session.execute(
        select(UnitResult).where(UnitResult.unit_id.in_(list(ids.values())))).scalars()}
    session.execute(delete(UnitResult).where(UnitResult.unit_id.in_(list(ids.values()))))
    session.execute(insert(UnitResult), [{
        "cycle_id": ctx.cycle_id, "unit_id": ids[r.code], "appraisal_points": r.appraisal_points,
        "survey_points": r.survey_points, "total_points": r.total_points, "index_percent": r.index_percent,
        "field_indexes": json.dumps({k: str(v) for k, v in r.field_indexes.items()}),
        "rank_in_block": r.rank_in_block, "rank_in_group": r.rank_in_group, "band": r.band,
        "reward_eligible": r.reward_eligible, "accountability": r.accountability, "computed_at": at,
    } for r in results])
    append_history(session, cycle_id=ctx.cycle_id, drafts=[
        HistoryDraft(entity="score", subject=r.code, event="compute_result", actor=actor, at=at,
                     flow_run_id=flow_run_id, details={
                         "index_percent": str(r.index_percent), "rank_in_block": r.rank_in_block, "band": r.band,
                         "old_index_percent": str(previous[ids[r.code]].index_percent) if ids[r.code] in previous
                         else None})
        for r in results])
    to_score = [u.code for u in members if u.state == UnitState.APPRAISED_ROUND2]
    transition_units(session, cycle_id=ctx.cycle_id, codes=to_score, event=UnitEvent.SCORE, actor=actor, at=at,
                     reason=f"block {members[0].block} complete: index computed", flow_run_id=flow_run_id)
    return len(results)


def announce(session: Session, ctx: CycleContext, settings: Settings, *, at: datetime, actor: str,
             flow_run_id: str | None) -> list[Transition]:
    """After the council's approval: every approved unit is announced and receives its result letter."""
    if session.get(Cycle, ctx.cycle_id).approved_at is None:
        return []
    rows = session.execute(select(Unit, UnitResult).join(UnitResult, UnitResult.unit_id == Unit.id)
                           .where(Unit.cycle_id == ctx.cycle_id, Unit.state == UnitState.APPROVED.value)).all()
    if not rows:
        return []
    fields = {c.code: c.title for c in session.execute(
        select(Criterion).where(Criterion.cycle_id == ctx.cycle_id, Criterion.parent_code.is_(None))).scalars()}
    block_sizes = dict(session.execute(select(Unit.block, func.count()).where(Unit.cycle_id == ctx.cycle_id)
                                       .group_by(Unit.block)).all())
    rank_counts = defaultdict(int)
    for unit, result in session.execute(select(Unit, UnitResult).join(UnitResult, UnitResult.unit_id == Unit.id)
                                         .where(Unit.cycle_id == ctx.cycle_id)).all():
        rank_counts[(unit.block, result.rank_in_block)] += 1
    messages = []
    for unit, result in rows:
        indexes = json.loads(result.field_indexes)
        context = {
            "lang": settings.language, "title": "result", "cycle_title": ctx.title, "year": ctx.year,
            "recipient_name": unit.name, "unit_name": unit.name,
            "block_name": next(b.name for b in ctx.spec.blocks if b.code == unit.block),
            "block_size": block_sizes[unit.block], "coordinator_name": ctx.coordinator.name,
            "result": {"appraisal_points": result.appraisal_points, "survey_points": result.survey_points,
                       "total_points": result.total_points, "index_percent": result.index_percent,
                       "rank_in_block": result.rank_in_block, "band": result.band,
                       "tied": rank_counts[(unit.block, result.rank_in_block)] > 1},
            "fields": [{"code": code, "title": fields[code], "percent": value} for code, value in indexes.items()],
        }
        key = f"{ctx.cycle_id}|unit:{unit.code}|result|{result.computed_at:%Y%m%dT%H%M}"
        messages.append(NewMessage(ctx.cycle_id, key, "result", f"unit:{unit.code}", None, unit.email,
                                   (unit.head_email,), render("result", context, language=settings.language), None))
    enqueue(session, messages, at=at)
    return transition_units(session, cycle_id=ctx.cycle_id, codes=[u.code for u, _ in rows],
                            event=UnitEvent.ANNOUNCE, actor=actor, at=at, reason="results announced",
                            flow_run_id=flow_run_id)

