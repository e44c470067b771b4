"""The survey online in the database: each unit's link for each respondent group (with its population and quota),
written when the cycle is registered, and what a link's questionnaire asks, read back from the stored criteria."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import delete, insert, select
from sqlmodel import Session

from models.definition.cycle import CycleDefinition
from models.survey_plan import quotas
from models.tables import Criterion, SurveyCode, SurveyLink, SurveyResponse, Unit


def survey_snapshot(definition: CycleDefinition) -> dict[str, Any] | None:
    """What the portal needs of survey.toml once the cycle is registered (the populations are in the links)."""
    if definition.survey is None:
        return None
    spec = definition.survey.spec
    return {"scale": dict(spec.scale), "speed_floor_seconds": spec.speed_floor_seconds,
            "margin_percent": spec.margin_percent, "minimum": spec.minimum,
            "codes": {coded.block: list(coded.groups) for coded in spec.codes},
            "fieldwork": spec.fieldwork if any(task.key == spec.fieldwork for task in definition.tasks) else None}


def insert_links(session: Session, definition: CycleDefinition, *, codes: list[str], at: datetime) -> int:
    """A link for each group each of these units is asked in (none when the folder does not run its survey
    online); returns how many were written."""
    if definition.survey is None:
        return 0
    wanted = set(codes)
    ids: dict[str, int] = dict(session.execute(select(Unit.code, Unit.id).where(Unit.cycle_id == definition.id,
                                                                Unit.code.in_(sorted(wanted)))).all())
    rows = [{"cycle_id": definition.id, "unit_id": ids[q.unit], "group_no": q.group, "token": secrets.token_urlsafe(16),
             "population": q.population, "quota": q.size, "created_at": at}
            for q in quotas(definition) if q.unit in wanted and q.unit in ids]
    if rows:
        session.execute(insert(SurveyLink), rows)
    return len(rows)


def remove_links(session: Session, unit_id: int) -> None:
    """A unit removed before its season started: its links and whatever they hold."""
    links = select(SurveyLink.id).where(SurveyLink.unit_id == unit_id).scalar_subquery()
    session.execute(delete(SurveyCode).where(SurveyCode.link_id.in_(links)))
    session.execute(delete(SurveyResponse).where(SurveyResponse.link_id.in_(links)))
    session.execute(delete(SurveyLink).where(SurveyLink.unit_id == unit_id))


@dataclass(frozen=True)
class AskedQuestion:
    code: str
    text: str
    field: str  # the page it is on: its field's title


def link_questions(session: Session, tree: str, cycle_id: str, group: int) -> list[AskedQuestion]:
    """The survey leaves of a tree asked of a respondent group, in tree order, with their field's title."""
    rows = session.execute(select(Criterion.code, Criterion.title, Criterion.parent_code, Criterion.method,
                                  Criterion.respondents, Criterion.question)
                           .where(Criterion.cycle_id == cycle_id, Criterion.tree == tree)
                           .order_by(Criterion.position)).all()
    fields = {row.code: row.title for row in rows if row.parent_code is None}
    return [AskedQuestion(row.code, row.question or row.title, fields[row.code.split(".", 1)[0]]) for row in rows
            if row.method == "survey" and str(group) in row.respondents.split(",")]


def satisfied(weight: Decimal) -> bool:
    """An answer a satisfaction index counts as satisfied: weighed at least one half (A and B of A/B/C/D, "rất
    hài lòng" and "hài lòng"), as SIPAS counts the satisfied and very satisfied."""
    return weight >= Decimal("0.5")
