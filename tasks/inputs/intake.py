"""Inputs arriving: score versions, explanations, tasks reported done, the council's approval.

Each function is one unit of work in the caller's transaction; files are parsed elsewhere and land here.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import insert, select, update
from sqlmodel import Session

from models.bulk import insert_rows
from models.columns import as_points
from models.completion import parse_completion_rule
from models.cycle_context import CycleContext
from models.history import HistoryDraft, append_history
from models.lifecycle import TransitionRefused, UnitEvent, UnitState, has_reached
from models.refusals import NotFound, Refused
from models.report_data import APPROVED_WITHOUT_DECISION
from models.scores import field_totals_json, latest_versions, version_lines
from models.stages import Stage
from models.tables import (
    UNFINISHED,
    UNITS_OWNER,
    Assignment,
    AssignmentStatus,
    Cycle,
    ScoreKind,
    ScoreLine,
    ScoreVersion,
    Unit,
    actor_for,
)
from models.transitions import transition_units
from models.words import WORDS, word
from tasks.engine.assignments import AssignmentChanges, complete_assignments
from tasks.engine.events import note_lateness


class StageClosed(Refused):
    """An input for a stage the unit has already left."""


@dataclass(frozen=True)
class ScoreSheet:
    """One unit's points in one file: leaf code → (points, evidence reference, explanation)."""

    unit_code: str
    lines: Mapping[str, tuple[Decimal, str, str]]
    satisfaction: Decimal | None = None  # survey sheets: the unit's satisfaction rate (%), when given


# What each kind of score moves the unit from and to; None: no lifecycle move.
SCORE_EVENTS: dict[ScoreKind, UnitEvent | None] = {
    ScoreKind.SELF_ASSESSED: UnitEvent.SUBMIT_SELF_ASSESSMENT,
    ScoreKind.APPRAISED_ROUND1: UnitEvent.APPRAISE_ROUND1,
    ScoreKind.APPRAISED_ROUND2: UnitEvent.APPRAISE_ROUND2,
    ScoreKind.EXPLAINED: None,
    ScoreKind.COUNCIL_FINAL: None,
    ScoreKind.SURVEY: None,
}
# Scores that move no unit are still refused once results are approved (a re-run reopens them).
FROZEN_FROM = UnitState.APPROVED
RESUBMIT_WHILE = {ScoreKind.SELF_ASSESSED: UnitState.SELF_ASSESSED,
                  ScoreKind.APPRAISED_ROUND1: UnitState.APPRAISED_ROUND1,
                  ScoreKind.APPRAISED_ROUND2: UnitState.APPRAISED_ROUND2}


def record_scores(session: Session, ctx: CycleContext, *, kind: ScoreKind, sheets: Sequence[ScoreSheet],
                  at: datetime, actor: str, source: str, flow_run_id: str | None = None) -> list[int]:
    """Write a new score version per unit (never overwriting one) and move the units it moves."""
    event = SCORE_EVENTS[kind]
    if kind is ScoreKind.APPRAISED_ROUND2:  # the appraisal closes the window of units still explaining
        close_explanation_windows(session, ctx, codes=[s.unit_code for s in sheets], at=at, actor=actor,
                                  flow_run_id=flow_run_id)
    units = _units(session, ctx, [sheet.unit_code for sheet in sheets])
    movers = [code for code, unit in units.items() if event and unit.state != RESUBMIT_WHILE.get(kind)]
    if event:
        _check_stage_open(ctx, units, movers, kind, event)
    else:
        _check_not_frozen(ctx, units, kind)
    version_ids = _insert_versions(session, ctx, kind, sheets, units, at=at, actor=actor, source=source,
                                   flow_run_id=flow_run_id)
    if event and movers:
        transition_units(session, cycle_id=ctx.cycle_id, codes=movers, event=event, actor=actor, at=at,
                         reason=f"nhận {WORDS['vi'].get('kind.' + kind.value, kind.value)} ({source})",
                         flow_run_id=flow_run_id)
    if kind is ScoreKind.SELF_ASSESSED:
        _complete_unit_task(session, ctx, stage=Stage.SELF_ASSESSMENT, unit_ids=[units[c].id for c in movers], at=at,
                            actor=actor, flow_run_id=flow_run_id)
    return version_ids


def _check_stage_open(ctx: CycleContext, units: Mapping[str, Unit], movers: list[str], kind: ScoreKind,
                      event: UnitEvent) -> None:
    """Every unit the file names must be where this stage is open; all that are not are named (ten by state)."""
    closed: dict[str, list[str]] = {}
    for code in movers:
        try:
            ctx.lifecycle.next_state(UnitState(units[code].state), event, unit=code)
        except TransitionRefused:
            closed.setdefault(units[code].state, []).append(code)
    if closed:
        count = sum(len(codes) for codes in closed.values())
        where = "; ".join(f"{len(codes)} '{word('state.' + state)}': {_shown(codes)}"
                          for state, codes in sorted(closed.items()))
        raise StageClosed(word("err.stage_not_open", kind=word("kind." + kind.value), count=count, where=where))


def _shown(codes: Sequence[str]) -> str:
    """The first ten codes, and how many more."""
    codes = sorted(codes)
    return _first_ten(codes, ", ".join(codes[:10]))


def _first_ten(codes: Sequence[str], shown: str) -> str:
    """`shown` (the first ten of `codes`), and how many more there are."""
    return word("err.codes_more", codes=shown, more=len(codes) - 10) if len(codes) > 10 else shown


def _check_not_frozen(ctx: CycleContext, units: Mapping[str, Unit], kind: ScoreKind) -> None:
    frozen = sorted(code for code, unit in units.items() if has_reached(UnitState(unit.state), FROZEN_FROM))
    if frozen:
        raise StageClosed(word("err.results_frozen", kind=word("kind." + kind.value), count=len(frozen),
                               units=_shown(frozen)))
    if kind is ScoreKind.COUNCIL_FINAL:
        early = sorted(code for code, unit in units.items()
                       if not has_reached(UnitState(unit.state), ctx.lifecycle.before_scoring))
        if early:
            raise StageClosed(word("err.appraisal_incomplete", kind=word("kind." + kind.value), count=len(early),
                                   units=_shown(early), state=word("state." + ctx.lifecycle.before_scoring.value)))


def _insert_versions(session: Session, ctx: CycleContext, kind: ScoreKind, sheets: Sequence[ScoreSheet],
                     units: Mapping[str, Unit], *, at: datetime, actor: str, source: str,
                     flow_run_id: str | None) -> list[int]:
    latest = latest_versions(session, cycle_id=ctx.cycle_id, unit_ids=[u.id for u in units.values()], kinds=[kind],
                             withdrawn=True)
    previous = [latest.get((units[sheet.unit_code].id, kind)) for sheet in sheets]
    due = _unit_task_due(ctx, kind)
    new_points = [_points_of(sheet) for sheet in sheets]  # quantized once: totals, lines and the changes
    rows = [{
        "cycle_id": ctx.cycle_id, "unit_id": units[sheet.unit_code].id, "kind": kind.value,
        "version": before.version + 1 if before else 1,
        "total": sum(points.values(), Decimal(0)),
        "late": due is not None and at > due, "source": source, "actor": actor_for(actor, sheet.unit_code),
        "created_at": at, "field_totals": field_totals_json(points), "satisfaction_percent": sheet.satisfaction,
    } for sheet, before, points in zip(sheets, previous, new_points, strict=True)]
    session.flush()  # Core below, for speed (a season writes millions of lines): nothing pending may be skipped
    versions = ScoreVersion.__table__
    version_ids = session.connection().execute(
        insert(versions).returning(versions.c.id, sort_by_parameter_order=True), rows).scalars().all()
    insert_rows(session.connection(), ScoreLine.__table__, SCORE_LINE_COLUMNS, (
        (version_id, code, points[code], evidence, explanation)
        for version_id, sheet, points in zip(version_ids, sheets, new_points, strict=True)
        for code, (_, evidence, explanation) in sheet.lines.items()))
    old_lines = version_lines(session, [before.id for before in previous if before])
    append_history(session, cycle_id=ctx.cycle_id, drafts=[
        HistoryDraft(entity="score", subject=sheet.unit_code, event=f"score_{kind.value}",
                     actor=actor_for(actor, sheet.unit_code), at=at,
                     reason=f"nhận từ {source}", flow_run_id=flow_run_id,
                     details={"version": row["version"], "old_total": before.total if before else None,
                              "new_total": row["total"], "late": row["late"],
                              "changed": _changed(old_lines.get(before.id, {}), points) if before else {}})
        for sheet, row, before, points in zip(sheets, rows, previous, new_points, strict=True)
    ])
    return list(version_ids)


SCORE_LINE_COLUMNS = ("score_version_id", "criterion_code", "points", "evidence_ref", "explanation")


def _points_of(sheet: ScoreSheet) -> dict[str, Decimal]:
    return {code: as_points(points) for code, (points, _, _) in sheet.lines.items()}


def _changed(old: Mapping[str, Decimal], new: Mapping[str, Decimal]) -> dict[str, list[str | None]]:
    """Criterion → [old points, new points] where they differ from the previous version of the same kind."""
    return {code: [str(old[code]) if code in old else None, str(new[code]) if code in new else None]
            for code in sorted(set(old) | set(new)) if old.get(code) != new.get(code)}


def _unit_task_due(ctx: CycleContext, kind: ScoreKind) -> datetime | None:
    """The deadline a unit's own submission is late against (only the self-assessment is one)."""
    task = ctx.unit_task(Stage.SELF_ASSESSMENT) if kind is ScoreKind.SELF_ASSESSED else None
    return task.due_at if task else None


def _units(session: Session, ctx: CycleContext, codes: Sequence[str]) -> dict[str, Unit]:
    found = {u.code: u for u in session.execute(
        select(Unit).where(Unit.cycle_id == ctx.cycle_id, Unit.code.in_(list(codes)))
        .execution_options(populate_existing=True)).scalars()}  # states change by bulk updates
    missing = sorted(set(codes) - set(found))
    if missing:
        raise NotFound(word("err.unknown_units_in_cycle", cycle=ctx.cycle_id, units=", ".join(missing)))
    return found


def _complete_unit_task(session: Session, ctx: CycleContext, *, stage: str, unit_ids: list[int], at: datetime,
                        actor: str, flow_run_id: str | None, status: AssignmentStatus = AssignmentStatus.DONE) -> None:
    task = ctx.unit_task(stage)
    if task is None or not unit_ids:
        return
    rows = session.execute(
        select(Assignment.id, Assignment.plan_task_id, Assignment.assignee, Assignment.status, Assignment.due_at)
        .where(Assignment.plan_task_id == task.id, Assignment.unit_id.in_(unit_ids),
               Assignment.status.in_(UNFINISHED))
    ).all()
    changes = AssignmentChanges()
    complete_assignments(session, rows, at=at, changes=changes, event="complete" if status is AssignmentStatus.DONE
                         else "miss", status=status)
    changes.write_history(session, cycle_id=ctx.cycle_id, actor=actor, flow_run_id=flow_run_id)
    if status is AssignmentStatus.MISSED:
        note_lateness(session, ctx, kind="missed", assignments=rows)


def record_explanation(session: Session, ctx: CycleContext, *, unit_code: str, at: datetime, actor: str,
                       source: str, flow_run_id: str | None = None) -> None:
    """A unit's explanations and evidence: accepted while its window is open (late ones marked late)."""
    record_explanations(session, ctx, unit_codes=[unit_code], at=at, actor=actor, source=source,
                        flow_run_id=flow_run_id)


def record_explanations(session: Session, ctx: CycleContext, *, unit_codes: Sequence[str], at: datetime,
                        actor: str, source: str, flow_run_id: str | None = None) -> None:
    """Several units' explanations at once (actor EACH_UNIT: each unit itself); all refused if a window is shut.
    A unit that has explained may send again, changed, until its deadline (its newest version is the one the
    working group reads); the first sending moves it on and completes its task."""
    units = _units(session, ctx, unit_codes)
    resending = explaining_again(session, ctx, [u for u in units.values() if u.state == UnitState.EXPLAINED], at=at)
    closed = sorted(code for code, unit in units.items()
                    if unit.state != UnitState.EXPLAINING and code not in resending)
    if closed:
        raise StageClosed(word("err.explanations_closed", count=len(closed), units=_shown(closed)))
    first = [unit for code, unit in units.items() if code not in resending]
    if not first:
        return
    transition_units(session, cycle_id=ctx.cycle_id, codes=[u.code for u in first], event=UnitEvent.SUBMIT_EXPLANATION,
                     actor=actor, at=at, reason=f"nhận giải trình ({source})", flow_run_id=flow_run_id)
    _complete_unit_task(session, ctx, stage=Stage.EXPLANATIONS, unit_ids=[u.id for u in first], at=at,
                        actor=actor, flow_run_id=flow_run_id)


def explaining_again(session: Session, ctx: CycleContext, units: Sequence[Unit], *, at: datetime) -> set[str]:
    """Of units that have explained, those whose explanations deadline (as extended for each) has not passed:
    they may send their explanations again."""
    task = ctx.unit_task(Stage.EXPLANATIONS)
    if task is None or not units:
        return set()
    by_id = {unit.id: unit.code for unit in units}
    due = session.execute(select(Assignment.unit_id, Assignment.due_at).where(
        Assignment.plan_task_id == task.id, Assignment.unit_id.in_(list(by_id)))).all()
    return {by_id[unit_id] for unit_id, due_at in due if due_at is not None and at <= due_at}


def close_explanation_windows(session: Session, ctx: CycleContext, *, codes: Sequence[str] | None, at: datetime,
                              actor: str, flow_run_id: str | None) -> int:
    """Units still explaining when the window closes move on without an explanation; their task is missed."""
    query = select(Unit.id, Unit.code).where(Unit.cycle_id == ctx.cycle_id, Unit.state == UnitState.EXPLAINING.value)
    if codes is not None:
        query = query.where(Unit.code.in_(list(codes)))
    rows = session.execute(query).all()
    if not rows:
        return 0
    transition_units(session, cycle_id=ctx.cycle_id, codes=[r.code for r in rows], event=UnitEvent.CLOSE_EXPLANATIONS,
                     actor=actor, at=at, reason="hết thời hạn giải trình, đơn vị không giải trình",
                     flow_run_id=flow_run_id)
    _complete_unit_task(session, ctx, stage=Stage.EXPLANATIONS, unit_ids=[r.id for r in rows], at=at, actor=actor,
                        flow_run_id=flow_run_id, status=AssignmentStatus.MISSED)
    return len(rows)


def report_task_done(session: Session, ctx: CycleContext, *, number: int, at: datetime, actor: str,
                     reason: str = "", flow_run_id: str | None = None) -> bool:
    """A body reports its plan task done (`parindex done`); False when it was done already."""
    task = ctx.task_by_number(number)
    if task.owner == UNITS_OWNER:
        raise StageClosed(word("err.task_by_units", task=number))
    if task.completes_when != "manual":
        raise StageClosed(word("err.task_completes_itself", task=number,
                               when=parse_completion_rule(task.completes_when).in_words()))
    if not actor.strip():
        raise StageClosed(word("err.done_by"))
    rows = session.execute(
        select(Assignment.id, Assignment.plan_task_id, Assignment.assignee, Assignment.status, Assignment.due_at)
        .where(Assignment.plan_task_id == task.id, Assignment.status.in_(UNFINISHED))
    ).all()
    if not rows:
        return False
    changes = AssignmentChanges()
    complete_assignments(session, rows, at=at, changes=changes, event="report_done")
    changes.write_history(session, cycle_id=ctx.cycle_id, actor=actor, flow_run_id=flow_run_id, reason=reason)
    return True


def approve_results(session: Session, ctx: CycleContext, *, at: datetime, actor: str, reason: str = "",
                    flow_run_id: str | None = None) -> int:
    """The council approves the computed results: every unit must be scored; the scored ones move to approved
    (after a re-run, only the re-run unit is scored again: the others stay approved or announced)."""
    scored = awaiting_approval(session, ctx)
    session.execute(update(Cycle).where(Cycle.id == ctx.cycle_id).values(approved_at=at, approved_by=actor))
    transition_units(session, cycle_id=ctx.cycle_id, codes=scored, event=UnitEvent.APPROVE, actor=actor,
                     at=at, reason=reason or APPROVED_WITHOUT_DECISION, flow_run_id=flow_run_id)
    return len(scored)


def awaiting_approval(session: Session, ctx: CycleContext) -> list[str]:
    """The units whose results the council can approve now; StageClosed when there is nothing to approve."""
    states: dict[str, str] = dict(session.execute(select(Unit.code, Unit.state).where(Unit.cycle_id == ctx.cycle_id,
                                                                       Unit.withdrawn_at.is_(None))).all())
    unscored = sorted(code for code, state in states.items() if not has_reached(UnitState(state), UnitState.SCORED))
    if unscored:
        shown = _first_ten(unscored, ", ".join(f"{code} ('{word('state.' + states[code])}')" for code in unscored[:10]))
        raise StageClosed(word("err.cannot_approve", cycle=ctx.cycle_id, count=len(unscored), units=shown))
    scored = sorted(code for code, state in states.items() if state == UnitState.SCORED.value)
    if not scored:
        raise StageClosed(word("err.all_approved", cycle=ctx.cycle_id))
    return scored
