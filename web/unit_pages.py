"""A unit's pages: its tasks, forms in and out, evidence, the round-1 draft line by line, its result."""

from __future__ import annotations

import json
import re
import tempfile
from collections.abc import Callable
from datetime import datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path

from fastapi import APIRouter
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import FileResponse, RedirectResponse, Response

from models.cycle_context import CycleContext
from models.formatting import number
from models.forms.problems import FormProblem, FormRejected
from models.lifecycle import UnitEvent
from models.refusals import Refused
from models.stages import UnitState
from models.tables import ScoreKind, Unit
from models.task_states import unit_state_key
from tasks.engine.events import committed
from tasks.inputs.evidence import EvidenceRefused, evidence_of, record_evidence, remove_evidence, stored_path
from tasks.inputs.imports import Inputs, submit_explanation, submit_self_assessment
from tasks.inputs.intake import explaining_again
from tasks.mail.attachments import prefilled_form
from tasks.reads.portal import (
    can_send,
    countdown,
    draft_lines,
    evidence_criteria,
    receipts,
    unit_messages,
    unit_of,
    unit_result,
    unit_steps,
    unit_tasks,
)
from web.portal import Portal, SignedUnit, cycle_context, local, page_language, portal_of, render, say, signed_unit
from web.rules import rule_words
from web.security import EVIDENCE_BYTES, EVIDENCE_FILES, checked_form
from web.words import words_for

router = APIRouter(prefix="/unit")
FORM_SUFFIXES = (".xlsx", ".csv", ".json")
UPLOADS = {"self-assessment": submit_self_assessment, "explanation": submit_explanation}
SAFE_NAME = re.compile(r"[^\w.\-]+")
SIGN_IN_LINK = re.compile(r"https?://\S+/signin/\S+")


def _unit(request: Request, session) -> tuple[SignedUnit, Unit]:
    who = signed_unit(request)
    unit = unit_of(session, who.cycle_id, who.code)
    if unit is None:
        raise HTTPException(401)
    return who, unit


@router.get("")
def unit_home(request: Request) -> Response:
    portal = portal_of(request)
    with portal.session() as session:
        who, unit = _unit(request, session)
        ctx = cycle_context(session, who.cycle_id)
        tasks = unit_tasks(session, ctx, unit)
        messages = unit_messages(session, who.cycle_id, unit)
        zone = ctx.calendar.zone
        return render(request, "unit_home.html", unit=unit, ctx=ctx, tasks=tasks, messages=messages,
                      state_key=unit_state_key(unit.state, {task.stage: task.status for task in tasks}),
                      steps=unit_steps(session, unit, tasks), countdown=countdown(ctx, tasks, at=portal.clock()),
                      self_receipts=receipts(session, unit, ScoreKind.SELF_ASSESSED),
                      explaining=_may_explain(session, ctx, unit, portal.clock()),
                      self_assessing=_may_self_assess(ctx, unit),
                      local=lambda instant: local(instant, zone))


@router.get("/tasks/{assignment_id}")
def unit_task(request: Request, assignment_id: int) -> Response:
    portal = portal_of(request)
    with portal.session() as session:
        who, unit = _unit(request, session)
        ctx = cycle_context(session, who.cycle_id)
        found = [t for t in unit_tasks(session, ctx, unit, with_details=True) if t.assignment_id == assignment_id]
        if not found:
            raise HTTPException(404)  # not this unit's: the same answer as no such task
        zone = ctx.calendar.zone
        return render(request, "unit_task.html", unit=unit, ctx=ctx, task=found[0],
                      self_assessing=_may_self_assess(ctx, unit), local=lambda instant: local(instant, zone))


@router.get("/form/{kind}")
def download_form(request: Request, kind: str) -> Response:
    portal = portal_of(request)
    if kind not in UPLOADS:
        raise HTTPException(404)
    with portal.session() as session:
        who, _ = _unit(request, session)
    part = prefilled_form(portal.engine, who.cycle_id, kind, who.code)
    return Response(part.data, media_type=part.content_type,
                    headers={"content-disposition": f'attachment; filename="{part.filename}"'})


@router.post("/upload/{kind}")
async def upload_form(request: Request, kind: str) -> Response:
    """The same intake as `parindex submit`: accepted whole, or refused whole with every problem listed."""
    if kind not in UPLOADS:
        raise HTTPException(404)
    who, unit = await run_in_threadpool(_signed_in_unit, request)
    form = await checked_form(request, max_files=1, max_fields=5)
    upload = form.get("file")
    if not isinstance(upload, UploadFile) or not upload.filename:
        return _refused(request, unit, [FormProblem("", "no-file", say(request, "file"))], kind=kind)
    name = _safe_name(upload.filename)
    if not name.lower().endswith(FORM_SUFFIXES):
        return _refused(request, unit, [FormProblem(name, "file-type", ".xlsx, .csv, .json")], kind=kind)
    data = await upload.read()
    return await run_in_threadpool(_intake, request, unit, who, kind, name, data)  # parsing, SQL: off the loop


def _signed_in_unit(request: Request) -> tuple[SignedUnit, Unit]:
    with portal_of(request).session() as session:
        return _unit(request, session)


def _intake(request: Request, unit: Unit, who: SignedUnit, kind: str, name: str, data: bytes,
            heading: str = "refused") -> Response:
    portal = portal_of(request)
    with tempfile.TemporaryDirectory(prefix="parindex-upload-") as folder:
        path = Path(folder) / name
        path.write_bytes(data)
        try:
            result = committed(portal.engine, lambda session: UPLOADS[kind](
                session, path, Inputs(who.actor, portal.clock(), cycle_id=who.cycle_id)))
        except FormRejected as rejected:
            problems = [FormProblem(name, p.rule, p.message.replace(folder + "/", "").replace(folder, ""), p.sheet,
                                    p.row, p.column) for p in rejected.problems]
            return _refused(request, unit, problems, heading=heading, kind=kind)
        except Refused as refused:
            return _refused(request, unit, [FormProblem(name, "refused", str(refused).replace(folder, ""))],
                            heading=heading, kind=kind)
    t = words_for(page_language(request))
    summary = t("accepted_summary", kind=t(f"kind.{result.kind}"), units=len(result.units), rows=result.rows)
    if result.late:
        summary += " " + t("accepted_late")
    return render(request, "unit_accepted.html", unit=unit, kind=kind, name=name, summary=summary,
                  from_draft=heading == "explanation_refused", receipt=_receipt_words(request, unit, kind))


def _receipt_words(request: Request, unit: Unit, kind: str) -> str:
    """The receipt of what was just recorded: its version, time and total (or lines explained)."""
    with portal_of(request).session() as session:
        sent = receipts(session, unit, ScoreKind.SELF_ASSESSED if kind == "self-assessment" else ScoreKind.EXPLAINED)
        zone = cycle_context(session, unit.cycle_id).calendar.zone
    if not sent:
        return ""
    newest, language = sent[0], page_language(request)
    if kind == "self-assessment":
        return say(request, "receipt_self", version=newest.version, at=local(newest.at, zone),
                   total=number(newest.total, language))
    return say(request, "receipt_explanation", version=newest.version, at=local(newest.at, zone),
               count=newest.explained)


def _refused(request: Request, unit: Unit, problems: list[FormProblem], *, heading: str = "refused",
             kind: str = "") -> Response:
    """What to fix, row by row, in words (no rule codes), and the same upload again on the page (the draft's boxes
    for explanations sent from them)."""
    language = page_language(request)
    return render(request, "unit_refused.html", status=422, unit=unit, problems=problems[:500],
                  more=max(len(problems) - 500, 0), count=len(problems), heading=heading, kind=kind,
                  rule_words=lambda rule: rule_words(rule, language))


def _safe_name(filename: str) -> str:
    base = Path(filename.replace("\\", "/")).name
    return SAFE_NAME.sub("_", base)[:120].lstrip(".") or "form"



@router.get("/evidence")
def evidence_page(request: Request) -> Response:
    portal = portal_of(request)
    with portal.session() as session:
        who, _ = _unit(request, session)
    return _evidence_answer(request, who, [], 0, 200, chosen=str(request.session.pop("evidence_chosen", ""))[:32],
                            notice=str(request.session.pop("evidence_notice", ""))[:200])


@router.post("/evidence")
async def attach_evidence(request: Request) -> Response:
    who, _ = await run_in_threadpool(_signed_in_unit, request)
    try:
        form = await checked_form(request, max_files=EVIDENCE_FILES, max_fields=EVIDENCE_FILES + 4)
    except HTTPException as refused:
        if refused.status_code != 400:
            raise
        return await run_in_threadpool(_evidence_answer, request, who, [
            say(request, "too_many_files", count=EVIDENCE_FILES)], 0, 400, chosen="")
    criterion = str(form.get("criterion", ""))[:32]
    uploads = [item for item in form.getlist("files") if isinstance(item, UploadFile) and item.filename]
    files = [(_safe_name(upload.filename or ""), await upload.read(EVIDENCE_BYTES + 1)) for upload in uploads]
    return await run_in_threadpool(_store_evidence, request, who, criterion, files)  # hashing, SQL: off the loop


def _store_evidence(request: Request, who: SignedUnit, criterion: str, files: list[tuple[str, bytes]]) -> Response:
    portal = portal_of(request)
    with portal.session() as session:
        _, unit = _unit(request, session)
        open_now = _may_change_evidence(session, cycle_context(session, who.cycle_id), unit, portal.clock())
    if not open_now:
        return _evidence_answer(request, who, [say(request, "evidence_closed")], 0, 409, chosen=criterion)
    refusals: list[str] = []
    for name, data in files:
        try:
            committed(portal.engine, _evidence_of_one_file(portal, who, criterion, name, data))
        except EvidenceRefused as refused:
            refusals.append(f"{name}: {rule_words(refused.rule, page_language(request))}")
    if not files:
        refusals.append(say(request, "no_evidence"))
    if not refusals:  # after a post, a redirect: reloading the page never sends the files again
        return _after_evidence_change(request, f"{say(request, 'attached')}: {len(files)}", criterion)
    return _evidence_answer(request, who, refusals, len(files) - len(refusals), 422, chosen=criterion)


def _after_evidence_change(request: Request, notice: str, criterion: str) -> Response:
    request.session["evidence_notice"], request.session["evidence_chosen"] = notice, criterion
    return RedirectResponse("/unit/evidence", status_code=303)


def _evidence_answer(request: Request, who: SignedUnit, refusals: list[str], saved: int, status: int, *,
                     chosen: str, notice: str = "") -> Response:
    """The evidence page: the files sent, newest first, in words a clerk reads (criterion, file, size, when); the
    criterion just used still chosen, so that the next batch goes to it too."""
    portal = portal_of(request)
    with portal.session() as session:
        _, unit = _unit(request, session)
        ctx = cycle_context(session, who.cycle_id)
        zone = ctx.calendar.zone
        return render(request, "unit_evidence.html", status=status, unit=unit, notice=notice,
                      changeable=_may_change_evidence(session, ctx, unit, portal.clock()),
                      criteria=evidence_criteria(session, unit), chosen=chosen,
                      files=evidence_of(session, who.cycle_id, who.code), refusals=refusals, saved=saved,
                      when=lambda instant: local(instant, zone))



def _evidence_of_one_file(portal: Portal, who: SignedUnit, criterion: str, filename: str,
                          data: bytes) -> Callable[[Session], object]:
    """One file's evidence recorded in its own transaction (tasks.engine.events.committed)."""
    return lambda session: record_evidence(
        session, cycle_context(session, who.cycle_id), unit_code=who.code, criterion_code=criterion,
        filename=filename, data=data, actor=who.actor, at=portal.clock(), folder=portal.evidence_dir)

@router.post("/evidence/{evidence_id}/remove")
async def remove_evidence_file(request: Request, evidence_id: int) -> Response:
    """Take a file off the unit's list while its stage takes input, or put another file in its place (the same
    criterion); both in the history, in one transaction."""
    who, _ = await run_in_threadpool(_signed_in_unit, request)
    form = await checked_form(request, max_files=1, max_fields=4)
    upload = form.get("file")
    replacement = None
    if isinstance(upload, UploadFile) and upload.filename:
        replacement = (_safe_name(upload.filename), await upload.read(EVIDENCE_BYTES + 1))
    return await run_in_threadpool(_remove_evidence, request, who, evidence_id, replacement)


def _remove_evidence(request: Request, who: SignedUnit, evidence_id: int,
                     replacement: tuple[str, bytes] | None) -> Response:
    portal = portal_of(request)
    with portal.session() as session:
        _, unit = _unit(request, session)
        ctx = cycle_context(session, who.cycle_id)
        if not any(f.id == evidence_id for f in evidence_of(session, who.cycle_id, who.code)):
            raise HTTPException(404)  # not this unit's file: the same answer as no such file
        open_now = _may_change_evidence(session, ctx, unit, portal.clock())
    if not open_now:
        return _evidence_answer(request, who, [say(request, "evidence_closed")], 0, 409, chosen="")

    def change(session: Session) -> str:
        context = cycle_context(session, who.cycle_id)
        gone = remove_evidence(session, context, unit_code=who.code, evidence_id=evidence_id, actor=who.actor,
                               at=portal.clock(), reason=say(request, "replaced") if replacement else "")
        if replacement:
            record_evidence(session, context, unit_code=who.code, criterion_code=gone.criterion_code,
                            filename=replacement[0], data=replacement[1], actor=who.actor, at=portal.clock(),
                            folder=portal.evidence_dir)
        return gone.criterion_code

    try:
        criterion = committed(portal.engine, change)
    except EvidenceRefused as refused:
        name = replacement[0] if replacement else ""
        return _evidence_answer(request, who, [f"{name}: {rule_words(refused.rule, page_language(request))}"], 0,
                                422, chosen="")
    except Refused:
        raise HTTPException(404) from None  # not this unit's file: the same answer as no such file
    return _after_evidence_change(request, say(request, "evidence_replaced" if replacement else "evidence_removed"),
                                  criterion)


def _may_change_evidence(session: Session, ctx: CycleContext, unit: Unit, at: datetime) -> bool:
    """Evidence goes with the self-assessment and the explanations: it changes while either takes input."""
    return _may_self_assess(ctx, unit) or _may_explain(session, ctx, unit, at)


@router.get("/evidence/{digest}")
def evidence_file(request: Request, digest: str) -> Response:
    portal = portal_of(request)
    with portal.session() as session:
        who, _ = _unit(request, session)
        found = [f for f in evidence_of(session, who.cycle_id, who.code) if f.sha256 == digest]
    if not found:
        raise HTTPException(404)
    path = stored_path(portal.evidence_dir, digest)
    if not path.is_file():
        raise HTTPException(404)
    return FileResponse(path, media_type=found[0].content_type, filename=found[0].filename)


@router.get("/draft")
def draft_page(request: Request) -> Response:
    return _draft_answer(request, errors={}, typed={})


def _draft_answer(request: Request, *, errors: dict[str, str], typed: dict[str, str]) -> Response:
    """The draft line by line: the group's points and reason, the unit's newest explanations in its boxes (it
    comes back and changes them until its deadline), the receipt of each sending; with the problems of a sending
    refused on the boxes they belong to, and what was typed kept."""
    portal = portal_of(request)
    with portal.session() as session:
        who, unit = _unit(request, session)
        ctx = cycle_context(session, who.cycle_id)
        lines = draft_lines(session, ctx, unit)
        open_now = _may_explain(session, ctx, unit, portal.clock())
        task = next((t for t in unit_tasks(session, ctx, unit) if t.stage == "explanations"), None)
        zone = ctx.calendar.zone
        return render(request, "unit_draft.html", status=422 if errors else 200, unit=unit, lines=lines,
                      open_now=open_now, has_draft=any(line.appraised is not None for line in lines),
                      receipts=receipts(session, unit, ScoreKind.EXPLAINED), errors=errors, typed=typed,
                      reason_errors={code for code, message in errors.items()
                                     if message == say(request, "reason_for_points")},
                      deadline=task.last_day.strftime("%d/%m/%Y") if task and task.last_day else "",
                      when=lambda instant: local(instant, zone))


def _may_self_assess(ctx: CycleContext, unit: Unit) -> bool:
    """Whether the intake would take the unit's self-assessment now (first, or again before the appraisal): the
    upload form is shown only then."""
    return can_send(ctx, unit, UnitEvent.SUBMIT_SELF_ASSESSMENT) or unit.state == UnitState.SELF_ASSESSED.value


def _may_explain(session: Session, ctx: CycleContext, unit: Unit, at: datetime) -> bool:
    """Whether the unit may send explanations now: its window is open, or it has explained and may send them
    again, changed, until its deadline."""
    if can_send(ctx, unit, UnitEvent.SUBMIT_EXPLANATION):
        return True
    return unit.state == UnitState.EXPLAINED.value and bool(explaining_again(session, ctx, [unit], at=at))


@router.post("/draft")
async def send_explanations(request: Request) -> Response:
    """The boxes of the draft page become an explanation form, sent through the same intake as an uploaded one;
    a box the intake would refuse is shown again on the page, with its problem beside it."""
    who, unit, maxima = await run_in_threadpool(_draft_codes, request)
    form = await checked_form(request, max_fields=2 * len(maxima) + 4)
    rows, errors, typed = [], {}, {}
    for code, most in maxima.items():
        reason = str(form.get(f"explain:{code}", "")).strip()
        points = str(form.get(f"points:{code}", "")).strip().replace(",", ".")
        typed[f"explain:{code}"], typed[f"points:{code}"] = reason, str(form.get(f"points:{code}", "")).strip()
        problem = _box_problem(request, reason, points, most)
        if problem:
            errors[code] = problem
        elif reason or points:
            rows.append({"Chu kỳ": who.cycle_id, "Mã đơn vị": who.code, "Mã tiêu chí": code, "Giải trình": reason,
                         "Điểm": points or None})
    if not rows and not errors:
        return await run_in_threadpool(_draft_answer, request, errors={"": say(request, "nothing_explained")},
                                       typed=typed)
    if errors:
        return await run_in_threadpool(_draft_answer, request, errors=errors, typed=typed)
    data = json.dumps({"Giải trình": rows}, ensure_ascii=False).encode("utf-8")
    return await run_in_threadpool(_intake, request, unit, who, "explanation", "giai-trinh.json", data,
                                   "explanation_refused")


def _box_problem(request: Request, reason: str, points: str, most: Decimal) -> str:
    """What is wrong with one line of the draft, in words; empty when the intake would take it."""
    if not points:
        return ""
    try:
        value = Decimal(points)
    except InvalidOperation:
        return say(request, "points_not_number", value=points)
    if not value.is_finite() or value < 0 or value > most:
        return say(request, "points_out_of_range", value=points, most=number(most, page_language(request)))
    if not reason:
        return say(request, "reason_for_points")
    return ""


def _draft_codes(request: Request) -> tuple[SignedUnit, Unit, dict[str, Decimal]]:
    with portal_of(request).session() as session:
        who, unit = _unit(request, session)
        lines = draft_lines(session, cycle_context(session, who.cycle_id), unit)
        return who, unit, {line.code: line.max_points for line in lines}


@router.get("/result")
def result_page(request: Request) -> Response:
    portal = portal_of(request)
    with portal.session() as session:
        _, unit = _unit(request, session)
        result, letter = unit_result(session, unit)
        page = f"{portal.settings.public_url.rstrip('/')}/unit/result"
        text = SIGN_IN_LINK.sub(page, letter.body_text) if letter else ""  # its sign-in link has done its work
        return render(request, "unit_result.html", unit=unit, result=result, letter=letter, letter_text=text)
