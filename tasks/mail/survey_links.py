"""The survey online's mail to units: when the fieldwork opens, each unit is sent its open links (the groups that
answer without a code: businesses, residents) with their QR codes, to post and circulate; on the cycle's reminder
ladder before the survey's last day, a unit whose links are short of their quotas is reminded of what it lacks.
Officials answer with codes the survey body hands out: their links are not circulated."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from urllib.parse import quote

from sqlalchemy import select
from sqlmodel import Session

from models.cycle_context import CycleContext
from models.reminders import ladder
from models.settings import Settings
from models.tables import Unit, assignee_for_unit
from notifications.outbox import NewMessage, enqueue, existing_keys
from notifications.render import render
from tasks.mail.messages import message_context
from tasks.survey.online import LinkProgress, survey_progress
from tasks.survey.window import SurveyState, SurveyWindow, last_day_open, last_round, state_at, survey_window

OPENED, BEHIND = "survey_links", "survey_behind"


def survey_reminders(session: Session, ctx: CycleContext, window: SurveyWindow | None = None) -> list[datetime]:
    """The instants of the reminder ladder before the survey's last day (after it opens)."""
    window = window or survey_window(session, ctx)
    last = last_day_open(window.closes, ctx.calendar.zone)
    if last is None:
        return []
    return [rung.at for rung in ladder(ctx.calendar, ctx.spec.reminders, last, optional=True)
            if rung.kind == "reminder" and (window.opens is None or rung.at >= window.opens)]


def queue_survey_links(session: Session, ctx: CycleContext, settings: Settings, *, at: datetime) -> int:
    """The opening mail to each unit not sent it yet; at the latest reminder rung passed, a reminder to each unit
    still short (once per rung)."""
    window = survey_window(session, ctx)  # read once: the state and the reminders follow from it
    if not ctx.survey or window.closes is None or \
            state_at(last_round(session, ctx.cycle_id), window.opens, window.closes, at) is not SurveyState.OPEN:
        return 0
    coded = dict(ctx.survey.get("codes") or {})
    circulated: dict[str, list[LinkProgress]] = defaultdict(list)
    for row in survey_progress(session, ctx):
        if row.group_no not in coded.get(row.block, []):
            circulated[row.unit_code].append(row)
    if not circulated:
        return 0
    rung = next((instant for instant in reversed(survey_reminders(session, ctx, window)) if instant <= at), None)
    keys = {code: (f"{ctx.cycle_id}|{assignee_for_unit(code)}|{OPENED}",
                   f"{ctx.cycle_id}|{assignee_for_unit(code)}|{BEHIND}|{rung.isoformat()}" if rung else "")
            for code in circulated}
    sent = existing_keys(session, [key for pair in keys.values() for key in pair if key])
    units = {unit.code: unit for unit in session.execute(select(Unit).where(
        Unit.cycle_id == ctx.cycle_id, Unit.code.in_(sorted(circulated)))).scalars()}
    base = settings.public_url.rstrip("/")
    survey_body = ctx.body_of_role("institute").name
    messages = []
    for code, rows in circulated.items():
        opened_key, behind_key = keys[code]
        reminder = opened_key in sent
        short = sum(max(0, row.quota - row.counted) for row in rows)
        if reminder and (not behind_key or behind_key in sent or not short):
            continue
        unit = units[code]
        links = [{"group_no": row.group_no, "group_name": row.group_name, "quota": row.quota, "counted": row.counted,
                  "url": f"{base}/khao-sat/{quote(row.token)}",
                  "notice_url": f"{base}/khao-sat/{quote(row.token)}/thong-bao"}
                 for row in rows if not reminder or row.counted < row.quota]
        rendered = render(OPENED, message_context(
            ctx, settings, title=OPENED, recipient_name=unit.name, reminder=reminder, links=links,
            missing_total=short, survey_body=survey_body, first_day=ctx.calendar.local_date(window.opens or at),
            last_day=last_day_open(window.closes, ctx.calendar.zone),
            coded_groups=", ".join(str(number) for number in coded.get(unit.block, []))),
            language=settings.language, letters=ctx.spec.letters)
        messages.append(NewMessage(ctx.cycle_id, behind_key if reminder else opened_key, BEHIND if reminder else OPENED,
                                   assignee_for_unit(code), None, unit.email, (), rendered, window.closes))
    return enqueue(session, messages, at=at)
