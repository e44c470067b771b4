"""Staff pages: the coordinator's matrix and outbox, the operator's actions, the auditor's history."""

from __future__ import annotations

import secrets
from datetime import datetime

from fastapi import APIRouter, Depends
from sqlalchemy import select
from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from models.refusals import Refused
from models.stages import Stage
from models.tables import Cycle, StaffRole
from notifications.outbox import MessageFilter, list_messages
from tasks.engine.events import committed
from tasks.inputs.intake import report_task_done
from tasks.operations.accounts import account_name, authenticate, may_see, session_key, staff_account
from tasks.operations.extensions import extend_deadline
from tasks.operations.portal_sessions import Opening, log_access
from tasks.operations.rerun import RERUN_EVENTS, rerun_stage
from tasks.operations.throttle import ACCOUNT, ADDRESS, mark, wait_before_try
from tasks.reads.audit import unit_history, verify_cycles
from tasks.reads.portal import CELL_STATES, matrix, unit_of
from web.portal import (
    client_address,
    cycle_context,
    local,
    page_language,
    portal_of,
    render,
    say,
    signed_in,
    signed_in_as,
    signed_staff,
)
from web.security import checked_form, posted_form
from web.words import history_event, state_words, words_for

router = APIRouter(prefix="/staff")
OUTBOX_PAGE = 200


@router.get("/login")
def login_page(request: Request) -> Response:
    return render(request, "staff_login.html")


@router.post("/login")
def staff_sign_in(request: Request, form: FormData = Depends(posted_form())) -> Response:
    """A password try: after a few failures under the account or the address, the next waits (twice as long
    after each, up to a minute for an account: tasks.operations.throttle); never a lock. Each success and each
    failure is in the access log with its address."""
    portal = portal_of(request)
    username = account_name(str(form.get("username", ""))[:64])
    address, at = client_address(request), portal.clock()
    delays = {f"password-user:{username}": ACCOUNT, f"password-ip:{address}": ADDRESS}
    with portal.session() as session:
        wait = wait_before_try(session, delays, at=at)
    if wait:
        return render(request, "staff_login.html", status=429, notice_key="wait_to_try",
                      notice_values={"seconds": wait})
    with portal.session() as session:
        user = authenticate(session, username, str(form.get("password", ""))[:1024])
        found = (user.username, str(user.role), session_key(user)) if user else None
        if found is None:
            mark(session, list(delays), at=at)
            log_access(session, "sign_in_failed", username or "?", at=at, address=address)
    if found is None:
        return render(request, "staff_login.html", status=401, notice_key="wrong_password")
    signed_in(request, Opening("staff", f"{found[1]}:{found[0]}", address, username=found[0]),
              staff=found[0], role=found[1], key=found[2], csrf=secrets.token_urlsafe(24))
    return RedirectResponse("/staff", status_code=303)


@router.get("")
def cycles_page(request: Request) -> Response:
    who = signed_staff(request)
    portal = portal_of(request)
    with portal.session() as session:
        account = staff_account(session, who.username)
        cycles = [cycle for cycle in session.execute(select(Cycle).order_by(Cycle.year.desc(), Cycle.id)).scalars()
                  if may_see(account, cycle.province)]
        return render(request, "staff_cycles.html", cycles=cycles)


@router.get("/{cycle_id}")
def matrix_page(request: Request, cycle_id: str, block: str = "", group: str = "", state: str = "") -> Response:
    signed_staff(request, cycle_id=cycle_id)
    portal = portal_of(request)
    with portal.session() as session:
        ctx = cycle_context(session, cycle_id)
        found = matrix(session, ctx, at=portal.clock(), block=block[:64], group=group[:64],
                       state=state if state in CELL_STATES else "")
        body_tasks = sorted({int(number) for _, _, cells in found.bodies for number in cells})
        return render(request, "staff_matrix.html", ctx=ctx, m=found, block=block, group=group, state=state,
                      states=CELL_STATES, body_tasks=body_tasks, notice=request.session.pop("notice", ""))


@router.get("/{cycle_id}/outbox")
def outbox_page(request: Request, cycle_id: str, q: str = "") -> Response:
    signed_staff(request, cycle_id=cycle_id)
    portal = portal_of(request)
    with portal.session() as session:
        ctx = cycle_context(session, cycle_id)
        total, messages = list_messages(session, MessageFilter(cycle_id=cycle_id, search=q[:200] or None,
                                                               limit=OUTBOX_PAGE))
        zone = ctx.calendar.zone
        return render(request, "staff_outbox.html", ctx=ctx, q=q, total=total, messages=messages,
                      local=lambda instant: local(instant, zone))


@router.get("/{cycle_id}/units/{code}")
def unit_history_page(request: Request, cycle_id: str, code: str) -> Response:
    signed_staff(request, cycle_id=cycle_id)
    portal = portal_of(request)
    with portal.session() as session:
        ctx = cycle_context(session, cycle_id)
        unit = unit_of(session, cycle_id, code)
        if unit is None:
            raise HTTPException(404)
        rows = unit_history(session, cycle_id, code)
        (verdict,) = verify_cycles(session, cycle_id)
        zone = ctx.calendar.zone
        t = words_for(page_language(request))
        return render(request, "staff_unit.html", ctx=ctx, unit=unit, rows=rows, verdict=verdict,
                      event_words=lambda event: history_event(t, event), state_words=lambda s: state_words(t, s),
                      stages=[s.value for s in RERUN_EVENTS], notice=request.session.pop("notice", ""),
                      local=lambda text: local(datetime.fromisoformat(text), zone))


def _back(request: Request, cycle_id: str, code: str, notice: str) -> Response:
    """To the page the action came from, its outcome kept in the session for that page to say once."""
    from urllib.parse import quote

    request.session["notice"] = notice[:300]
    target = f"/staff/{quote(cycle_id)}/units/{quote(code)}" if code else f"/staff/{quote(cycle_id)}"
    return RedirectResponse(target, status_code=303)


async def operators_form(request: Request) -> FormData:
    """An operator's posted form: who is signed in is checked before the form is read (401 or 403, as for every
    staff route), then its CSRF token."""
    signed_in_as(request, StaffRole.OPERATOR)  # the session alone here, on the event loop; the account below
    return await checked_form(request)


@router.post("/{cycle_id}/extend")
def extend_action(request: Request, cycle_id: str, form: FormData = Depends(operators_form)) -> Response:
    who = signed_staff(request, StaffRole.OPERATOR, cycle_id=cycle_id)
    portal = portal_of(request)
    code = str(form.get("unit", ""))[:64]
    try:
        last_day = datetime.strptime(str(form.get("until", "")).strip(), "%d/%m/%Y").date()
        number = int(str(form.get("task", "")))
    except ValueError:
        return _back(request, cycle_id, code, say(request, "bad_date"))
    try:
        result = committed(portal.engine, lambda session: extend_deadline(
            session, cycle_context(session, cycle_id), task_number=number, unit_codes=[code], until=last_day,
            reason=_reason(form), actor=who.actor, at=portal.clock()))
    except Refused as refused:
        return _back(request, cycle_id, code, say(request, "not_done", why=str(refused)))
    day = f"{result.last_day:%d/%m/%Y}"
    return _back(request, cycle_id, code, say(request, "extended_notice", task=number, day=day))


@router.post("/{cycle_id}/rerun")
def rerun_action(request: Request, cycle_id: str, form: FormData = Depends(operators_form)) -> Response:
    who = signed_staff(request, StaffRole.OPERATOR, cycle_id=cycle_id)
    portal = portal_of(request)
    code = str(form.get("unit", ""))[:64]
    stage = str(form.get("stage", ""))
    if stage not in {s.value for s in RERUN_EVENTS}:
        return _back(request, cycle_id, code, say(request, "unknown_stage"))
    try:
        result = committed(portal.engine, lambda session: rerun_stage(
            session, cycle_context(session, cycle_id), stage=Stage(stage), unit_code=code, reason=_reason(form),
            actor=who.actor, at=portal.clock()))
    except Refused as refused:
        return _back(request, cycle_id, code, say(request, "not_done", why=str(refused)))
    return _back(request, cycle_id, code, say(request, "rerun_notice", stage=say(request, result.stage),
                                             before=say(request, f"state.{result.from_state}"),
                                             after=say(request, f"state.{result.to_state}")))


@router.post("/{cycle_id}/done")
def done_action(request: Request, cycle_id: str, form: FormData = Depends(operators_form)) -> Response:
    who = signed_staff(request, StaffRole.OPERATOR, cycle_id=cycle_id)
    portal = portal_of(request)
    reason = _reason(form)
    try:
        number = int(str(form.get("task", "")))
    except ValueError:
        return _back(request, cycle_id, "", say(request, "not_done", why=say(request, "bad_task")))
    if not reason:
        return _back(request, cycle_id, "", say(request, "not_done", why=say(request, "reason_needed")))
    try:
        done = committed(portal.engine, lambda session: report_task_done(
            session, cycle_context(session, cycle_id), number=number, at=portal.clock(), actor=who.actor,
            reason=reason))
    except Refused as refused:
        return _back(request, cycle_id, "", say(request, "not_done", why=str(refused)))
    return _back(request, cycle_id, "", say(request, "done_notice" if done else "already_done", task=number))


MAX_REASON = 500


def _reason(form) -> str:
    """An operator's reason as the history keeps it: one line, at most MAX_REASON characters (as the form says)."""
    return " ".join(str(form.get("reason", "")).split())[:MAX_REASON]

