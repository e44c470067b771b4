"""Files in: a form is read, checked against its cycle, and recorded in one transaction, or refused whole.

A refused file raises FormRejected naming file, sheet, row, column and rule; the caller's transaction
rolls back, so the database is exactly as it was.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from pathlib import Path

from sqlalchemy import delete, func, insert, select
from sqlmodel import Session

from models.batching import chunked
from models.cycle_context import UnknownCycle, criteria_by_tree, load_context
from models.definition.specs import satisfaction_groups
from models.faults import reach
from models.forms.fields import (
    BALLOT_LAYOUT,
    EXPLANATION_LAYOUT,
    RESULTS_LAYOUT,
    SATISFACTION_LAYOUT,
    SCORE_LAYOUT,
    SURVEY_POINTS_LAYOUT,
    UNIT,
    Layout,
)
from models.forms.parse import Catalogue, UnitInfo, cycle_of, parse_results, parse_scores
from models.forms.problems import FormProblems, FormRejected
from models.forms.readers import Sheet, read_form
from models.forms.survey import parse_survey
from models.forms.values import text
from models.history import HistoryDraft, append_history
from models.lifecycle import UnitState, has_reached
from models.predecessors import predecessors_from_json
from models.scores import latest_lines, latest_satisfaction
from models.tables import Body, PriorResult, ScoreKind, ScoreVersion, Unit, assignee_for_body, assignee_for_unit
from models.words import WORDS, word
from tasks.inputs.intake import FROZEN_FROM, ScoreSheet, StageClosed, record_explanation, record_scores

APPRAISAL_ROUNDS = {"1": ScoreKind.APPRAISED_ROUND1, "2": ScoreKind.APPRAISED_ROUND2,
                    "final": ScoreKind.COUNCIL_FINAL}


@dataclass(frozen=True)
class ImportResult:
    cycle_id: str
    kind: str
    units: list[str]
    rows: int
    late: list[str]
    left_out: list[str] = field(default_factory=list)  # survey: "unit leaf (groups)" averaged without them

    def summary(self) -> str:
        late = word("cli.import_late", units=", ".join(self.late)) if self.late else ""
        if self.left_out:
            shown = ", ".join(self.left_out[:10]) + (f" (+{len(self.left_out) - 10})" if len(self.left_out) > 10
                                                     else "")
            late += word("cli.import_left_out", count=len(self.left_out), leaves=shown)
        what = word(f"kind.{self.kind}") if f"kind.{self.kind}" in WORDS["vi"] else self.kind
        return word("cli.import_summary", cycle=self.cycle_id, what=what, units=len(self.units), rows=self.rows,
                    late=late)


@dataclass(frozen=True)
class Inputs:
    """Who sends a file and when; a unit's own form with no actor is recorded as sent by that unit."""

    actor: str
    at: datetime
    flow_run_id: str | None = None
    cycle_id: str | None = None  # the cycle a portal session is signed in to: a file of another is refused


def load_catalogue(session: Session, cycle_id: str, unit_codes: Collection[str] | None = None) -> Catalogue:
    """The cycle's rules and criteria, and its units: all, or only those a file names (a unit's form need
    not load ten thousand others)."""
    ctx = load_context(session, cycle_id)
    query = select(Unit.code, Unit.name, Unit.block, Unit.group).where(Unit.cycle_id == cycle_id)
    wanted = sorted(set(unit_codes)) if unit_codes is not None else None
    chunks = [query.where(Unit.code.in_(chunk)) for chunk in chunked(wanted)] if wanted is not None else [query]
    units = {row.code: UnitInfo(row.code, row.name, row.block, row.group)
             for chunk in chunks for row in session.execute(chunk.order_by(Unit.id))}
    count = session.scalar(select(func.count()).select_from(Unit).where(Unit.cycle_id == cycle_id)) or 0
    trees = {tree: {c.code: c for c in criteria} for tree, criteria in criteria_by_tree(session, cycle_id).items()}
    weights = {answer: Decimal(str(weight)) for answer, weight in ctx.criteria_set.survey.answer_weights.items()}
    groups = {block.code: len(block.respondent_groups) for block in ctx.spec.blocks}
    survey = ctx.criteria_set.survey
    satisfaction = {block.code: satisfaction_groups(block, ctx.criteria_set) for block in ctx.spec.blocks}
    block_trees = {block.code: block.criteria for block in ctx.spec.blocks}
    return Catalogue(cycle_id, units, trees, block_trees, tuple(b.name for b in ctx.criteria_set.bands), weights,
                     groups, satisfaction, count, survey.ballot_average, survey.group_without_ballots,
                     *_prior_units(session, cycle_id, count))


def _prior_units(session: Session, cycle_id: str, count: int) -> tuple[dict[str, str], int]:
    """Last year's units the cycle compares with, each with the unit (or units) of this year it stands behind; and
    the highest rank one of them can have had: this year's count of units, unless units.csv names predecessors
    (last year's blocks were others: a commune of 2024 ranked among its district's, a department among a merged
    province's), then the largest block a deployment holds."""
    found: dict[str, list[str]] = {}
    renamed = False
    for code, name, stored in session.execute(select(Unit.code, Unit.name, Unit.predecessors)
                                              .where(Unit.cycle_id == cycle_id).order_by(Unit.id)):
        renamed = renamed or stored is not None
        for predecessor in predecessors_from_json(stored, code):
            found.setdefault(predecessor.code, []).append(name if predecessor.code == code else
                                                          word("form.predecessor_of", unit=name))
    return {code: "; ".join(names) for code, names in found.items()}, LARGEST_BLOCK if renamed else count


LARGEST_BLOCK = 10_000


def _read(session: Session, path: Path, layouts: tuple[Layout, ...]) -> tuple[FormProblems, list[Sheet], Catalogue]:
    problems = FormProblems(str(path))
    sheets = read_form(path, layouts, problems)
    problems.raise_if_any()
    cycle_id = cycle_of(sheets, problems)
    problems.raise_if_any()
    named = {text(values.get(UNIT.key)) for sheet in sheets for _, values in sheet.rows}
    try:
        catalogue = load_catalogue(session, cycle_id or "", named)
    except UnknownCycle:
        problems.add("unknown-cycle", word("form.unknown_cycle", cycle=repr(cycle_id)))
        problems.raise_if_any()
        raise
    return problems, sheets, catalogue


def _recorded(session: Session, problems: FormProblems, record: Callable[[], None]) -> None:
    """Run the recording; a stage already closed for a unit refuses the whole file."""
    try:
        record()
    except StageClosed as closed:
        problems.add("stage-closed", str(closed))
        problems.raise_if_any()
    session.flush()
    reach("import-write")  # the crash suite's kill point: every row written, nothing committed


STAFF_ROLES = ("operator", "coordinator", "body")  # who may send a unit's form on its behalf, as role:name
# The body that sends each kind of file, by its role in the cycle (cycle.toml's [[body]] role): its code is the
# province's own (to_cong_tac in Hà Nội, to_giup_viec in Hải Phòng).
ROLE_OF = {ScoreKind.APPRAISED_ROUND1: "working_group", ScoreKind.APPRAISED_ROUND2: "working_group",
           ScoreKind.COUNCIL_FINAL: "council", ScoreKind.SURVEY: "institute"}
RESULTS_ROLE = "coordinator"
PRIOR_YEARS = 10  # last year's results, or an earlier year's for a longer comparison


MAX_ACTOR_CHARS = 120


def _unit_sender(session: Session, problems: FormProblems, who: Inputs, unit: str, cycle_id: str) -> Inputs:
    """A unit's form comes from the unit itself (no actor given: the unit), or from staff naming their role
    (body:<code> one of the cycle's bodies)."""
    actor, own = _plain_actor(problems, who.actor), assignee_for_unit(unit)
    if who.cycle_id is not None and who.cycle_id != cycle_id:  # unit codes repeat from province to province
        problems.add("wrong-cycle", word("refused.wrong_cycle", unit=unit, cycle=cycle_id, own=who.cycle_id))
        problems.raise_if_any()
    if not actor:
        return Inputs(own, who.at, who.flow_run_id)
    role, _, name = actor.partition(":")
    bodies = session.scalars(select(Body.code).where(Body.cycle_id == cycle_id)).all() if role == "body" else []
    if actor != own and not (role in STAFF_ROLES and name.strip() and (role != "body" or name in bodies)):
        problems.add("wrong-sender", word("form.wrong_sender", unit=unit, actor=repr(actor), own=own,
                                              roles=", ".join(r + ":<tên>" for r in STAFF_ROLES)))
        problems.raise_if_any()
    return Inputs(actor, who.at, who.flow_run_id)


def _body_sender(session: Session, problems: FormProblems, who: Inputs, cycle_id: str, role: str) -> Inputs:
    """A body's file: no actor given is the cycle's body of that role (CycleContext.body_of_role), never a body
    the cycle does not have; an actor is never recorded empty."""
    actor = _plain_actor(problems, who.actor)
    body = load_context(session, cycle_id).body_of_role(role)
    return Inputs(actor or assignee_for_body(body.code), who.at, who.flow_run_id)


def _plain_actor(problems: FormProblems, actor: str) -> str:
    """The actor as the history records it: one line of at most MAX_ACTOR_CHARS characters, NFC."""
    actor = unicodedata.normalize("NFC", actor.strip())
    if len(actor) > MAX_ACTOR_CHARS or any(unicodedata.category(char)[0] == "C" for char in actor):
        problems.add("bad-sender", word("form.bad_sender", most=MAX_ACTOR_CHARS))
        problems.raise_if_any()
    return actor


def submit_self_assessment(session: Session, path: Path, who: Inputs) -> ImportResult:
    problems, sheets, catalogue = _read(session, path, (SCORE_LAYOUT,))
    lines = parse_scores(sheets, catalogue, problems, one_unit=True, require_evidence=True)
    problems.raise_if_any()
    if len(lines) == 1:
        who = _unit_sender(session, problems, who, next(iter(lines)), catalogue.cycle_id)
    return _record_score_file(session, path, problems, catalogue, ScoreKind.SELF_ASSESSED, lines, who, sheets)


def import_appraisal(session: Session, path: Path, round_: str, who: Inputs) -> ImportResult:
    kind = APPRAISAL_ROUNDS[round_]
    problems, sheets, catalogue = _read(session, path, (SCORE_LAYOUT,))
    lines = parse_scores(sheets, catalogue, problems, one_unit=False, require_evidence=False)
    problems.raise_if_any()
    sender = _body_sender(session, problems, who, catalogue.cycle_id, ROLE_OF[kind])
    return _record_score_file(session, path, problems, catalogue, kind, lines, sender, sheets)


def _record_score_file(session: Session, path: Path, problems: FormProblems, catalogue: Catalogue, kind: ScoreKind,
                       lines: dict, who: Inputs, sheets: list[Sheet]) -> ImportResult:
    if not lines:
        problems.add("empty", word("form.no_scored_rows"))
        problems.raise_if_any()
    ctx = load_context(session, catalogue.cycle_id)
    score_sheets = [ScoreSheet(unit, unit_lines) for unit, unit_lines in sorted(lines.items())]
    ids: list[int] = []
    _recorded(session, problems, lambda: ids.extend(record_scores(
        session, ctx, kind=kind, sheets=score_sheets, at=who.at, actor=who.actor, source=path.name,
        flow_run_id=who.flow_run_id)))
    return ImportResult(catalogue.cycle_id, kind.value, sorted(lines), _row_count(sheets),
                        _late_units(session, ids))


def submit_explanation(session: Session, path: Path, who: Inputs) -> ImportResult:
    """A unit's explanations: per criterion a reason, evidence, and optionally the points it proposes
    (blank: the round-1 points stand). Recorded as an `explained` score version."""
    problems, sheets, catalogue = _read(session, path, (EXPLANATION_LAYOUT,))
    lines = parse_scores(sheets, catalogue, problems, one_unit=True, require_evidence=False, points_optional=True,
                         complete=False)
    problems.raise_if_any()
    given = {unit: {code: line for code, line in unit_lines.items() if line[0] is not None or line[2]}
             for unit, unit_lines in lines.items()}
    for unit_lines in given.values():  # points proposed without a reason: the working group has nothing to weigh
        for code, (points, _, reason) in unit_lines.items():
            if points is not None and not reason.strip():
                problems.add("reason-needed", word("err.reason_needed", criterion=code))
    problems.raise_if_any()
    if not any(given.values()):
        problems.add("empty", word("form.nothing_explained"))
        problems.raise_if_any()
    (unit, unit_lines), = given.items()
    who = _unit_sender(session, problems, who, unit, catalogue.cycle_id)
    ctx = load_context(session, catalogue.cycle_id)
    round1 = latest_lines(session, cycle_id=catalogue.cycle_id, unit_codes=[unit],
                          kinds=[ScoreKind.APPRAISED_ROUND1]).get(unit, {})
    # every criterion keeps its round-1 points unless the unit proposes others
    complete = {code: (value, "", "") for code, value in round1.items()}
    complete.update({code: (points if points is not None else round1.get(code, Decimal(0)), evidence, reason)
                     for code, (points, evidence, reason) in unit_lines.items()})

    def record() -> None:
        record_explanation(session, ctx, unit_code=unit, at=who.at, actor=who.actor, source=path.name,
                           flow_run_id=who.flow_run_id)
        record_scores(session, ctx, kind=ScoreKind.EXPLAINED, sheets=[ScoreSheet(unit, complete)], at=who.at,
                      actor=who.actor, source=path.name, flow_run_id=who.flow_run_id)

    _recorded(session, problems, record)
    return ImportResult(catalogue.cycle_id, ScoreKind.EXPLAINED.value, [unit], _row_count(sheets), [])


def import_survey(session: Session, path: Path, who: Inputs) -> ImportResult:
    """Survey points, or ballots and satisfaction rates; a new version per unit, over its previous one."""
    problems, sheets, catalogue = _read(session, path, (SURVEY_POINTS_LAYOUT, BALLOT_LAYOUT, SATISFACTION_LAYOUT))
    survey = parse_survey(sheets, catalogue, problems)
    problems.raise_if_any()
    who = _body_sender(session, problems, who, catalogue.cycle_id, ROLE_OF[ScoreKind.SURVEY])
    points = {unit: leaves for unit, leaves in survey.points.items() if leaves}
    if not points:
        problems.add("empty", word("form.no_survey_points"))
        problems.raise_if_any()
    ctx = load_context(session, catalogue.cycle_id)
    before = latest_lines(session, cycle_id=catalogue.cycle_id, unit_codes=list(points), kinds=[ScoreKind.SURVEY])
    rates = {**latest_satisfaction(session, catalogue.cycle_id, list(points)), **survey.satisfaction}
    sheets_out = [ScoreSheet(unit, {code: (value, "", "")
                                    for code, value in {**before.get(unit, {}), **leaves}.items()}, rates.get(unit))
                  for unit, leaves in sorted(points.items())]
    _recorded(session, problems, lambda: record_scores(
        session, ctx, kind=ScoreKind.SURVEY, sheets=sheets_out, at=who.at, actor=who.actor, source=path.name,
        flow_run_id=who.flow_run_id))
    return ImportResult(catalogue.cycle_id, ScoreKind.SURVEY.value, sorted(points), _row_count(sheets), [],
                        survey.left_out)


def import_prior_results(session: Session, path: Path, year: int, who: Inputs) -> ImportResult:
    """Last year's published results; importing a year again replaces that year's rows."""
    problems, sheets, catalogue = _read(session, path, (RESULTS_LAYOUT,))
    results = parse_results(sheets, catalogue, problems)
    ctx = load_context(session, catalogue.cycle_id)
    if not ctx.year - PRIOR_YEARS <= year < ctx.year:
        problems.add("wrong-year", word("form.wrong_year", year=year, years=PRIOR_YEARS, cycle_year=ctx.year,
                                            first=ctx.year - PRIOR_YEARS, last=ctx.year - 1))
    approved = session.scalar(select(func.count()).select_from(Unit).where(
        Unit.cycle_id == ctx.cycle_id, Unit.state.in_([s.value for s in UnitState if has_reached(s, FROZEN_FROM)])))
    if approved:
        problems.add("results-frozen", word("form.results_frozen", count=approved, cycle=ctx.cycle_id))
    who = _body_sender(session, problems, who, catalogue.cycle_id, RESULTS_ROLE)
    if not results and not problems.items:
        problems.add("empty", word("form.no_results"))
    problems.raise_if_any()
    _recorded(session, problems, lambda: _replace_prior_results(session, ctx, path, year, results, who))
    return ImportResult(ctx.cycle_id, f"results {year}", sorted(r.unit_code for r in results),
                        _row_count(sheets), [])


def _replace_prior_results(session: Session, ctx, path: Path, year: int, results, who: Inputs) -> None:
    session.execute(delete(PriorResult).where(PriorResult.cycle_id == ctx.cycle_id, PriorResult.year == year))
    session.execute(insert(PriorResult), [
        {"cycle_id": ctx.cycle_id, "unit_code": r.unit_code, "year": year, "index_percent": r.index_percent,
         "rank_in_block": r.rank_in_block, "band": r.band, "satisfaction_percent": r.satisfaction_percent,
         "source": path.name, "imported_at": who.at}
        for r in results])
    append_history(session, cycle_id=ctx.cycle_id, drafts=[HistoryDraft(
        entity="cycle", subject=ctx.cycle_id, event="import_prior_results", actor=who.actor, at=who.at,
        reason=f"nhập từ {path.name}", flow_run_id=who.flow_run_id, details={"year": year, "units": len(results)})])


def _late_units(session: Session, version_ids: list[int]) -> list[str]:
    if not version_ids:
        return []
    return sorted(session.execute(select(Unit.code).join(ScoreVersion, ScoreVersion.unit_id == Unit.id)
                                  .where(ScoreVersion.id.in_(version_ids), ScoreVersion.late.is_(True))).scalars())


def _row_count(sheets: list[Sheet]) -> int:
    return sum(len(sheet.rows) for sheet in sheets)


__all__ = ["APPRAISAL_ROUNDS", "FormRejected", "ImportResult", "Inputs", "import_appraisal", "import_prior_results",
           "import_survey", "load_catalogue", "submit_explanation", "submit_self_assessment"]
