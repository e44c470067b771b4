"""The steps only one stage takes: opening self-assessment, sending drafts, closing explanations,
scoring complete blocks, and announcing approved results. STEPS names them for the stages (models/stages.py,
StageSpec.step): the tick takes a stage's step by that name."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlmodel import Session

from models.anchoring import digest
from models.batching import chunked
from models.cycle_context import CycleContext
from models.lifecycle import UnitEvent, UnitState
from models.report_data import group_in_sentence
from models.scores import latest_lines, latest_versions
from models.settings import Settings
from models.stages import Stage
from models.tables import (
    OPEN_STATES,
    UNITS_OWNER,
    Assignment,
    AssignmentStatus,
    Criterion,
    Cycle,
    ScoreKind,
    ScoreLine,
    Unit,
    UnitResult,
    assignee_for_unit,
)
from models.transitions import Transition, transition_units
from models.words import edge_sentences, word
from notifications.outbox import NewMessage, enqueue
from notifications.render import render, render_each
from tasks.engine.anchoring import sign_announcement
from tasks.engine.reminders import Recipient, calendar_entries, deadline_revisions
from tasks.engine.scoring import score_ready_blocks
from tasks.inputs.intake import close_explanation_windows
from tasks.mail.attachments import form_attachment
from tasks.mail.messages import deadline_hour, message_context, status_url
from tasks.survey.online import close_on_plan_date


def open_self_assessment(session: Session, ctx: CycleContext, *, at: datetime, actor: str,
                         flow_run_id: str | None, settings: Settings | None = None) -> list[Transition]:
    """Units whose self-assessment assignment is open start self-assessing; with `settings`, each is mailed
    its sign-in link and its prefilled form."""
    task = ctx.unit_task(Stage.SELF_ASSESSMENT)
    rows = session.execute(
        select(Unit.code, Unit.name, Unit.email, Assignment.id, Assignment.last_day, Assignment.due_at)
        .join(Assignment, Assignment.unit_id == Unit.id)
        .where(Assignment.plan_task_id == task.id, Assignment.status.in_(OPEN_STATES),
               Unit.state == UnitState.REGISTERED.value)
    ).all()
    moved = transition_units(session, cycle_id=ctx.cycle_id, codes=[row.code for row in rows],
                             event=UnitEvent.OPEN_SELF_ASSESSMENT, actor=actor, at=at,
                             reason="mở kỳ tự đánh giá", flow_run_id=flow_run_id)
    if settings is not None and rows:
        enqueue(session, _window_mails(session, ctx, settings, task, rows, at), at=at)
    return moved


def _window_mails(session: Session, ctx: CycleContext, settings: Settings, task, rows,
                  at: datetime) -> list[NewMessage]:
    """The mail that opens a unit's self-assessment: how to send, the sign-in link, the form attached, and the
    deadline as a calendar entry (the same UID its reminders and extensions carry, so they update it)."""
    people = {assignee_for_unit(row.code): Recipient(row.name, row.email, "") for row in rows}
    revisions = deadline_revisions(session, [row.id for row in rows])
    messages = []
    by_day = defaultdict(list)
    for row in rows:
        by_day[row.last_day].append(row)
    for last_day, members in by_day.items():
        context = message_context(
            ctx, settings, title=task.title, recipient_name="", plan_document=ctx.spec.plan.document,
            task_number=task.number, task_title=task.title, link_days=settings.sign_in_link_days,
            portal_url=settings.public_url.rstrip("/"),
            deadline_end=ctx.calendar.at_local(last_day, ctx.spec.reminders.office_time) if last_day else "—",
            deadline_hour=deadline_hour(ctx, members[0].due_at))
        links = {row.id: status_url(settings, ctx.cycle_id, assignee_for_unit(row.code), row.id) for row in members}
        personal = [{"recipient_name": row.name, "status_url": links[row.id]} for row in members]
        deadlines = [Deadlined(row.id, assignee_for_unit(row.code), row.last_day, row.due_at, None) for row in members
                     if row.last_day is not None]
        calendars = calendar_entries(ctx, settings, task, deadlines, people, revisions, links, at=at) \
            if len(deadlines) == len(members) else []
        each = render_each("opened", context, personal, language=settings.language, ics=calendars,
                           letters=ctx.spec.letters)
        for row, rendered in zip(members, each, strict=True):
            assignee = assignee_for_unit(row.code)
            messages.append(NewMessage(ctx.cycle_id, f"{ctx.cycle_id}|{assignee}|task{task.number}|opened", "opened",
                                       assignee, row.id, row.email, (), rendered, row.due_at,
                                       attachment=form_attachment("self-assessment", row.code)))
    return messages


@dataclass(frozen=True)
class Deadlined:
    """An assignment as a calendar entry reads it."""

    id: int
    assignee: str
    last_day: date
    due_at: datetime
    moved_because: str | None


def send_drafts(session: Session, ctx: CycleContext, settings: Settings, *, at: datetime, actor: str,
                flow_run_id: str | None) -> list[Transition]:
    """Once the draft task has opened (and after, for a unit whose round 1 was re-run), every unit appraised
    in round 1 gets its draft and starts explaining."""
    draft_tasks = [t for t in ctx.tasks_of_stage(Stage.SEND_DRAFT) if t.owner != UNITS_OWNER]
    opened = session.scalar(select(func.count()).select_from(Assignment).where(
        Assignment.plan_task_id.in_([t.id for t in draft_tasks]),
        Assignment.status != AssignmentStatus.WAITING.value))
    if not opened:
        return []
    units = session.execute(select(Unit).where(Unit.cycle_id == ctx.cycle_id,
                                               Unit.state == UnitState.APPRAISED_ROUND1.value)).scalars().all()
    if not units:
        return []
    explanations = ctx.unit_task(Stage.EXPLANATIONS)
    totals = latest_versions(session, cycle_id=ctx.cycle_id, unit_ids=[u.id for u in units],
                             kinds=(ScoreKind.SELF_ASSESSED, ScoreKind.APPRAISED_ROUND1))
    codes = [u.code for u in units]
    own = latest_lines(session, cycle_id=ctx.cycle_id, unit_codes=codes, kinds=[ScoreKind.SELF_ASSESSED])
    draft = latest_lines(session, cycle_id=ctx.cycle_id, unit_codes=codes, kinds=[ScoreKind.APPRAISED_ROUND1])
    trees: dict[str, dict[str, Any]] = defaultdict(dict)  # each block's criteria tree: code → row
    for row in session.execute(select(Criterion.tree, Criterion.code, Criterion.title, Criterion.position,
                                      Criterion.max_points, Criterion.method)
                               .where(Criterion.cycle_id == ctx.cycle_id)):
        trees[row.tree][row.code] = row
    max_totals = {tree: sum((row.max_points for row in rows.values() if row.method == "appraisal"), Decimal(0))
                  for tree, rows in trees.items()}
    reasons = _draft_reasons(session, [totals[(u.id, ScoreKind.APPRAISED_ROUND1)].id for u in units
                                       if (u.id, ScoreKind.APPRAISED_ROUND1) in totals])
    messages = []
    for unit in units:
        assignee = assignee_for_unit(unit.code)
        self_assessed = totals.get((unit.id, ScoreKind.SELF_ASSESSED))
        appraised = totals.get((unit.id, ScoreKind.APPRAISED_ROUND1))
        context = message_context(
            ctx, settings, title="draft", recipient_name=unit.name, unit_name=unit.name,
            self_total=self_assessed.total if self_assessed else "—",
            appraised_total=appraised.total if appraised else "—",
            changed=changed_lines(own.get(unit.code, {}), draft.get(unit.code, {}), trees[ctx.tree_of(unit.block)],
                                  reasons.get(appraised.id, {}) if appraised else {}),
            deadline_end=ctx.calendar.at_local(explanations.last_day, ctx.spec.reminders.office_time),
            deadline_hour=deadline_hour(ctx, explanations.due_at),
            deadline_moved=word("mail.deadline_moved", written=explanations.due_text) if explanations.moved_because
            else "", max_total=max_totals.get(ctx.tree_of(unit.block), Decimal(0)),
            status_url=status_url(settings, ctx.cycle_id, assignee, page="/unit/draft"))
        version = appraised.version if appraised else 0
        messages.append(NewMessage(ctx.cycle_id, f"{ctx.cycle_id}|{assignee}|draft|round1|v{version}", "draft",
                                   assignee, None,
                                   unit.email, (), render("draft", context, language=settings.language,
                                                          letters=ctx.spec.letters), None))
    enqueue(session, messages, at=at)
    return transition_units(session, cycle_id=ctx.cycle_id, codes=[u.code for u in units], event=UnitEvent.SEND_DRAFT,
                            actor=actor, at=at, reason="đã gửi dự thảo lần 1 cho đơn vị", flow_run_id=flow_run_id)


def _draft_reasons(session: Session, version_ids: list[int]) -> dict[int, dict[str, str]]:
    """Version id → criterion → the working group's reason written beside its round-1 points."""
    found: dict[int, dict[str, str]] = defaultdict(dict)
    for chunk in chunked(version_ids):
        for version_id, code, text in session.execute(
                select(ScoreLine.score_version_id, ScoreLine.criterion_code, ScoreLine.explanation)
                .where(ScoreLine.score_version_id.in_(chunk), ScoreLine.explanation != "")):
            found[version_id][code] = text
    return found


def changed_lines(own: dict, draft: dict, criteria: dict, reasons: dict | None = None) -> list[dict[str, object]]:
    """The criteria whose round-1 points differ from the unit's own, in the tree's order (their position), each
    with the working group's reason."""
    reasons = reasons or {}
    return [{"code": code, "title": criteria[code].title, "self": own.get(code, "—"), "appraised": points,
             "reason": reasons.get(code, ""), "max": criteria[code].max_points}
            for code, points in sorted(draft.items(), key=lambda item: criteria[item[0]].position)
            if own.get(code) != points]


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


def announce(session: Session, ctx: CycleContext, settings: Settings, *, at: datetime, actor: str,
             flow_run_id: str | None) -> list[Transition]:
    """After the council's approval: every approved unit is announced and receives its result letter."""
    if session.get(Cycle, ctx.cycle_id).approved_at is None:
        return []
    rows = session.execute(select(Unit, UnitResult).join(UnitResult, UnitResult.unit_id == Unit.id)
                           .where(Unit.cycle_id == ctx.cycle_id, Unit.state == UnitState.APPROVED.value)).all()
    if not rows:
        return []
    fields: dict[str, dict[str, str]] = defaultdict(dict)  # each tree's fields: code → title
    for c in session.execute(select(Criterion).where(Criterion.cycle_id == ctx.cycle_id,
                                                     Criterion.parent_code.is_(None))).scalars():
        fields[c.tree][c.code] = c.title
    block_sizes: dict[str, int] = dict(session.execute(select(Unit.block, func.count()).where(
        Unit.cycle_id == ctx.cycle_id, Unit.withdrawn_at.is_(None)).group_by(Unit.block)).all())
    rank_counts: dict[tuple[str, int], int] = defaultdict(int)
    group_counts: dict[tuple[str, int | None], int] = defaultdict(int)
    group_sizes: dict[str, int] = defaultdict(int)
    names: dict[str, str] = {}
    for unit, result in session.execute(select(Unit, UnitResult).join(UnitResult, UnitResult.unit_id == Unit.id)
                                         .where(Unit.cycle_id == ctx.cycle_id)).all():
        rank_counts[(unit.block, result.rank_in_block)] += 1
        group_counts[(unit.group, result.rank_in_group)] += 1
        group_sizes[unit.group] += 1
        names[unit.code] = unit.name
    ranked_apart = {block.code for block in ctx.spec.blocks if block.rank_groups}
    maxima: dict[str, dict[str, Decimal]] = defaultdict(dict)  # each tree's appraisal and survey maxima
    for tree, method, total in session.execute(
            select(Criterion.tree, Criterion.method, func.sum(Criterion.max_points)).where(
                Criterion.cycle_id == ctx.cycle_id, Criterion.method.is_not(None))
            .group_by(Criterion.tree, Criterion.method)):
        maxima[tree][method] = total
    decided = ctx.spec.decision
    decision = (word("letter.decision", number=decided.number, day=f"{decided.issued:%d/%m/%Y}",
                     issuer=decided.issuer or ctx.spec.plan.issuer) if decided else "")
    letters = []
    for unit, result in rows:
        indexes = json.loads(result.field_indexes)
        context = message_context(
            ctx, settings, title="result", recipient_name=unit.name, year=ctx.year, unit_name=unit.name,
            block_name=ctx.block_name(unit.block),
            block_size=block_sizes[unit.block],
            result={"appraisal_points": result.appraisal_points, "survey_points": result.survey_points,
                    "total_points": result.total_points, "index_percent": result.index_percent,
                    "rank_in_block": result.rank_in_block, "band": result.band,
                    "tied": rank_counts[(unit.block, result.rank_in_block)] > 1,
                    "reward": result.reward_eligible, "accountability": result.accountability},
            maxima=maxima[ctx.tree_of(unit.block)],
            decision=decision,
            group={"name": ctx.group_name(unit.group), "rank": result.rank_in_group,
                   "title": group_in_sentence(ctx.group_name(unit.group), settings.language),
                   "size": group_sizes[unit.group], "tied": group_counts[(unit.group, result.rank_in_group)] > 1}
            if unit.block in ranked_apart else None,
            fields=[{"code": code, "title": fields[ctx.tree_of(unit.block)][code], "percent": value}
                    for code, value in indexes.items()],
            notes=edge_sentences(json.loads(result.decided_by), settings.language, names),
            places=ctx.criteria_set.ranking.index_decimals,
            status_url=status_url(settings, ctx.cycle_id, assignee_for_unit(unit.code), page="/unit/result"))
        letters.append((unit, result, context))
    moved = transition_units(session, cycle_id=ctx.cycle_id, codes=[u.code for u, _ in rows],
                             event=UnitEvent.ANNOUNCE, actor=actor, at=at, reason="công bố kết quả",
                             flow_run_id=flow_run_id)
    checkpoint = sign_announcement(session, ctx.cycle_id, at)  # the history as announced, signed
    messages = []
    for unit, result, context in letters:
        context["history_digest"] = digest(checkpoint) if checkpoint else ""
        assignee = assignee_for_unit(unit.code)
        key = f"{ctx.cycle_id}|{assignee}|result|{result.computed_at:%Y%m%dT%H%M}"
        messages.append(NewMessage(ctx.cycle_id, key, "result", assignee, None, unit.email,
                                   (unit.head_email,), render("result", context, language=settings.language,
                                                              letters=ctx.spec.letters), None))
    enqueue(session, messages, at=at)
    return moved


def _close_explanations(session: Session, ctx: CycleContext, settings: Settings, **common) -> list[Transition]:
    close_explanations(session, ctx, **common)
    return []  # the units it moves are counted by the stage's assignments, as before


def _score_ready_blocks(session: Session, ctx: CycleContext, settings: Settings, **common) -> list[Transition]:
    score_ready_blocks(session, ctx, **common)
    return []


# A stage's own step for its units, by the name its StageSpec gives: (session, ctx, settings, *, at, actor,
# flow_run_id) → the units it moved.
STEPS: dict[str, Callable[..., list[Transition]]] = {
    "open_self_assessment": lambda session, ctx, settings, **common: open_self_assessment(
        session, ctx, settings=settings, **common),
    "send_drafts": send_drafts,
    "close_explanations": _close_explanations,
    "score_ready_blocks": _score_ready_blocks,
    "announce": announce,
    "close_survey_online": close_on_plan_date,
}
