"""The survey online on the portal: a respondent's questionnaire at an anonymous link (no account, page by page,
resumable on the same device), and the survey's page for staff (each unit's quota, closing and opening again)."""

from __future__ import annotations

import io
import json
from datetime import datetime
from urllib.parse import quote
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends
from sqlalchemy import select
from sqlmodel import Session
from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from models.formatting import day
from models.refusals import NotFound, Refused
from models.tables import StaffRole, SurveyResponse
from tasks.engine.events import committed
from tasks.survey import export
from tasks.survey.online import (
    LinkView,
    SurveyClosed,
    close_survey,
    finish_response,
    open_link,
    reopen_survey,
    resumed,
    save_answers,
    silent_groups,
    start_response,
    survey_progress,
    unanswered,
)
from tasks.survey.window import SurveyState, due_to_close, last_day_open, last_round, survey_state, survey_window
from web.portal import cycle_context, page_language, portal_of, render, say, signed_staff
from web.security import posted_form

router = APIRouter()
CLOSERS = (StaffRole.SURVEY, StaffRole.OPERATOR, StaffRole.COORDINATOR)  # the survey body, or Sở Nội vụ for it
KEYS = "survey"  # the session's table: link token → this device's key to its response


def _key(request: Request, token: str) -> str:
    return str(request.session.get(KEYS, {}).get(token, ""))


def _view(request: Request, token: str) -> LinkView:
    with portal_of(request).session() as session:
        try:
            return open_link(session, token, at=portal_of(request).clock())
        except NotFound:
            raise HTTPException(404) from None


@router.get("/khao-sat/{token}")
def questionnaire(request: Request, token: str, trang: int = 0) -> Response:
    """The link's questionnaire: its opening page, a page of questions, or the thanks once sent."""
    view = _view(request, token)
    with portal_of(request).session() as session:
        response = resumed(session, view, _key(request, token))
        answers = dict(json.loads(response.answers)) if response else {}
        status = response.status if response else ""
        paper = response is not None and response.channel == "paper"
        reason = response.set_aside_reason if response else ""
    if status in ("counted", "set_aside"):
        return render(request, "survey_done.html", view=view, outcome=status, paper=paper, reason=reason or "speed")
    closed = view.ended or (view.closed and not paper)  # the survey body keys paper ballots until the close
    if closed or response is None:
        return render(request, "survey_intro.html", view=view, closed=closed, refused="",
                      window=_window_words(request, view.opens, view.closes, view.zone, view.reopened))
    page = trang if 1 <= trang <= len(view.pages) else _first_unanswered_page(view, answers)
    return render(request, "survey_page.html", view=view, page=page, answers=answers, missing=[], paper=paper)


def _window_words(request: Request, opens: datetime | None, closes: datetime | None, zone: str,
                  reopened: datetime | None = None) -> str:
    """When the survey takes answers, in the page's language: from its opening to the end of its last day (once
    an operator opened it again, until it is closed)."""
    language = page_language(request)
    if reopened is not None:
        return say(request, "survey_window_reopened", day=day(reopened, language, zone))
    last = last_day_open(closes, ZoneInfo(zone))
    if opens is not None and last is not None:
        return say(request, "survey_window", first=day(opens, language, zone), last=day(last, language))
    return say(request, "survey_window_until", last=day(last, language)) if last is not None else ""


def _first_unanswered_page(view: LinkView, answers: dict[str, str]) -> int:
    return next((number for number, (_, questions) in enumerate(view.pages, start=1)
                 if any(q.code not in answers for q in questions)), len(view.pages))


@router.post("/khao-sat/{token}")
def answer(request: Request, token: str, form: FormData = Depends(posted_form(max_fields=200))) -> Response:
    """Start, keep a page's answers and move on, or send the questionnaire."""
    portal = portal_of(request)
    view = _view(request, token)
    here = f"/khao-sat/{quote(token)}"
    if form.get("action") == "start":
        code = str(form.get("code", ""))[:32]
        try:
            key, _ = committed(portal.engine, lambda session: start_response(session, view, at=portal.clock(),
                                                                              code=code))
        except SurveyClosed:
            raise
        except Refused as refused:
            return render(request, "survey_intro.html", status=422, view=view, closed=False, refused=str(refused),
                          window=_window_words(request, view.opens, view.closes, view.zone, view.reopened))
        request.session[KEYS] = {**request.session.get(KEYS, {}), token: key}
        return RedirectResponse(f"{here}?trang=1", status_code=303)
    key = _key(request, token)
    page = _page_number(form.get("page"), len(view.pages))
    posted = {name[2:]: str(value) for name, value in form.items() if name.startswith("a_")}
    move = str(form.get("move", "next"))

    def keep(session: Session) -> str:
        response = resumed(session, view, key)
        if response is None:
            raise Refused(say(request, "survey_start_again"))
        save_answers(session, view, response, posted)
        if move == "send":
            if unanswered(view, response):
                return "missing"
            return finish_response(session, view, response, at=portal.clock())
        return "kept"

    outcome = committed(portal.engine, keep)
    if outcome == "missing":
        with portal.session() as session:
            response = resumed(session, view, key)
            answers = dict(json.loads(response.answers)) if response else {}
        missing = [q for q in view.questions if q.code not in answers]
        first = _first_unanswered_page(view, answers)
        return render(request, "survey_page.html", status=422, view=view, page=first, answers=answers,
                      missing=missing, paper=response is not None and response.channel == "paper")
    if move == "send":
        return RedirectResponse(here, status_code=303)
    target = max(1, page - 1) if move == "back" else min(len(view.pages), page + 1)
    return RedirectResponse(f"{here}?trang={target}", status_code=303)


def _page_number(value: object, pages: int) -> int:
    try:
        return min(max(1, int(str(value))), pages)
    except ValueError:
        return 1


@router.get("/staff/{cycle_id}/survey")
def survey_page(request: Request, cycle_id: str) -> Response:
    """Each unit's questionnaires: answered, quota, set aside, a bar; the units behind first in their own list;
    each link to circulate; closing and opening again."""
    who = signed_staff(request, cycle_id=cycle_id)
    portal = portal_of(request)
    with portal.session() as session:
        ctx = cycle_context(session, cycle_id)
        rows = survey_progress(session, ctx)
        state = survey_state(session, ctx, portal.clock())
        window = survey_window(session, ctx)
        awaiting = due_to_close(session, ctx, portal.clock())  # its date passed, the close not yet done
        last = last_round(session, cycle_id)
        paper = session.scalar(select(SurveyResponse.id).where(SurveyResponse.cycle_id == cycle_id,
                                                               SurveyResponse.channel == "paper").limit(1))
    if not rows:
        raise HTTPException(404)
    short = sorted((row for row in rows if row.counted < row.quota), key=lambda row: (row.percent, row.unit_code))
    behind: dict[str, list] = {}  # unit → its groups short of their quota, the furthest behind first
    for row in short:
        behind.setdefault(row.unit_name, []).append(row)
    closed = state is SurveyState.CLOSED and not awaiting
    return render(request, "staff_survey.html", ctx=ctx, rows=rows, behind=behind, closed=closed,
                  state="awaiting" if awaiting else state.value,
                  window=_window_words(request, window.opens, window.closes, ctx.calendar.zone.key,
                                       last.reopened_at if last is not None else None),
                  public_url=portal.settings.public_url.rstrip("/"), may_close=who.role in {r.value for r in CLOSERS},
                  may_reopen=who.role == "operator", has_paper=paper is not None,
                  totals=(sum(r.counted for r in rows), sum(r.quota for r in rows), sum(r.set_aside for r in rows)),
                  notice=request.session.pop("notice", ""), problem=request.session.pop("problem", ""))


@router.post("/staff/{cycle_id}/survey/close")
def close(request: Request, cycle_id: str, form: FormData = Depends(posted_form())) -> Response:
    who = signed_staff(request, *CLOSERS, cycle_id=cycle_id)
    portal = portal_of(request)
    if form.get("confirmed") != "1":  # what closing leaves behind, said before it is done
        with portal.session() as session:
            ctx = cycle_context(session, cycle_id)
            rows = survey_progress(session, ctx)
            silent = silent_groups(session, ctx)
        return render(request, "staff_survey_close.html", ctx=ctx, counted=sum(r.counted for r in rows),
                      quota=sum(r.quota for r in rows), short=sum(1 for r in rows if r.counted < r.quota),
                      groups=len(rows), unfinished=sum(r.unfinished for r in rows), silent=silent)
    try:
        result = committed(portal.engine, lambda session: close_survey(
            session, cycle_context(session, cycle_id), actor=who.actor, at=portal.clock()))
    except SurveyClosed:
        raise
    except Refused as refused:  # said on the survey's page, where what is missing can be keyed in
        request.session["problem"] = str(refused)
        return RedirectResponse(f"/staff/{quote(cycle_id)}/survey", status_code=303)
    request.session["notice"] = say(request, "survey_closed_notice", units=len(result.units))
    return RedirectResponse(f"/staff/{quote(cycle_id)}/survey", status_code=303)


@router.post("/staff/{cycle_id}/survey/reopen")
def reopen(request: Request, cycle_id: str, form: FormData = Depends(posted_form())) -> Response:
    who = signed_staff(request, StaffRole.OPERATOR, cycle_id=cycle_id)
    portal = portal_of(request)
    reason = str(form.get("reason", ""))[:500]
    committed(portal.engine, lambda session: reopen_survey(
        session, cycle_context(session, cycle_id), actor=who.actor, reason=reason, at=portal.clock()))
    request.session["notice"] = say(request, "survey_reopened_notice")
    return RedirectResponse(f"/staff/{quote(cycle_id)}/survey", status_code=303)


@router.get("/staff/{cycle_id}/survey/responses.csv")
def responses_csv(request: Request, cycle_id: str) -> Response:
    """The sent responses, a row a question, for the survey body's own analysis (UTF-8 with its mark: Excel)."""
    signed_staff(request, cycle_id=cycle_id)
    with portal_of(request).session() as session:
        body = export.responses_csv(session, cycle_context(session, cycle_id))
    return Response(body, media_type="text/csv; charset=utf-8", headers={
        "content-disposition": f'attachment; filename="phieu-khao-sat-{cycle_id}.csv"'})


@router.post("/staff/{cycle_id}/survey/paper/{token}")
def key_in_paper(request: Request, cycle_id: str, token: str, form: FormData = Depends(posted_form())) -> Response:
    """The survey body keys in a paper ballot through the same questionnaire: a response marked as paper (no
    speed floor: typing is not answering), counted against the same quota."""
    signed_staff(request, *CLOSERS, cycle_id=cycle_id)
    portal = portal_of(request)
    view = _view(request, token)
    if view.cycle_id != cycle_id:
        raise HTTPException(404)
    key, _ = committed(portal.engine, lambda session: start_response(session, view, at=portal.clock(),
                                                                      channel="paper"))
    request.session[KEYS] = {**request.session.get(KEYS, {}), token: key}
    return RedirectResponse(f"/khao-sat/{quote(token)}?trang=1", status_code=303)


@router.get("/staff/{cycle_id}/survey/qr/{token}.svg")
def qr_code(request: Request, cycle_id: str, token: str) -> Response:
    """The link's QR code, for the paper notices a unit puts up (a phone's camera opens the questionnaire)."""
    signed_staff(request, cycle_id=cycle_id)
    view = _view(request, token)
    if view.cycle_id != cycle_id:
        raise HTTPException(404)
    return _qr_image(request, view, token)


@router.get("/khao-sat/{token}/qr.svg")
def public_qr_code(request: Request, token: str) -> Response:
    """The same QR code at the link itself: the unit its mail reaches prints it (the link is public already)."""
    return _qr_image(request, _view(request, token), token)


@router.get("/khao-sat/{token}/thong-bao")
def notice(request: Request, token: str) -> Response:
    """A notice to print and post (the reception desk, a meeting room): the invitation, the QR code, the link,
    the survey's dates. A unit's survey mail links it."""
    view = _view(request, token)
    return render(request, "survey_notice.html", view=view,
                  url=f"{portal_of(request).settings.public_url.rstrip('/')}/khao-sat/{quote(token)}",
                  window=_window_words(request, view.opens, view.closes, view.zone, view.reopened))


def _qr_image(request: Request, view: LinkView, token: str) -> Response:
    import segno

    url = f"{portal_of(request).settings.public_url.rstrip('/')}/khao-sat/{quote(token)}"
    image = io.BytesIO()  # a whole SVG document (its namespace declared): a browser draws it, a printer prints it
    segno.make(url, error="m").save(image, kind="svg", scale=6, border=4,
                                    title=f"{view.unit_name} — {view.group_name}: {url}")
    return Response(image.getvalue(), media_type="image/svg+xml",
                    headers={"content-disposition": f'inline; filename="qr-{token}.svg"'})


@router.get("/staff/{cycle_id}/survey/responses.xlsx")
def responses_xlsx(request: Request, cycle_id: str) -> Response:
    """The same rows as a workbook, for the survey body's analysis in a spreadsheet (task 14's report)."""
    signed_staff(request, cycle_id=cycle_id)
    with portal_of(request).session() as session:
        body = export.responses_xlsx(session, cycle_context(session, cycle_id),
                                     title=say(request, "survey_sheet_responses"))
    return Response(body, media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    headers={"content-disposition": f'attachment; filename="phieu-khao-sat-{cycle_id}.xlsx"'})
