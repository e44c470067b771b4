"""Staff pages: the coordinator's matrix and outbox, the operator's actions, the auditor's history."""

from __future__ import annotations

import os
import secrets
import tempfile
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from urllib.parse import urlencode

from fastapi import APIRouter, Depends
from sqlalchemy import select
from sqlmodel import Session
from starlette.background import BackgroundTask
from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import FileResponse, RedirectResponse, Response

from models.refusals import NotFound, Refused
from models.stages import Stage
from models.tables import (
    UNITS_OWNER,
    Cycle,
    EvidenceFile,
    MessageStatus,
    OutboxMessage,
    StaffRole,
    SurveyLink,
    Unit,
    UnitResult,
    assignee_for_unit,
)
from models.task_states import unit_state_key
from models.words import word as say_plain
from notifications.outbox import MessageFilter, count_messages, list_messages
from tasks.engine.events import committed
from tasks.inputs.evidence import stored_path
from tasks.inputs.intake import report_task_done
from tasks.operations.accounts import account_name, authenticate, may_see, session_key, staff_account
from tasks.operations.extensions import extend_deadline
from tasks.operations.portal_sessions import Opening, log_access
from tasks.operations.rerun import RERUN_EVENTS, rerun_stage
from tasks.operations.throttle import ACCOUNT, ADDRESS, mark, wait_before_try
from tasks.reads.audit import actor_names, unit_history, verify_cycles
from tasks.reads.evidence_export import unit_evidence, write_evidence_zip
from tasks.reads.portal import CELL_STATES, filter_states, matrix, unit_choices, unit_of, unit_tasks
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
from web.words import actor_words, history_event, state_words, words_for

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
        survey_online = session.scalar(select(SurveyLink.id).where(SurveyLink.cycle_id == cycle_id).limit(1))
        return render(request, "staff_matrix.html", ctx=ctx, m=found, block=block, group=group, state=state,
                      states=filter_states(ctx), body_tasks=body_tasks, notice=request.session.pop("notice", ""),
                      plan_tasks=sorted(ctx.tasks.values(), key=lambda task: task.number),
                      survey_online=survey_online is not None,
                      today=ctx.calendar.local_date(portal.clock()).isoformat())


MAIL_KINDS = ("opened", "reminder", "overdue", "escalation", "digest", "draft", "result", "correction", "signin")


@router.get("/{cycle_id}/outbox")
def outbox_page(request: Request, cycle_id: str, q: str = "", status: str = "", kind: str = "", unit: str = "",
                page: str = "1") -> Response:
    """The outbox a page at a time, newest first, filtered by state, kind, unit and words; each message opens."""
    signed_staff(request, cycle_id=cycle_id)
    portal = portal_of(request)
    status = status if status in {s.value for s in MessageStatus} else ""
    kind = kind if kind in MAIL_KINDS else ""
    wanted = MessageFilter(cycle_id=cycle_id, search=q[:200] or None, status=status or None, kind=kind or None,
                           assignee=assignee_for_unit(unit[:64].strip()) if unit.strip() else None,
                           limit=OUTBOX_PAGE)
    with portal.session() as session:
        ctx = cycle_context(session, cycle_id)
        total = count_messages(session, wanted)
        pages = max(1, -(-total // OUTBOX_PAGE))
        number = min(int(page) if page.isdigit() and len(page) < 7 else 1, pages) or 1  # a page past the end: the last
        _, messages = list_messages(session, replace(wanted, offset=(number - 1) * OUTBOX_PAGE))
        zone = ctx.calendar.zone
        query = {"q": q, "status": status, "kind": kind, "unit": unit}
        return render(request, "staff_outbox.html", ctx=ctx, total=total, messages=messages, page=number,
                      pages=pages, statuses=[s.value for s in MessageStatus], kinds=MAIL_KINDS, chosen=query,
                      units=unit_choices(session, cycle_id),
                      page_link=lambda n: "?" + urlencode({**{k: v for k, v in query.items() if v}, "page": n}),
                      local=lambda instant: local(instant, zone))


@router.get("/{cycle_id}/outbox/{message_id}")
def message_page(request: Request, cycle_id: str, message_id: int) -> Response:
    """One message as it was written: recipients, subject, text, state and its attempts."""
    signed_staff(request, cycle_id=cycle_id)
    portal = portal_of(request)
    with portal.session() as session:
        ctx = cycle_context(session, cycle_id)
        message = session.get(OutboxMessage, message_id)
        if message is None or message.cycle_id != cycle_id:
            raise HTTPException(404)
        zone = ctx.calendar.zone
        return render(request, "staff_message.html", ctx=ctx, m=message, local=lambda instant: local(instant, zone))


def _cycle_unit(session: Session, cycle_id: str, code: str):
    """The cycle's context and its unit of this code; 404 when it has none."""
    unit = unit_of(session, cycle_id, code)
    if unit is None:
        raise HTTPException(404)
    return cycle_context(session, cycle_id), unit


@router.get("/{cycle_id}/units/{code}")
def unit_history_page(request: Request, cycle_id: str, code: str) -> Response:
    signed_staff(request, cycle_id=cycle_id)
    portal = portal_of(request)
    with portal.session() as session:
        ctx, unit = _cycle_unit(session, cycle_id, code)
        rows = unit_history(session, cycle_id, code)
        (verdict,) = verify_cycles(session, cycle_id)
        zone = ctx.calendar.zone
        t = words_for(page_language(request))
        tasks = unit_tasks(session, ctx, unit)
        return render(request, "staff_unit.html", ctx=ctx, unit=unit, rows=rows, verdict=verdict, tasks=tasks,
                      state_key=unit_state_key(unit.state, {task.stage: task.status for task in tasks}),
                      result=session.scalar(select(UnitResult).where(UnitResult.unit_id == unit.id)),
                      event_words=lambda event: history_event(t, event), state_words=lambda s: state_words(t, s),
                      actor=lambda who, names=actor_names(session, cycle_id): actor_words(t, who, names),
                      stages=[s.value for s in RERUN_EVENTS], notice=request.session.pop("notice", ""),
                      today=ctx.calendar.local_date(portal.clock()).isoformat(),
                      local=lambda text: local(datetime.fromisoformat(text), zone))


@router.get("/{cycle_id}/units/{code}/evidence")
def unit_evidence_page(request: Request, cycle_id: str, code: str) -> Response:
    """The working group's view of a unit's evidence: per criterion the unit's reference and its files."""
    signed_staff(request, cycle_id=cycle_id)
    portal = portal_of(request)
    with portal.session() as session:
        ctx, unit = _cycle_unit(session, cycle_id, code)
        zone = ctx.calendar.zone
        return render(request, "staff_evidence.html", ctx=ctx, unit=unit,
                      items=unit_evidence(session, cycle_id, unit), when=lambda instant: local(instant, zone))


@router.get("/{cycle_id}/units/{code}/evidence/{evidence_id}")
def unit_evidence_file(request: Request, cycle_id: str, code: str, evidence_id: int) -> Response:
    signed_staff(request, cycle_id=cycle_id)
    portal = portal_of(request)
    with portal.session() as session:
        unit = unit_of(session, cycle_id, code)
        row = session.get(EvidenceFile, evidence_id)
        if unit is None or row is None or row.unit_id != unit.id:
            raise HTTPException(404)
        path = stored_path(portal.evidence_dir, row.sha256)
        name, content_type = row.filename, row.content_type
    if not path.is_file():
        raise HTTPException(404)
    return FileResponse(path, media_type=content_type, filename=name)


@router.get("/{cycle_id}/evidence.zip")
def evidence_zip(request: Request, cycle_id: str, unit: str = "", block: str = "") -> Response:
    """One unit's evidence (?unit=), a block's (?block=) or the whole cycle's, as a zip with its list."""
    signed_staff(request, cycle_id=cycle_id)
    portal = portal_of(request)
    with portal.session() as session:
        ctx = cycle_context(session, cycle_id)
        query = select(Unit).where(Unit.cycle_id == cycle_id).order_by(Unit.block, Unit.code)
        if unit:
            query = query.where(Unit.code == unit[:64])
        elif block:
            query = query.where(Unit.block == block[:64])
        units = list(session.execute(query).scalars())
        if not units:
            raise HTTPException(404)
        handle, name = tempfile.mkstemp(prefix="parindex-evidence-", suffix=".zip")
        os.close(handle)
        target = Path(name)
        try:
            write_evidence_zip(session, cycle_id, units, portal.evidence_dir, target)
        except BaseException:
            target.unlink(missing_ok=True)
            raise
    label = unit or block or ctx.cycle_id
    return FileResponse(target, media_type="application/zip", filename=f"tai-lieu-kiem-chung-{label}.zip",
                        background=BackgroundTask(target.unlink, missing_ok=True))


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
    """Extend a task: for one unit (`unit`), a block (`scope=block:<code>`), every unit (`scope=all`), or a
    body's task (its assignees); the date from a date field (or dd/mm/yyyy)."""
    who = signed_staff(request, StaffRole.OPERATOR, cycle_id=cycle_id)
    portal = portal_of(request)
    code = str(form.get("unit", ""))[:64]
    scope = str(form.get("scope", ""))[:80]
    try:
        last_day = _date_of(str(form.get("until", "")))
        number = int(str(form.get("task", "")))
    except ValueError:
        return _back(request, cycle_id, code, say(request, "bad_date"))

    def extend(session):
        ctx = cycle_context(session, cycle_id)
        task = ctx.task_by_number(number)
        return extend_deadline(session, ctx, task_number=number, unit_codes=_scope_units(session, ctx, task, code,
                                                                                           scope),
                               until=last_day, reason=_reason(form), actor=who.actor, at=portal.clock())

    try:
        result = committed(portal.engine, extend)
    except Refused as refused:
        return _back(request, cycle_id, code, say(request, "not_done", why=str(refused)))
    day = f"{result.last_day:%d/%m/%Y}"
    return _back(request, cycle_id, code, say(request, "extended_notice", task=number, day=day))


def _date_of(text: str):
    text = text.strip()
    for layout in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return datetime.strptime(text, layout).date()
        except ValueError:
            continue
    raise ValueError(text)


def _scope_units(session, ctx, task, code: str, scope: str) -> list[str] | None:
    """The units an extension is for: one unit, a block's, or None (every assignee: all units, or a body)."""
    if code:
        return [code]
    if scope.startswith("block:") and task.owner == UNITS_OWNER:
        block = scope.removeprefix("block:")
        codes = list(session.execute(select(Unit.code).where(Unit.cycle_id == ctx.cycle_id, Unit.block == block))
                     .scalars())
        if not codes:
            raise NotFound(say_plain("err.no_such_block", block=block))
        return codes
    return None


@router.post("/{cycle_id}/rerun")
def rerun_action(request: Request, cycle_id: str, form: FormData = Depends(operators_form)) -> Response:
    """A re-run asks first: the page says what it withdraws (the unit's state, its tasks opened again, the
    results of its block marked stale, the council's final withdrawn), computed by doing it and rolling back;
    only the confirmed form does it."""
    who = signed_staff(request, StaffRole.OPERATOR, cycle_id=cycle_id)
    portal = portal_of(request)
    code = str(form.get("unit", ""))[:64]
    stage = str(form.get("stage", ""))
    reason = _reason(form)
    if stage not in {s.value for s in RERUN_EVENTS}:
        return _back(request, cycle_id, code, say(request, "unknown_stage"))

    def rerun(session):
        return rerun_stage(session, cycle_context(session, cycle_id), stage=Stage(stage), unit_code=code,
                           reason=reason, actor=who.actor, at=portal.clock())

    try:
        if form.get("confirmed") != "yes":
            with Session(portal.engine) as session:  # never committed: what the re-run would do, then rolled back
                preview = rerun(session)
                session.rollback()
                unit = unit_of(session, cycle_id, code)
                return render(request, "staff_rerun_confirm.html", ctx=cycle_context(session, cycle_id),
                              unit=unit, stage=stage, reason=reason, preview=preview)
        result = committed(portal.engine, rerun)
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

