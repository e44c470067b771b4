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
from models.scores import LatestVersion, latest_versions
from models.scoring import UnitInput, score_block
from models.settings import Settings
from models.stages import Stage
from models.tables import (
    OPEN_STATES,
    UNITS_OWNER,
    Assignment,
    Criterion,
    Cycle,
    ScoreKind,
    ScoreLine,
    Unit,
    UnitResult,
    assignee_for_unit,
)
from models.transitions import Transition, transition_units
from notifications.outbox import NewMessage, enqueue
from notifications.render import render
from tasks.intake import close_explanation_windows
from tasks.messages import message_context, status_url


def open_self_assessment(session: Session, ctx: CycleContext, *, at: datetime, actor: str,
                         flow_run_id: str | None) -> list[Transition]:
    """Units whose self-assessment assignment is open start self-assessing."""
    task = ctx.unit_task(Stage.SELF_ASSESSMENT)
    codes = session.execute(
        select(Unit.code).join(Assignment, Assignment.unit_id == Unit.id)
        .where(Assignment.plan_task_id == task.id, Assignment.status.in_(OPEN_STATES),
               Unit.state == UnitState.REGISTERED.value)
    ).scalars().all()
    return transition_units(session, cycle_id=ctx.cycle_id, codes=codes, event=UnitEvent.OPEN_SELF_ASSESSMENT,
                            actor=actor, at=at, reason="self-assessment window open", flow_run_id=flow_run_id)


def send_drafts(session: Session, ctx: CycleContext, settings: Settings, *, at: datetime, actor: str,
                flow_run_id: str | None) -> list[Transition]:
    """Once the draft task is open, every unit appraised in round 1 gets its draft and starts explaining."""
    draft_tasks = [t for t in ctx.tasks_of_stage(Stage.SEND_DRAFT) if t.owner != UNITS_OWNER]
    open_draft = session.scalar(select(func.count()).select_from(Assignment).where(
        Assignment.plan_task_id.in_([t.id for t in draft_tasks]), Assignment.status.in_(OPEN_STATES)))
    if not open_draft:
        return []
    units = session.execute(select(Unit).where(Unit.cycle_id == ctx.cycle_id,
                                               Unit.state == UnitState.APPRAISED_ROUND1.value)).scalars().all()
    if not units:
        return []
    explanations = ctx.unit_task(Stage.EXPLANATIONS)
    totals = latest_versions(session, cycle_id=ctx.cycle_id, unit_ids=[u.id for u in units],
                             kinds=(ScoreKind.SELF_ASSESSED, ScoreKind.APPRAISED_ROUND1))
    messages = []
    for unit in units:
        assignee = assignee_for_unit(unit.code)
        self_assessed = totals.get((unit.id, ScoreKind.SELF_ASSESSED))
        appraised = totals.get((unit.id, ScoreKind.APPRAISED_ROUND1))
        context = message_context(
            ctx, settings, title="draft", recipient_name=unit.name, unit_name=unit.name,
            self_total=self_assessed.total if self_assessed else "—",
            appraised_total=appraised.total if appraised else "—", changed=[],
            deadline_end=ctx.calendar.at_local(explanations.last_day, ctx.spec.reminders.office_time),
            status_url=status_url(settings, ctx.cycle_id, assignee))
        messages.append(NewMessage(ctx.cycle_id, f"{ctx.cycle_id}|{assignee}|draft|round1", "draft", assignee, None,
                                   unit.email, (), render("draft", context, language=settings.language), None))
    enqueue(session, messages, at=at)
    return transition_units(session, cycle_id=ctx.cycle_id, codes=[u.code for u in units], event=UnitEvent.SEND_DRAFT,
                            actor=actor, at=at, reason="round-1 draft sent to the unit", flow_run_id=flow_run_id)


def close_explanations(session: Session, ctx: CycleContext, *, at: datetime, actor: str,
                       flow_run_id: str | None) -> int:
    """When the explanations deadline has passed, units that sent nothing move on without."""
    task = ctx.unit_task(Stage.EXPLANATIONS)
    passed = session.execute(
        select(Unit.code).join(Assignment, Assignment.unit_id == Unit.id)
        .where(Assignment.plan_task_id == task.id, Assignment.status.in_(OPEN_STATES),
               Assignment.due_at.is_not(None), Assignment.due_at <= at)
    ).scalars().all()
    if not passed:
        return 0
    return close_explanation_windows(session, ctx, codes=passed, at=at, actor=actor, flow_run_id=flow_run_id)


def score_ready_blocks(session: Session, ctx: CycleContext, *, at: datetime, actor: str,
                       flow_run_id: str | None) -> dict[str, int]:
    """Score every block whose inputs are complete and new: all units appraised in round 2 with survey
    results, and some unit not scored yet or a score version newer than its result."""
    units = session.execute(select(Unit).where(Unit.cycle_id == ctx.cycle_id)).scalars().all()
    versions = latest_versions(session, cycle_id=ctx.cycle_id)
    newest: dict[int, datetime] = {}
    for (unit_id, _), version in versions.items():
        newest[unit_id] = max(newest.get(unit_id, version.created_at), version.created_at)
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
        if not any(u.state == UnitState.APPRAISED_ROUND2 or u.id not in computed or newest[u.id] > computed[u.id]
                   for u in members):
            continue
        scored[block] = _score(session, ctx, members, versions, criteria, at=at, actor=actor, flow_run_id=flow_run_id)
    return scored


def _inputs_complete(members: list[Unit], versions: dict[tuple[int, ScoreKind], LatestVersion]) -> bool:
    return all(has_reached(UnitState(u.state), UnitState.APPRAISED_ROUND2) and (u.id, ScoreKind.SURVEY) in versions
               for u in members)


def _criteria(session: Session, ctx: CycleContext) -> list[CriterionDef]:
    return [CriterionDef(c.code, c.parent_code, c.title, c.max_points, c.method, c.evidence_required,
                         tuple(int(x) for x in c.respondents.split(",") if x))
            for c in session.execute(select(Criterion).where(Criterion.cycle_id == ctx.cycle_id)
                                     .order_by(Criterion.position)).scalars()]


def _score(session: Session, ctx: CycleContext, members: list[Unit],
           versions: dict[tuple[int, ScoreKind], LatestVersion], criteria: list[CriterionDef],
           *, at: datetime, actor: str, flow_run_id: str | None) -> int:
    appraisal_leaves = {c.code for c in criteria if c.method == "appraisal"}
    survey_leaves = {c.code for c in criteria if c.method == "survey"}
    chosen: dict[int, tuple[int, set[str]]] = {}
    for unit in members:
        appraisal = versions.get((unit.id, ScoreKind.COUNCIL_FINAL)) or versions[(unit.id, ScoreKind.APPRAISED_ROUND2)]
        chosen[appraisal.id] = (unit.id, appraisal_leaves)
        chosen[versions[(unit.id, ScoreKind.SURVEY)].id] = (unit.id, survey_leaves)
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
        context = message_context(
            ctx, settings, title="result", recipient_name=unit.name, year=ctx.year, unit_name=unit.name,
            block_name=next(b.name for b in ctx.spec.blocks if b.code == unit.block),
            block_size=block_sizes[unit.block],
            result={"appraisal_points": result.appraisal_points, "survey_points": result.survey_points,
                    "total_points": result.total_points, "index_percent": result.index_percent,
                    "rank_in_block": result.rank_in_block, "band": result.band,
                    "tied": rank_counts[(unit.block, result.rank_in_block)] > 1},
            fields=[{"code": code, "title": fields[code], "percent": value} for code, value in indexes.items()])
        assignee = assignee_for_unit(unit.code)
        key = f"{ctx.cycle_id}|{assignee}|result|{result.computed_at:%Y%m%dT%H%M}"
        messages.append(NewMessage(ctx.cycle_id, key, "result", assignee, None, unit.email,
                                   (unit.head_email,), render("result", context, language=settings.language), None))
    enqueue(session, messages, at=at)
    return transition_units(session, cycle_id=ctx.cycle_id, codes=[u.code for u, _ in rows],
                            event=UnitEvent.ANNOUNCE, actor=actor, at=at, reason="results announced",
                            flow_run_id=flow_run_id)

