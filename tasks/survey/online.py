"""The survey online: a respondent answers a unit's questionnaire at its link, page by page, resumable on the
same device; the survey body watches each unit's quota; closing the survey freezes the responses into the
ballots and satisfaction rates `parindex import survey` takes, recorded as a survey version by the same rules.

A response holds nothing of the person: no name, address or IP; the device keeps a random key (in its cookie)
whose hash lets it resume. A response finished faster than survey.toml's speed floor is set aside, not
counted; one finished when the link's quota is already met is set aside too, so the counted responses of a
link never exceed its quota (the link's row is locked while a response is counted)."""

from __future__ import annotations

import hashlib
import json
import logging
import secrets
import tempfile
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlmodel import Session

from models.cycle_context import CycleContext, load_context
from models.definition.specs import satisfaction_groups
from models.forms.fields import BALLOT_LAYOUT, SATISFACTION_LAYOUT
from models.forms.problems import FormRejected
from models.forms.templates import SheetPlan, write_workbook
from models.history import HistoryDraft, append_history
from models.refusals import NotFound, Refused
from models.scoring import round_half_up
from models.survey_store import AskedQuestion, link_questions, satisfied
from models.tables import Cycle, SurveyCode, SurveyLink, SurveyResponse, SurveyRound, Unit
from models.words import word
from tasks.inputs.imports import ImportResult, Inputs, import_survey
from tasks.inputs.intake import report_task_done
from tasks.survey.window import (
    SurveyState,
    WindowPlan,
    due_to_close,
    last_round,
    state_at,
    survey_state,
    survey_window,
    window_closes,
    window_plan,
)

LOG = logging.getLogger("parindex.survey")


class SurveyClosed(Refused):
    """The survey is closed: no response is started, changed or counted."""


@dataclass(frozen=True)
class LinkView:
    link: SurveyLink
    cycle_id: str
    unit_name: str
    block_name: str
    group_name: str
    pages: list[tuple[str, list[AskedQuestion]]]  # a field's title, its questions
    scale: dict[str, str]  # answer → its wording
    speed_floor_seconds: int
    counted: int
    closed: bool
    coded: bool  # officials: a single-use code opens a response (survey.toml [[codes]])
    not_open: bool  # the fieldwork has not opened yet
    opens: datetime | None
    closes: datetime | None
    zone: str  # the cycle's time zone, in which its days are read
    ended: bool  # closed by a close (not only by its date): paper ballots are no longer keyed either
    reopened: datetime | None  # an operator opened it again after its close: its dates no longer apply

    def refuse_if_closed(self, channel: str) -> None:
        """Past its date the survey takes no answer online; the survey body keys in paper ballots until it is
        closed (the close's ballots then include them)."""
        if self.ended or (self.closed and channel == "web"):
            raise SurveyClosed(word("survey.closed"))

    @property
    def full(self) -> bool:
        return self.counted >= self.link.quota

    @property
    def questions(self) -> list[AskedQuestion]:
        return [q for _, questions in self.pages for q in questions]


@dataclass(frozen=True)
class _LinkParts:
    """What a link's pages show that only a new definition of its cycle changes: kept per process, by the
    definition's hash (a cycle update writes a new one), so a page costs three small queries, not the cycle."""

    unit_name: str
    block_name: str
    group_name: str
    pages: list[tuple[str, list[AskedQuestion]]]
    scale: dict[str, str]
    speed_floor_seconds: int
    coded: bool
    window: WindowPlan
    zone: str


_PARTS: dict[tuple[str, str], _LinkParts] = {}
_PARTS_KEPT = 20_000  # links of a few provinces; beyond it the oldest go


def open_link(session: Session, token: str, *, at: datetime) -> LinkView:
    """The questionnaire at a link as it stands at `at`; NotFound for a token that is none."""
    found = session.execute(select(SurveyLink, Cycle.definition_hash).join(Cycle, Cycle.id == SurveyLink.cycle_id)
                            .where(SurveyLink.token == token[:64])).first()
    if found is None:
        raise NotFound(word("survey.no_link"))
    link, version = found
    parts = _PARTS.get((link.token, version)) or _link_parts(session, link, version)
    closes = window_closes(session, parts.window)
    last = last_round(session, link.cycle_id)
    state = state_at(last, parts.window.opens, closes, at)
    return LinkView(link, link.cycle_id, parts.unit_name, parts.block_name, parts.group_name, parts.pages,
                    parts.scale, parts.speed_floor_seconds, _counted(session, link.id), state is SurveyState.CLOSED,
                    parts.coded, state is SurveyState.NOT_OPEN, parts.window.opens, closes, parts.zone,
                    last is not None and last.reopened_at is None, last.reopened_at if last is not None else None)


def _link_parts(session: Session, link: SurveyLink, version: str) -> _LinkParts:
    unit = session.get(Unit, link.unit_id)
    ctx = load_context(session, link.cycle_id)
    block = next(b for b in ctx.spec.blocks if b.code == unit.block)
    survey = _survey_rules(ctx)
    pages: dict[str, list[AskedQuestion]] = {}
    for question in link_questions(session, block.criteria, link.cycle_id, link.group_no):
        pages.setdefault(question.field, []).append(question)
    parts = _LinkParts(unit.name, block.name, block.respondent_groups[link.group_no - 1], list(pages.items()),
                       survey["scale"], survey["speed_floor_seconds"],
                       link.group_no in dict(survey.get("codes") or {}).get(unit.block, []), window_plan(ctx),
                       ctx.calendar.zone.key)
    if len(_PARTS) >= _PARTS_KEPT:
        _PARTS.pop(next(iter(_PARTS)))
    _PARTS[(link.token, version)] = parts
    return parts


def _survey_rules(ctx: CycleContext) -> dict[str, Any]:
    """The survey online's rules, as the cycle's snapshot (parsed once per process) holds them."""
    if not ctx.survey:
        raise NotFound(word("survey.no_link"))
    return ctx.survey


def _counted(session: Session, link_id: int) -> int:
    return session.scalar(select(func.count()).select_from(SurveyResponse).where(
        SurveyResponse.link_id == link_id, SurveyResponse.status == "counted")) or 0


def survey_closed(session: Session, cycle_id: str) -> bool:
    last = last_round(session, cycle_id)
    return last is not None and last.reopened_at is None


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def resumed(session: Session, view: LinkView, key: str) -> SurveyResponse | None:
    """The response this device started at this link (its key's), finished or not."""
    if not key:
        return None
    return session.scalar(select(SurveyResponse).where(SurveyResponse.link_id == view.link.id,
                                                       SurveyResponse.resume_hash == _hash(key)))


def start_response(session: Session, view: LinkView, *, at: datetime, channel: str = "web",
                   code: str = "") -> tuple[str, int]:
    """A new response at the link: the device's key (kept in its cookie) and the response's id. Refused when the
    survey is closed, or, for a respondent online, when the link's quota is met, or when the link takes codes
    and the code is not one of its unused ones."""
    view.refuse_if_closed(channel)
    if view.not_open and channel == "web":
        raise Refused(word("survey.not_open"))
    if view.full and channel == "web":
        raise Refused(word("survey.full"))
    ticket = None
    if view.coded and channel == "web":
        ticket = session.scalar(select(SurveyCode).where(SurveyCode.link_id == view.link.id,
                                                         SurveyCode.code_hash == _hash(_plain_code(code))))
        if ticket is None:
            raise Refused(word("survey.bad_code"))
        if ticket.used_at is not None:  # the same official on another device: their unfinished answers move along
            opened = session.get(SurveyResponse, ticket.response_id) if ticket.response_id else None
            if opened is None or opened.status != "draft":
                raise Refused(word("survey.used_code"))
            key = secrets.token_urlsafe(24)
            opened.resume_hash = _hash(key)
            return key, opened.id
    key = secrets.token_urlsafe(24)
    response = SurveyResponse(cycle_id=view.cycle_id, link_id=view.link.id, channel=channel,
                              resume_hash=_hash(key), started_at=at)
    session.add(response)
    session.flush()
    if ticket is not None:
        ticket.used_at, ticket.response_id = at, response.id
    return key, response.id


CODE_LETTERS = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud and typed from paper


def _plain_code(code: str) -> str:
    return "".join(ch for ch in code.upper() if ch in CODE_LETTERS)


@dataclass(frozen=True)
class IssuedCode:
    unit_code: str
    unit_name: str
    group_no: int
    group_name: str
    token: str
    code: str


def issue_codes(session: Session, ctx: CycleContext, *, at: datetime) -> list[IssuedCode]:
    """Single-use codes for the links of coded groups that have none yet, as many as each link's quota; the codes
    themselves are returned once (only their hashes are kept)."""
    survey = _survey_rules(ctx)
    coded = dict(survey.get("codes") or {})
    have = set(session.scalars(select(SurveyCode.link_id).where(SurveyCode.cycle_id == ctx.cycle_id).distinct()))
    groups = {block.code: block.respondent_groups for block in ctx.spec.blocks}
    issued: list[IssuedCode] = []
    for link, unit in session.execute(select(SurveyLink, Unit).join(Unit, Unit.id == SurveyLink.unit_id)
                                      .where(SurveyLink.cycle_id == ctx.cycle_id)
                                      .order_by(Unit.id, SurveyLink.group_no)).all():
        if link.id in have or link.group_no not in coded.get(unit.block, []):
            continue
        for _ in range(link.quota):
            plain = "".join(secrets.choice(CODE_LETTERS) for _ in range(8))
            session.add(SurveyCode(cycle_id=ctx.cycle_id, link_id=link.id, code_hash=_hash(plain), created_at=at))
            issued.append(IssuedCode(unit.code, unit.name, link.group_no, groups[unit.block][link.group_no - 1],
                                     link.token, f"{plain[:4]}-{plain[4:]}"))
    return issued


def save_answers(session: Session, view: LinkView, response: SurveyResponse, answers: dict[str, str]) -> None:
    """A page's answers kept with the response (an answer changed on a page seen again replaces the first)."""
    view.refuse_if_closed(response.channel)
    if response.status != "draft":
        raise Refused(word("survey.already_sent"))
    asked = {q.code for q in view.questions}
    kept = json.loads(response.answers)
    kept.update({code: answer for code, answer in answers.items() if code in asked and answer in view.scale})
    response.answers = json.dumps(kept, sort_keys=True)


def unanswered(view: LinkView, response: SurveyResponse) -> list[AskedQuestion]:
    kept = json.loads(response.answers)
    return [q for q in view.questions if q.code not in kept]


def finish_response(session: Session, view: LinkView, response: SurveyResponse, *, at: datetime) -> str:
    """The response sent: counted, or set aside (too fast; the quota already met). Returns its status."""
    view.refuse_if_closed(response.channel)
    if response.status != "draft":
        return response.status
    if unanswered(view, response):
        raise Refused(word("survey.unanswered", count=len(unanswered(view, response))))
    session.scalar(select(SurveyLink.id).where(SurveyLink.id == view.link.id).with_for_update())  # one at a time
    response.completed_at = at
    seconds = (at - response.started_at).total_seconds()
    if response.channel == "web" and seconds < view.speed_floor_seconds:
        response.status, response.set_aside_reason = "set_aside", "speed"
    elif _counted(session, view.link.id) >= view.link.quota:
        response.status, response.set_aside_reason = "set_aside", "over_quota"
    else:
        response.status = "counted"
    return response.status


@dataclass(frozen=True)
class LinkProgress:
    unit_code: str
    unit_name: str
    block: str
    group_no: int
    group_name: str
    token: str
    population: int
    quota: int
    counted: int
    set_aside: int
    unfinished: int

    @property
    def percent(self) -> int:
        return min(100, round(100 * self.counted / self.quota)) if self.quota else 100


def survey_progress(session: Session, ctx: CycleContext) -> list[LinkProgress]:
    """Every link of the cycle with its counts, in the units' order."""
    counts: dict[tuple[int, str], int] = defaultdict(int)
    for link_id, status, count in session.execute(
            select(SurveyResponse.link_id, SurveyResponse.status, func.count())
            .where(SurveyResponse.cycle_id == ctx.cycle_id).group_by(SurveyResponse.link_id, SurveyResponse.status)):
        counts[(link_id, status)] = count
    rows = session.execute(select(SurveyLink, Unit).join(Unit, Unit.id == SurveyLink.unit_id)
                           .where(SurveyLink.cycle_id == ctx.cycle_id).order_by(Unit.id, SurveyLink.group_no)).all()
    groups = {block.code: block.respondent_groups for block in ctx.spec.blocks}
    return [LinkProgress(unit.code, unit.name, unit.block, link.group_no, groups[unit.block][link.group_no - 1],
                         link.token, link.population, link.quota, counts[(link.id, "counted")],
                         counts[(link.id, "set_aside")], counts[(link.id, "draft")]) for link, unit in rows]


@dataclass(frozen=True)
class SurveyOverview:
    """The survey online at a glance (parindex status): where it stands, what it has, what it lacks."""

    state: str  # tasks.survey.window.SurveyState
    opens: datetime | None
    closes: datetime | None
    counted: int
    quota: int
    set_aside: int
    links_behind: int
    units_behind: int


def survey_overview(session: Session, ctx: CycleContext, *, at: datetime) -> SurveyOverview | None:
    if not ctx.survey:
        return None
    rows = survey_progress(session, ctx)
    window = survey_window(session, ctx)
    behind = [row for row in rows if row.counted < row.quota]
    return SurveyOverview(survey_state(session, ctx, at).value, window.opens, window.closes,
                          sum(r.counted for r in rows), sum(r.quota for r in rows), sum(r.set_aside for r in rows),
                          len(behind), len({row.unit_code for row in behind}))


def silent_groups(session: Session, ctx: CycleContext) -> list[tuple[str, list[int]]]:
    """The units whose results the rules cannot give yet, each with its groups without a counted answer: every
    group the unit is asked in when a group without ballots is refused (criteria.toml [survey]
    group_without_ballots); with "left_out", a unit none of whose ballot groups answered, or none of whose
    satisfaction groups did (no rate)."""
    refused = ctx.criteria_set.survey.group_without_ballots == "refused"
    rated = {block.code: satisfaction_groups(block, ctx.criteria_set) for block in ctx.spec.blocks}
    by_unit: dict[str, list[LinkProgress]] = defaultdict(list)
    for row in survey_progress(session, ctx):
        by_unit[row.unit_code].append(row)
    found = []
    for rows in by_unit.values():
        silent = [row.group_no for row in rows if not row.counted]
        if not silent:
            continue
        kinds = [[row for row in rows if (row.group_no in rated[row.block]) is rate] for rate in (True, False)]
        if refused or any(kind and all(not row.counted for row in kind) for kind in kinds):
            found.append((rows[0].unit_name, silent))
    return found


def close_survey(session: Session, ctx: CycleContext, *, actor: str, at: datetime) -> ImportResult:
    """The survey's responses frozen into ballots (groups that answer ballots) and satisfaction rates
    (satisfaction groups), taken by `import survey`'s own rules into a survey version; the survey closed."""
    if survey_closed(session, ctx.cycle_id):
        raise SurveyClosed(word("survey.closed"))
    silent = silent_groups(session, ctx)
    if silent:
        named = [word("survey.silent_unit", unit=unit, groups=", ".join(map(str, groups))) for unit, groups in silent]
        raise Refused(word("survey.close_silent", count=len(silent), units="; ".join(
            named[:8] + ([word("survey.and_more", count=len(named) - 8)] if len(named) > 8 else []))))
    with tempfile.TemporaryDirectory(prefix="parindex-survey-") as folder:
        path = Path(folder) / f"khao-sat-truc-tuyen-{ctx.cycle_id}.xlsx"
        write_workbook(path, ballot_sheets(session, ctx))
        try:
            result = import_survey(session, path, Inputs("", at, cycle_id=ctx.cycle_id))
        except FormRejected as rejected:  # said in the survey's words: no file of the reader's was read
            shown = [problem.message for problem in rejected.problems]
            raise Refused(word("survey.close_refused", count=len(shown), problems="; ".join(shown[:6])
                               + ("; …" if len(shown) > 6 else ""))) from None
    session.add(SurveyRound(cycle_id=ctx.cycle_id, closed_at=at, closed_by=actor))
    append_history(session, cycle_id=ctx.cycle_id, drafts=[HistoryDraft(
        entity="cycle", subject=ctx.cycle_id, event="close_survey", actor=actor, at=at,
        reason=word("survey.closed_reason"), details={"units": len(result.units)})])
    fieldwork = survey_window(session, ctx).task  # the plan's fieldwork task is done with it
    if fieldwork is not None and fieldwork.completes_when == "manual":
        report_task_done(session, ctx, number=fieldwork.number, at=at, actor=actor, reason=word("survey.closed_reason"))
    return result


def close_on_plan_date(session: Session, ctx: CycleContext, settings: object, *, at: datetime, actor: str,
                       flow_run_id: str | None) -> list:
    """The survey stage's step: the survey closes at its plan's instant (tasks.survey.window). A close refused
    (a group the rules need has no answer) leaves it open and is logged; the survey body closes it by hand."""
    if not due_to_close(session, ctx, at):
        return []
    try:
        with session.begin_nested():
            close_survey(session, ctx, actor=actor, at=at)
    except Refused as refused:
        LOG.warning(word("survey.close_on_date_refused", cycle=ctx.cycle_id, why=str(refused)))
    return []


def reopen_survey(session: Session, ctx: CycleContext, *, actor: str, reason: str, at: datetime) -> None:
    """An operator opens the survey again (a correction): responses are taken again until it closes."""
    last = last_round(session, ctx.cycle_id)
    if last is None or last.reopened_at is not None:
        raise Refused(word("survey.not_closed"))
    if not reason.strip():
        raise Refused(word("survey.reason_needed"))
    last.reopened_at, last.reopened_by, last.reopen_reason = at, actor, reason.strip()
    append_history(session, cycle_id=ctx.cycle_id, drafts=[HistoryDraft(
        entity="cycle", subject=ctx.cycle_id, event="reopen_survey", actor=actor, at=at, reason=reason.strip())])


def ballot_sheets(session: Session, ctx: CycleContext) -> list[SheetPlan]:
    """The counted responses as the survey file's two sheets: a ballot a response of a group that answers ballots,
    and each unit's satisfaction rate from its satisfaction groups' answers (the share satisfied)."""
    weights = {answer: Decimal(str(weight)) for answer, weight in ctx.criteria_set.survey.answer_weights.items()}
    rated = {block.code: satisfaction_groups(block, ctx.criteria_set) for block in ctx.spec.blocks}
    ballots = SheetPlan(BALLOT_LAYOUT, BALLOT_LAYOUT.fields, title=word("survey.sheet_ballots"))
    satisfaction = SheetPlan(SATISFACTION_LAYOUT, SATISFACTION_LAYOUT.fields, title=word("survey.sheet_rates"))
    tally: dict[str, list[int]] = defaultdict(lambda: [0, 0])  # unit → [satisfied, answers]
    for response, link, unit in session.execute(
            select(SurveyResponse, SurveyLink, Unit).join(SurveyLink, SurveyLink.id == SurveyResponse.link_id)
            .join(Unit, Unit.id == SurveyLink.unit_id)
            .where(SurveyResponse.cycle_id == ctx.cycle_id, SurveyResponse.status == "counted")
            .order_by(Unit.id, SurveyResponse.id)):
        answers = json.loads(response.answers)
        if link.group_no in rated[unit.block]:
            tally[unit.code][0] += sum(1 for answer in answers.values() if satisfied(weights[answer]))
            tally[unit.code][1] += len(answers)
            continue
        ballot = f"{'G' if response.channel == 'paper' else 'W'}{response.id}"
        ballots.rows += [({"cycle": ctx.cycle_id, "ballot": ballot, "unit": unit.code, "group": link.group_no,
                           "criterion": code, "answer": answer}, False) for code, answer in sorted(answers.items())]
    satisfaction.rows = [({"cycle": ctx.cycle_id, "unit": code, "satisfaction": round_half_up(
        Fraction(happy, total) * 100, 2)}, False) for code, (happy, total) in tally.items() if total]
    return [ballots, satisfaction]


RESPONSE_COLUMNS = ("Mã phiếu", "Mã đơn vị", "Đơn vị", "Nhóm", "Nhóm đối tượng", "Hình thức", "Tình trạng",
                    "Lý do không tính", "Bắt đầu (giờ địa phương)", "Gửi lúc (giờ địa phương)", "Số giây",
                    "Mã tiêu chí", "Trả lời")


def response_rows(session: Session, ctx: CycleContext) -> list[tuple[object, ...]]:
    """Every sent response, one row a question (the survey body's analysis): counted or set aside and why,
    when (in the cycle's time, as naive local instants a spreadsheet sorts) and how long it took (not for a
    paper ballot: its times are the keying's); nothing of the person."""
    zone = ctx.calendar.zone
    groups = {block.code: block.respondent_groups for block in ctx.spec.blocks}
    rows: list[tuple[object, ...]] = []
    for response, link, unit in session.execute(
            select(SurveyResponse, SurveyLink, Unit).join(SurveyLink, SurveyLink.id == SurveyResponse.link_id)
            .join(Unit, Unit.id == SurveyLink.unit_id)
            .where(SurveyResponse.cycle_id == ctx.cycle_id, SurveyResponse.status != "draft")
            .order_by(Unit.id, SurveyResponse.id)):
        done = response.completed_at
        seconds = round((done - response.started_at).total_seconds()) if done and response.channel == "web" else ""
        head = (f"{'G' if response.channel == 'paper' else 'W'}{response.id}", unit.code, unit.name, link.group_no,
                groups[unit.block][link.group_no - 1], word(f"survey.channel.{response.channel}"),
                word(f"survey.status.{response.status}"),
                word(f"survey.reason.{response.set_aside_reason}") if response.set_aside_reason else "",
                response.started_at.astimezone(zone).replace(tzinfo=None),
                done.astimezone(zone).replace(tzinfo=None) if done else "", seconds)
        rows += [(*head, code, answer) for code, answer in sorted(json.loads(response.answers).items())]
    return rows
