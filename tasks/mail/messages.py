"""What every message's template is given: who it is for, the cycle, the coordinator, the link to act on it."""

from __future__ import annotations

from datetime import datetime, time
from typing import Any

from models.cycle_context import CycleContext
from models.settings import Settings
from models.sign_in import pending_sign_in_link

PORTAL_ROLES = frozenset({"coordinator", "working_group", "council"})  # the bodies whose staff sign in to the portal


def has_portal(ctx: CycleContext, assignee: str) -> bool:
    """Whether the assignee acts on the portal: every unit, and the bodies whose staff have accounts; an institute
    or a consultant sends its product to the department instead."""
    kind, _, code = assignee.partition(":")
    return kind == "unit" or (code in ctx.bodies and ctx.bodies[code].role in PORTAL_ROLES)


def status_url(settings: Settings, cycle_id: str, assignee: str, assignment_id: int | None = None,
               page: str = "") -> str:
    """Where the mail's reader acts: a unit gets a sign-in link to the page of that task (or `page`, or its
    home page), signed as the mail leaves (the outbox stores none); a body's staff the cycle's page on the portal,
    behind their own sign-in."""
    kind, _, code = assignee.partition(":")
    if kind == "unit":
        page = f"/unit/tasks/{assignment_id}" if assignment_id else (page or "/unit")
        return pending_sign_in_link(settings, cycle_id=cycle_id, unit_code=code, next_path=page)
    return f"{settings.public_url.rstrip('/')}/staff/{cycle_id}"


def action_link(settings: Settings, ctx: CycleContext, assignee: str, assignment_id: int) -> str:
    """Where an assignee acts on a task: its page on the portal; "" for a body that has none."""
    return status_url(settings, ctx.cycle_id, assignee, assignment_id) if has_portal(ctx, assignee) else ""


def deadline_hour(ctx: CycleContext, due_at: datetime | None) -> str:
    """"17:00" for a deadline that passes at an hour the plan wrote ("Trước 17h00 ngày 05/12/2025"); "" for one
    that passes at midnight, the end of its last day."""
    if due_at is None:
        return ""
    local = due_at.astimezone(ctx.calendar.zone)
    return "" if local.time() == time(0) else f"{local:%H:%M}"


def message_context(ctx: CycleContext, settings: Settings, *, title: str, recipient_name: str,
                    **specific: Any) -> dict[str, Any]:
    """The variables every template uses, plus the message's own: the plan as cited (number, date, issuer) and
    the signature of the department that sends the season's letters, with whom to call."""
    plan = ctx.spec.plan
    return {"lang": settings.language, "title": title, "cycle_title": ctx.title, "recipient_name": recipient_name,
            "coordinator_name": ctx.coordinator.name, "department": department(ctx),
            "coordinator_email": office_email(ctx), "portal_link": True,
            "signature_lines": signature_lines(ctx, settings.language), "plan_document": plan.document,
            "plan_issued": f"{plan.issued:%d/%m/%Y}", "plan_issuer": plan.issuer, **specific}


def office_email(ctx: CycleContext) -> str:
    """Where a unit writes to the department: [office] email, else the coordinating body's."""
    office = ctx.spec.office
    return office.email if office and office.email else ctx.coordinator.email


def department(ctx: CycleContext) -> str:
    office = ctx.spec.office
    return office.department if office else ctx.coordinator.name


def signature_lines(ctx: CycleContext, language: str) -> list[str]:
    """The department, then whom to contact: a section or person, a telephone, an address."""
    office = ctx.spec.office
    lines = [department(ctx)]
    if office is None:
        return lines
    contact = ", ".join(part for part in (office.contact, (("ĐT: " if language == "vi" else "Tel. ") + office.phone)
                                          if office.phone else "", office.email) if part)
    if contact:
        lines.append(("Liên hệ: " if language == "vi" else "Contact: ") + contact)
    if office.address:
        lines.append(office.address)
    return lines
