"""Simulated respondents of the survey online (a cycle folder with survey.toml): the institute hands its codes to
the officials when the fieldwork opens, then people answer at their units' links on working days of the window,
each taking minutes (a few speed-runs among them), until the tick closes the survey on the plan's date.

Who answers is drawn here (seeded, its own stream: the rest of the season's draws stay as they were); how the
answers reach the database is the caller's: `answer_directly` calls the functions the portal's pages call, and
`parindex demo` hands in a driver that answers through the pages themselves (web.survey_respondents)."""

from __future__ import annotations

import random
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import Engine, select
from sqlmodel import Session

from models.cycle_context import CycleContext
from models.db import session_scope
from models.survey_store import link_questions
from models.tables import SurveyLink, Unit
from tasks.survey.online import finish_response, issue_codes, open_link, resumed, save_answers, start_response
from tasks.survey.window import last_day_open, survey_window

SPEED_RUNS = 0.03  # a few respondents click through faster than the speed floor: set aside, not counted


@dataclass(frozen=True)
class Respondent:
    token: str
    code: str  # the single-use code an official was handed; "" at an open link
    pages: list[dict[str, str]]  # each page's answers (question code → answer), as the pages ask them
    started: datetime
    sent: datetime


Answering = Callable[[list[Respondent]], Counter[str]]  # respondents → how many were counted, set aside …


@dataclass(frozen=True)
class LinkToAnswer:
    token: str
    unit_code: str
    group_no: int
    coded: bool
    quota: int
    pages: list[list[str]]  # question codes, page by page


def links_to_answer(session: Session, ctx: CycleContext) -> list[LinkToAnswer]:
    survey = ctx.survey or {}
    coded = dict(survey.get("codes") or {})
    trees = {block.code: block.criteria for block in ctx.spec.blocks}
    found = []
    for link, unit in session.execute(select(SurveyLink, Unit).join(Unit, Unit.id == SurveyLink.unit_id)
                                      .where(SurveyLink.cycle_id == ctx.cycle_id)
                                      .order_by(Unit.id, SurveyLink.group_no)).all():
        pages: dict[str, list[str]] = {}
        for question in link_questions(session, trees[unit.block], ctx.cycle_id, link.group_no):
            pages.setdefault(question.field, []).append(question.code)
        found.append(LinkToAnswer(link.token, unit.code, link.group_no, link.group_no in coded.get(unit.block, []),
                                  link.quota,
                                  list(pages.values())))
    return found


class SurveyCrowd:
    """The season's respondents, drawn once: how many answer at each link, when, and what."""

    def __init__(self, session: Session, ctx: CycleContext, seed: int, quality: dict[str, float],
                 per_link: tuple[int, int] = (2, 3)) -> None:
        self.rng = random.Random(seed + 2)
        self.ctx = ctx
        self.window = survey_window(session, ctx)
        self.links = links_to_answer(session, ctx)
        self.quality = quality
        self.per_link = per_link
        self.codes: dict[str, list[str]] = {}  # link token → the codes the institute handed out, unused

    def answering_days(self) -> list[date]:
        if self.window.opens is None or self.window.closes is None:
            return []
        cal = self.ctx.calendar
        first = cal.local_date(self.window.opens) + timedelta(days=1)
        last = last_day_open(self.window.closes, cal.zone)
        days = []
        while last is not None and first <= last:
            if cal.is_working_day(first):
                days.append(first)
            first += timedelta(days=1)
        return days

    def by_day(self) -> dict[date, list[tuple[LinkToAnswer, datetime, float]]]:
        """Each day's respondents: their link, when they start, their unit's quality (the answers drawn later)."""
        days = self.answering_days()
        found: dict[date, list[tuple[LinkToAnswer, datetime, float]]] = defaultdict(list)
        if not days:
            return found
        for link in self.links:
            for _ in range(min(link.quota, self.rng.randint(*self.per_link))):
                day = self.rng.choice(days)
                start = self.ctx.calendar.at_local(day, time(self.rng.randint(7, 20), self.rng.randrange(60)))
                found[day].append((link, start, self.quality.get(link.unit_code, 0.9)))
        return dict(sorted(found.items()))

    def hand_out_codes(self, session: Session, at: datetime) -> None:
        """The institute prints the officials' codes (parindex survey codes) and hands them out."""
        for issued in issue_codes(session, self.ctx, at=at):
            self.codes.setdefault(issued.token, []).append(issued.code)

    def respondents(self, day: list[tuple[LinkToAnswer, datetime, float]]) -> list[Respondent]:
        speed_floor = int((self.ctx.survey or {}).get("speed_floor_seconds", 60))
        found = []
        for link, start, quality in sorted(day, key=lambda entry: entry[1]):
            code = self.codes[link.token].pop() if link.coded and self.codes.get(link.token) else ""
            if link.coded and not code:
                continue  # an official without a code does not answer
            pages = [{question: self._answer(quality) for question in page} for page in link.pages]
            seconds = self.rng.randint(max(10, speed_floor // 3), max(11, speed_floor - 1)) \
                if self.rng.random() < SPEED_RUNS else self.rng.randint(speed_floor + 60, speed_floor + 900)
            found.append(Respondent(link.token, code, pages, start, start + timedelta(seconds=seconds)))
        return found

    def _answer(self, quality: float) -> str:
        drawn = self.rng.gauss(quality, 0.12)
        return "A" if drawn >= 0.9 else "B" if drawn >= 0.7 else "C" if drawn >= 0.45 else "D"


def answer_directly(engine: Engine) -> Answering:
    """Respondents answering through the functions the portal's pages call (a replay without the portal): a
    day's respondents in one transaction."""
    def answer(respondents: list[Respondent]) -> Counter[str]:
        outcomes: Counter[str] = Counter()
        with session_scope(engine) as session:
            for person in respondents:
                key, _ = start_response(session, open_link(session, person.token, at=person.started),
                                        at=person.started, code=person.code)
                view = open_link(session, person.token, at=person.sent)
                response = resumed(session, view, key)
                assert response is not None
                for page in person.pages:
                    save_answers(session, view, response, page)
                outcomes[finish_response(session, view, response, at=person.sent)] += 1
        return outcomes
    return answer
