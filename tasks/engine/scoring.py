"""Scoring a cycle's blocks once their inputs are complete: round-2 appraisal (or the council's final
scores) and survey results for every unit, every leaf covered."""

from __future__ import annotations

import json
from collections import defaultdict
from datetime import datetime

from sqlalchemy import delete, func, select
from sqlmodel import Session

from models.batching import chunked
from models.bulk import insert_rows
from models.cycle_context import CycleContext, criteria_by_tree
from models.definition.cycle import CriterionDef
from models.history import HistoryDraft, append_history
from models.lifecycle import UnitEvent, UnitState, has_reached
from models.predecessors import load_priors
from models.scores import LatestVersion, final_appraisal_kind, latest_versions, scored_kinds, version_field_totals
from models.scoring import LastYear, UnitInput, score_block
from models.settings import Settings, get_settings
from models.tables import ScoreKind, ScoreLine, Unit, UnitResult
from models.transitions import transition_units
from models.words import word
from tasks.engine.corrections import PreviousResult, ResultChange, queue_corrections

Versions = dict[tuple[int, ScoreKind], LatestVersion]


def score_ready_blocks(session: Session, ctx: CycleContext, *, at: datetime, actor: str,
                       flow_run_id: str | None, force: bool = False,
                       settings: Settings | None = None) -> dict[str, int]:
    """Score every block whose inputs are complete and new: all units appraised in round 2 with survey
    results, and some unit not scored yet or a score version newer than its result (`force`: even if not)."""
    units = session.execute(select(Unit).where(Unit.cycle_id == ctx.cycle_id, Unit.withdrawn_at.is_(None))
                            ).scalars().all()  # a withdrawn unit is neither waited for nor ranked
    versions = latest_versions(session, cycle_id=ctx.cycle_id, kinds=scored_kinds(ctx.lifecycle))
    newest: dict[int, datetime] = {}
    for (unit_id, _), version in versions.items():
        newest[unit_id] = max(newest.get(unit_id, version.created_at), version.created_at)
    computed, stale = {}, set()
    for unit_id, computed_at, is_stale in session.execute(
            select(UnitResult.unit_id, UnitResult.computed_at, UnitResult.stale)
            .where(UnitResult.cycle_id == ctx.cycle_id)):
        computed[unit_id] = computed_at
        if is_stale:
            stale.add(unit_id)
    trees = criteria_by_tree(session, ctx.cycle_id)
    missing = missing_inputs(session, ctx, units=units, versions=versions, trees=trees)
    scored: dict[str, int] = {}
    for block, members in sorted(_by_block(units).items()):
        if missing.get(block):
            continue
        if not force and not any(u.state == ctx.lifecycle.before_scoring or u.id not in computed or u.id in stale
                                 or newest[u.id] > computed[u.id] for u in members):
            continue
        changes = _score(session, ctx, members, versions, trees[ctx.tree_of(block)], at=at, actor=actor,
                         flow_run_id=flow_run_id)
        queue_corrections(session, ctx, settings or get_settings(), changes, at=at)
        scored[block] = len(members)
    return scored


def _by_block(units: list[Unit]) -> dict[str, list[Unit]]:
    by_block: dict[str, list[Unit]] = defaultdict(list)
    for unit in units:
        by_block[unit.block].append(unit)
    return by_block


def missing_inputs(session: Session, ctx: CycleContext, *, units: list[Unit] | None = None,
                   versions: Versions | None = None,
                   trees: dict[str, list[CriterionDef]] | None = None) -> dict[str, list[str]]:
    """Per block, what keeps it from being scored: one line per unit lacking something (empty: ready); a unit's
    survey covers every survey leaf of its block's criteria tree."""
    units = units if units is not None else list(session.execute(
        select(Unit).where(Unit.cycle_id == ctx.cycle_id, Unit.withdrawn_at.is_(None)).order_by(Unit.id)).scalars())
    versions = versions if versions is not None else latest_versions(session, cycle_id=ctx.cycle_id,
                                                                     kinds=scored_kinds(ctx.lifecycle))
    trees = trees if trees is not None else criteria_by_tree(session, ctx.cycle_id)
    survey_ids = {unit_id: v.id for (unit_id, kind), v in versions.items() if kind is ScoreKind.SURVEY}
    covered: dict[int, int] = {}
    leaves_of: dict[str, set[str]] = {}
    for tree, criteria in trees.items():
        leaves_of[tree] = {c.code for c in criteria if c.method == "survey"}
        ids = [survey_ids[u.id] for u in units if u.id in survey_ids and ctx.tree_of(u.block) == tree]
        for chunk in chunked(ids):
            covered.update(session.execute(
                select(ScoreLine.score_version_id, func.count()).where(
                    ScoreLine.score_version_id.in_(list(chunk)), ScoreLine.criterion_code.in_(leaves_of[tree] or [""]))
                .group_by(ScoreLine.score_version_id)).all())
    missing: dict[str, list[str]] = defaultdict(list)
    for unit in units:
        survey_leaves = leaves_of.get(ctx.tree_of(unit.block), set())
        reasons = []
        if not has_reached(UnitState(unit.state), ctx.lifecycle.before_scoring):
            last_round = 2 if ctx.lifecycle.has("appraisal_round2") else 1
            reasons.append(word("lacking.appraisal", round=last_round, state=word(f"state.{unit.state}")))
        if unit.id not in survey_ids:
            reasons.append(word("lacking.survey"))
        elif covered.get(survey_ids[unit.id], 0) < len(survey_leaves):
            reasons.append(word("lacking.survey_part", covered=covered.get(survey_ids[unit.id], 0),
                                total=len(survey_leaves)))
        if reasons:
            missing[unit.block].append(f"{unit.code}: {'; '.join(reasons)}")
    return dict(missing)


def last_year(session: Session, ctx: CycleContext) -> dict[str, LastYear]:
    """Each unit's comparison with last year (its own result, or its predecessors'); none without results."""
    priors = load_priors(session, ctx.cycle_id, ctx.year - 1, ctx.criteria_set.ranking.index_decimals)
    return {code: LastYear(p.band, p.rank_in_block, p.kind, p.sources) for code, p in priors.items()
            if p.kind != "missing"}


RESULT_COLUMNS = ("cycle_id", "unit_id", "appraisal_points", "survey_points", "total_points", "index_percent",
                  "field_indexes", "field_points", "decided_by", "rank_in_block", "rank_in_group", "band",
                  "reward_eligible", "accountability",
                  "satisfaction_percent", "computed_at", "stale")


def _score(session: Session, ctx: CycleContext, members: list[Unit], versions: Versions,
           criteria: list[CriterionDef], *, at: datetime, actor: str,
           flow_run_id: str | None) -> list[ResultChange]:
    appraisal_of, survey_of, satisfaction = {}, {}, {}
    for unit in members:
        appraisal = versions.get((unit.id, ScoreKind.COUNCIL_FINAL)) or \
            versions[(unit.id, final_appraisal_kind(ctx.lifecycle))]
        survey = versions[(unit.id, ScoreKind.SURVEY)]
        appraisal_of[unit.id], survey_of[unit.id], satisfaction[unit.code] = \
            appraisal.id, survey.id, survey.satisfaction_percent
    totals = version_field_totals(session, [*appraisal_of.values(), *survey_of.values()])
    inputs = [UnitInput(u.code, u.block, u.group, totals[appraisal_of[u.id]], totals[survey_of[u.id]])
              for u in members]
    results = score_block(inputs, criteria, ctx.criteria_set, ctx.reward_share, last_year(session, ctx))
    ids = {u.code: u.id for u in members}
    block_ids = select(Unit.id).where(Unit.cycle_id == ctx.cycle_id, Unit.block == members[0].block)
    previous = {unit_id: PreviousResult(index, rank, band) for unit_id, index, rank, band in session.execute(
        select(UnitResult.unit_id, UnitResult.index_percent, UnitResult.rank_in_block, UnitResult.band)
        .where(UnitResult.unit_id.in_(block_ids)))}
    session.execute(delete(UnitResult).where(UnitResult.unit_id.in_(block_ids)))
    insert_rows(session.connection(), UnitResult.__table__, RESULT_COLUMNS, [(
        ctx.cycle_id, ids[r.code], r.appraisal_points, r.survey_points, r.total_points, r.index_percent,
        json.dumps({k: str(v) for k, v in r.field_indexes.items()}),
        json.dumps({k: str(v) for k, v in r.field_points.items()}), json.dumps(r.decided_by), r.rank_in_block,
        r.rank_in_group, r.band,
        r.reward_eligible, r.accountability, satisfaction[r.code], at, False) for r in results])
    append_history(session, cycle_id=ctx.cycle_id, drafts=[
        HistoryDraft(entity="score", subject=r.code, event="compute_result", actor=actor, at=at,
                     flow_run_id=flow_run_id, details={
                         "index_percent": str(r.index_percent), "rank_in_block": r.rank_in_block, "band": r.band,
                         "old_index_percent": str(previous[ids[r.code]].index_percent) if ids[r.code] in previous
                         else None})
        for r in results])
    to_score = [u.code for u in members if u.state == ctx.lifecycle.before_scoring]
    transition_units(session, cycle_id=ctx.cycle_id, codes=to_score, event=UnitEvent.SCORE, actor=actor, at=at,
                     reason=f"khối {members[0].block} đủ kết quả: đã tính chỉ số", flow_run_id=flow_run_id)
    by_code = {u.code: u for u in members}
    return [ResultChange(by_code[r.code], previous[ids[r.code]], r) for r in results if ids[r.code] in previous]
