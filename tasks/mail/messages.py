"""What every message's template is given: who it is for, the cycle, the coordinator, the link to act on it."""

from __future__ import annotations

from typing import Any

from models.cycle_context import CycleContext
from models.settings import Settings
from models.sign_in import pending_sign_in_link


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


def message_context(ctx: CycleContext, settings: Settings, *, title: str, recipient_name: str,
                    **specific: Any) -> dict[str, Any]:
    """The variables every template uses, plus the message's own."""
    return {"lang": settings.language, "title": title, "cycle_title": ctx.title, "recipient_name": recipient_name,
            "coordinator_name": ctx.coordinator.name, **specific}
