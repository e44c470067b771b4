"""A seeded outside world for replays: units, the working group, the institute and the council act
through the same intake functions production uses; only their timing is simulated."""

from __future__ import annotations

import csv
import random
import tempfile
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path

from sqlalchemy import select
from sqlmodel import Session

from models.cycle_context import CycleContext
from models.lifecycle import UnitEvent, UnitState
from models.predecessors import predecessors_from_json
from models.scoring import band_for, competition_ranks
from models.stages import Stage
from models.tables import EACH_UNIT, Criterion, OutboxMessage, PlanTask, ScoreKind, Unit, assignee_for_body
from tasks.inputs.imports import Inputs, import_prior_results
from tasks.inputs.intake import ScoreSheet, approve_results, record_explanations, record_scores, report_task_done
from tasks.simulation.respondents import Answering, SurveyCrowd

QUARTER = Decimal("0.25")
# Published 2023 averages of Hanoi (domain.md): the first block (the Sở) around 88 %, the others (districts)
# around 94 %. Blocks are taken in the order the cycle lists them; no block code is assumed.
FIRST_BLOCK_QUALITY, OTHER_BLOCK_QUALITY = 0.88, 0.94


@dataclass(order=True)
class WorldEvent:
    at: datetime
    order: int
    name: str = field(compare=False)
    act: Callable[[Session, CycleContext], None] = field(compare=False, repr=False)
    triggers_tick: bool = field(default=False, compare=False)
    # people acting through the portal (survey respondents): outside the world's transaction, after its events
    outside: Callable[[], None] | None = field(default=None, compare=False, repr=False)


@dataclass
class Behaviour:
    """How one unit behaves this season (seeded)."""

    timing: str  # on_time | late | after_escalation
    quality: float
    explains: bool


class World:
    """The season's actors. `due(session, ctx, now)` yields what happens up to `now`."""

    def __init__(self, session: Session, ctx: CycleContext, seed: int, answering: Answering | None = None) -> None:
        self.rng = random.Random(seed)
        self.rates = random.Random(seed + 1)  # satisfaction rates: their own stream, the season's stays as it was
        self.ctx = ctx
        self.units = session.execute(
            select(Unit).where(Unit.cycle_id == ctx.cycle_id).order_by(Unit.id)).scalars().all()
        self.leaves: dict[str, list[Criterion]] = {}  # each tree's leaves, in order
        for leaf in session.execute(select(Criterion).where(Criterion.cycle_id == ctx.cycle_id,
                                                            Criterion.method.is_not(None))
                                    .order_by(Criterion.position)).scalars():
            self.leaves.setdefault(leaf.tree, []).append(leaf)
        self.block_of = {unit.code: unit.block for unit in self.units}
        self.blocks = [block.code for block in ctx.spec.blocks if any(u.block == block.code for u in self.units)]
        self.behaviour = self._behaviours()
        # the survey online (survey.toml): respondents answer at the links, the tick closes it on the plan's date
        self.crowd = SurveyCrowd(session, ctx, seed, {code: b.quality for code, b in self.behaviour.items()}) \
            if ctx.survey and answering is not None else None
        self.answering = answering
        self.self_scores: dict[str, dict[str, Decimal]] = {}
        self.events = sorted(self._timeline())
        self.escalation_submitted: set[str] = set()
        self.late_appraised: set[str] = set()

    def _behaviours(self) -> dict[str, Behaviour]:
        codes = [u.code for u in self.units]
        shuffled = codes[:]
        self.rng.shuffle(shuffled)
        late = set(shuffled[: max(2, len(codes) // 8)])
        escalated = set(shuffled[len(late): len(late) + max(1, len(codes) // 20)])
        return {u.code: Behaviour("late" if u.code in late else "after_escalation" if u.code in escalated
                                  else "on_time",
                                  min(0.995, max(0.55, self.rng.gauss(self._block_quality(u.block), 0.04))),
                                  self.rng.random() < 0.7)
                for u in self.units}

    def _block_quality(self, block: str) -> float:
        return FIRST_BLOCK_QUALITY if self.blocks and block == self.blocks[0] else OTHER_BLOCK_QUALITY

    def _stage_task(self, stage: Stage) -> PlanTask | None:
        """The stage's task with the latest deadline (a body's or the units'), if the plan has one."""
        tasks = [task for task in self.ctx.tasks_of_stage(stage.value) if task.last_day is not None]
        return max(tasks, key=lambda task: (task.last_day, task.number), default=None)

    def _body(self, role: str) -> str:
        """The assignee of the body with this role in cycle.toml (the coordinator when there is none)."""
        return assignee_for_body(self.ctx.body_of_role(role).code)

    def _appraiser(self, kind: ScoreKind) -> str:
        """Who appraises: the owner of the plan's appraisal task (a working group, or the council itself)."""
        stage = Stage.APPRAISAL_ROUND1 if kind is ScoreKind.APPRAISED_ROUND1 else Stage.APPRAISAL_ROUND2
        task = self._stage_task(stage)
        if task is not None and task.owner in self.ctx.bodies:
            return assignee_for_body(task.owner)
        return self._body("working_group")

    def at(self, day: date, hour: int = 10) -> datetime:
        return self.ctx.calendar.at_local(day, time(hour, self.rng.randrange(0, 60)))

    def _timeline(self) -> list[WorldEvent]:
        cal, ctx = self.ctx.calendar, self.ctx
        events: list[WorldEvent] = []
        order = iter(range(1_000_000))

        def add(day: date, name: str, act: Callable[[Session, CycleContext], None], tick: bool = False,
                hour: int = 10) -> None:
            events.append(WorldEvent(self.at(day, hour), next(order), name, act, tick))

        # Bodies report their own tasks done around the deadline; the last one to fall due before the survey's
        # results is a day late, so that one body is late in every season.
        manual = sorted((task for task in ctx.tasks.values() if task.completes_when == "manual"),
                        key=lambda task: (task.last_day or ctx.spec.season.to, task.number))
        survey_task = next((t for t in ctx.tasks.values() if t.completes_when == f"scores_in:{ScoreKind.SURVEY}"),
                           None)
        late_body = max((t for t in manual if survey_task and str(survey_task.number) in t.after.split(",")),
                        key=lambda t: t.number, default=None)
        if self.crowd is not None and self.crowd.window.task is not None:  # closing the survey reports it done
            manual = [task for task in manual if task.id != self.crowd.window.task.id]
        for task in manual:
            due = task.last_day or cal.add_working_days(ctx.spec.plan.issued, 5)
            day = cal.add_working_days(due, 1) if task is late_body else \
                cal.add_working_days(due, -self.rng.randint(0, 2))
            add(day, f"task {task.number} reported done", self._report_done(task.number))
        add(cal.add_working_days(ctx.spec.season.from_, 2), f"results of {ctx.year - 1} imported",
            self._import_last_year())
        self_task = ctx.unit_task(Stage.SELF_ASSESSMENT.value)
        self_due = self_task.last_day if self_task else ctx.spec.season.from_
        slots: dict[tuple[date, int], list[str]] = defaultdict(list)  # units acting in the same office hour
        for unit in self.units:
            behaviour = self.behaviour[unit.code]
            if behaviour.timing == "on_time":
                day = cal.add_working_days(self_due, -self.rng.randint(0, 12))
            elif behaviour.timing == "late":
                day = cal.add_working_days(self_due, self.rng.randint(1, 2))
            else:
                continue  # submits only once escalated: see `reactions`
            slots[(day, self.rng.randint(9, 16))].append(unit.code)
        for (day, hour), codes in sorted(slots.items()):
            add(day, f"{len(codes)} self-assessment(s)", self._self_assess(codes), hour=hour)
        round1 = self._stage_task(Stage.APPRAISAL_ROUND1)
        if round1 is not None:
            for position, block in enumerate(self.blocks):  # the first block appraised first
                add(cal.add_working_days(round1.last_day, -4 if position == 0 else -2), f"round-1 appraisal {block}",
                    self._appraise(block, ScoreKind.APPRAISED_ROUND1), tick=True, hour=15)
        draft, explain = self._stage_task(Stage.SEND_DRAFT), ctx.unit_task(Stage.EXPLANATIONS.value)
        slots = defaultdict(list)
        for unit in self.units:
            if draft and explain and self.behaviour[unit.code].explains:
                window = max(2, cal.working_days_between(draft.last_day, explain.last_day))
                day = cal.add_working_days(draft.last_day, self.rng.randint(2, window))
                slots[(day, self.rng.randint(9, 16))].append(unit.code)
        for (day, hour), codes in sorted(slots.items()):
            add(day, f"{len(codes)} explanation(s)", self._explain(codes), hour=hour)
        if self.crowd is not None:
            self._survey_online(add, events, order)
        elif survey_task is not None and survey_task.last_day:
            for position, block in enumerate(self.blocks):  # the last block's results arrive late
                late = position == len(self.blocks) - 1 and len(self.blocks) > 1
                add(cal.add_working_days(survey_task.last_day, 3 if late else -2),
                    f"survey results {block}" + (" (late)" if late else ""), self._survey(block), tick=True, hour=14)
        round2 = self._stage_task(Stage.APPRAISAL_ROUND2)
        if round2 is not None:
            add(cal.add_working_days(round2.last_day, -2), "round-2 appraisal",
                self._appraise(None, ScoreKind.APPRAISED_ROUND2), tick=True, hour=15)
            add(cal.add_working_days(round2.last_day, 2), "council corrects one score", self._council_correction(),
                tick=True, hour=11)
        # The council approves on the day the plan sets (a task completed when units reach `approved`), or a
        # few working days after the analysis report.
        approval = next((task for task in ctx.tasks.values() if task.completes_when == "units_reached:approved"
                         and task.last_day is not None), None)
        approval_after = self._stage_task(Stage.ANALYSIS_REPORT) or self._stage_task(Stage.SCORING) or round2
        if approval is not None:
            add(approval.last_day, "council approves the results", self._approve(), tick=True, hour=9)
        elif approval_after is not None:
            add(cal.add_working_days(approval_after.last_day, 3), "council approves the results", self._approve(),
                tick=True, hour=9)
        return events

    def _survey_online(self, add, events: list[WorldEvent], order) -> None:
        """The institute hands out the officials' codes as the fieldwork opens; each day's respondents answer."""
        crowd, answering = self.crowd, self.answering
        assert crowd is not None and answering is not None and crowd.window.opens is not None
        events.append(WorldEvent(crowd.window.opens + timedelta(minutes=30), next(order),
                                 "survey codes handed out", lambda session, ctx: crowd.hand_out_codes(
                                     session, crowd.window.opens)))
        for day, people in crowd.by_day().items():
            last = max(start for _, start, _ in people) + timedelta(hours=1)  # after everyone of the day sent

            def answer(people=people) -> None:
                answering(crowd.respondents(people))
            events.append(WorldEvent(last, next(order), f"{len(people)} survey respondent(s) {day:%d/%m}",
                                     lambda session, ctx: None, outside=answer))

    # --- actors -------------------------------------------------------------------------------------
    def _leaves_of(self, code: str) -> list[Criterion]:
        return self.leaves.get(self.ctx.tree_of(self.block_of[code]), [])

    def _points(self, code: str, quality: float, cut: float) -> dict[str, Decimal]:
        lines = {}
        for leaf in self._leaves_of(code):
            if leaf.method != "appraisal":
                continue
            share = min(1.0, max(0.0, self.rng.gauss(quality + 0.03 - cut, 0.06)))
            lines[leaf.code] = (leaf.max_points * Decimal(str(share)) / QUARTER).quantize(Decimal(1)) * QUARTER
        return lines

    def _sheet(self, code: str, points: dict[str, Decimal], note: str) -> ScoreSheet:
        return ScoreSheet(code, {leaf: (value, f"{code}/{leaf}.pdf", note) for leaf, value in points.items()})

    def _self_assess(self, codes: list[str]) -> Callable[[Session, CycleContext], None]:
        def act(session: Session, ctx: CycleContext) -> None:
            sheets = []
            for code in codes:
                self.self_scores[code] = self._points(code, self.behaviour[code].quality, 0.0)
                sheets.append(self._sheet(code, self.self_scores[code], ""))
            record_scores(session, ctx, kind=ScoreKind.SELF_ASSESSED, sheets=sheets, at=self.now, actor=EACH_UNIT,
                          source="tu-danh-gia.xlsx")
        return act

    def _appraise(self, block: str | None, kind: ScoreKind) -> Callable[[Session, CycleContext], None]:
        # Round 2 also takes units still explaining: their window closes with the appraisal.
        event = UnitEvent.APPRAISE_ROUND1 if kind is ScoreKind.APPRAISED_ROUND1 else UnitEvent.APPRAISE_ROUND2
        ready_states = {state.value for state in self.ctx.lifecycle.transitions[event][0]}
        if kind is ScoreKind.APPRAISED_ROUND2 and self.ctx.lifecycle.has("explanations"):
            ready_states.add(UnitState.EXPLAINING.value)

        def act(session: Session, ctx: CycleContext) -> None:
            ready = session.execute(select(Unit.code, Unit.state).where(
                Unit.cycle_id == ctx.cycle_id, *([Unit.block == block] if block else []))).all()
            codes = [code for code, state in ready if state in ready_states]
            if not codes:
                return
            sheets = []
            for code in codes:
                cut = self.rng.uniform(0.01, 0.05)
                if kind is ScoreKind.APPRAISED_ROUND2 and self.behaviour[code].explains:
                    cut /= 2  # explanations win back part of the cut
                points = {leaf: min(value, max(Decimal(0), value - (value * Decimal(str(cut)) / QUARTER)
                                               .quantize(Decimal(1)) * QUARTER))
                          for leaf, value in (self.self_scores.get(code) or self._points(code, 0.9, 0)).items()}
                sheets.append(self._sheet(code, points, "Tổ công tác"))
            record_scores(session, ctx, kind=kind, sheets=sheets, at=self.now,
                          actor=self._appraiser(kind),
                          source=f"tham-dinh-{kind.value}-{block or 'all'}.xlsx")
        return act

    def _explain(self, codes: list[str]) -> Callable[[Session, CycleContext], None]:
        def act(session: Session, ctx: CycleContext) -> None:
            waiting = set(session.execute(select(Unit.code).where(
                Unit.cycle_id == ctx.cycle_id, Unit.code.in_(codes),
                Unit.state == UnitState.EXPLAINING.value)).scalars())
            if waiting:
                record_explanations(session, ctx, unit_codes=sorted(waiting), at=self.now, actor=EACH_UNIT,
                                    source="giai-trinh.pdf")
        return act

    def _survey(self, block: str) -> Callable[[Session, CycleContext], None]:
        def act(session: Session, ctx: CycleContext) -> None:
            sheets = []
            for unit in (u for u in self.units if u.block == block):
                quality = self.behaviour[unit.code].quality
                points = {leaf.code: (leaf.max_points * Decimal(str(min(1.0, max(0.3, self.rng.gauss(quality, 0.05)))))
                                      ).quantize(Decimal("0.01"))
                          for leaf in self._leaves_of(unit.code) if leaf.method == "survey"}
                rate = Decimal(str(min(99.9, max(60.0, self.rates.gauss(quality * 100 + 1, 3))))) \
                    .quantize(Decimal("0.01"))
                sheets.append(ScoreSheet(unit.code, {c: (p, "", "") for c, p in points.items()}, rate))
            record_scores(session, ctx, kind=ScoreKind.SURVEY, sheets=sheets, at=self.now,
                          actor=self._body("institute"), source=f"dtxhh-{block}.xlsx")
        return act

    def _council_correction(self) -> Callable[[Session, CycleContext], None]:
        def act(session: Session, ctx: CycleContext) -> None:
            code = self.rng.choice([u.code for u in self.units if u.block == self.blocks[0]])
            points = {leaf: min(next(x.max_points for x in self._leaves_of(code) if x.code == leaf),
                                value + Decimal("0.5"))
                      for leaf, value in self.self_scores.get(code, {}).items()}
            record_scores(session, ctx, kind=ScoreKind.COUNCIL_FINAL, sheets=[self._sheet(code, points, "Hội đồng")],
                          at=self.now, actor=self._body("council"), source="quyet-dinh-hoi-dong.pdf")
        return act

    def _import_last_year(self) -> Callable[[Session, CycleContext], None]:
        """Sở Nội vụ imports last year's published results (simulated, seeded) from a CSV file."""
        def act(session: Session, ctx: CycleContext) -> None:
            rows = []
            for block in sorted({u.block for u in self.units}):  # the same draws in every process
                # last year's units behind this year's: their own codes, or the predecessors units.csv names
                behind = {p.code: u.code for u in self.units if u.block == block
                          for p in predecessors_from_json(u.predecessors, u.code)}
                indexes = {code: Decimal(str(round(min(99.5, max(55.0, self.rng.gauss(
                    self.behaviour[successor].quality * 100 - 1.5, 3.0))), 2))) for code, successor in behind.items()}
                ranks = competition_ranks(indexes)
                rows += [{"Chu kỳ": ctx.cycle_id, "Mã đơn vị": code, "Chỉ số (%)": str(index), "Hạng": ranks[code],
                          "Xếp loại": band_for(index, block, ctx.criteria_set),
                          "Chỉ số hài lòng (%)": str(min(Decimal("99.9"), index + 1))}
                         for code, index in indexes.items()]
            if not rows:
                return  # every unit is new: nothing of last year to compare with
            with tempfile.TemporaryDirectory(prefix="parindex-world-") as folder:
                path = Path(folder) / f"ket-qua-{ctx.year - 1}.csv"
                with path.open("w", newline="", encoding="utf-8") as handle:
                    writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
                    writer.writeheader()
                    writer.writerows(rows)
                # no sender named: the import records the cycle's coordinator, as `parindex import results` does
                import_prior_results(session, path, ctx.year - 1, Inputs("", self.now))
        return act

    def _approve(self) -> Callable[[Session, CycleContext], None]:
        def act(session: Session, ctx: CycleContext) -> None:
            approve_results(session, ctx, at=self.now, actor="Chủ tịch Hội đồng thẩm định",
                            reason="Biên bản họp số 01/BB-HĐTĐ")
        return act

    def _report_done(self, number: int) -> Callable[[Session, CycleContext], None]:
        def act(session: Session, ctx: CycleContext) -> None:
            report_task_done(session, ctx, number=number, at=self.now,
                             actor=assignee_for_body(ctx.task_by_number(number).owner))
        return act

    # --- reactions ----------------------------------------------------------------------------------
    def reactions(self, session: Session, ctx: CycleContext, now: datetime) -> list[WorldEvent]:
        """Units that wait for an escalation submit the next working day after it; units the working
        group missed in round 1 are appraised the day after they submit."""
        found = []
        escalated = session.execute(select(OutboxMessage.assignee, OutboxMessage.created_at).where(
            OutboxMessage.cycle_id == ctx.cycle_id, OutboxMessage.kind == "escalation")).all()
        after: dict[date, list[str]] = defaultdict(list)
        for assignee, created in escalated:
            code = assignee.removeprefix("unit:")
            if self.behaviour.get(code) and self.behaviour[code].timing == "after_escalation" \
                    and code not in self.escalation_submitted:
                self.escalation_submitted.add(code)
                after[ctx.calendar.add_working_days(ctx.calendar.local_date(created), 1)].append(code)
        for day, codes in sorted(after.items()):
            found.append(WorldEvent(self.at(day, 11), 10_000 + len(self.escalation_submitted),
                                    f"{len(codes)} self-assessment(s) after escalation", self._self_assess(codes)))
        late_units = set(session.execute(select(Unit.code).where(
            Unit.cycle_id == ctx.cycle_id, Unit.state == UnitState.SELF_ASSESSED.value)).scalars())
        late_units -= self.late_appraised
        round1_done = any(e.name.startswith("round-1") and e.at <= now for e in self.events)
        if late_units and round1_done:
            self.late_appraised |= late_units
            day = ctx.calendar.add_working_days(ctx.calendar.local_date(now), 1)
            found.append(WorldEvent(self.at(day, 15), 20_000, "round-1 appraisal of late units",
                                    self._appraise(None, ScoreKind.APPRAISED_ROUND1), True))
        return found

    now: datetime
