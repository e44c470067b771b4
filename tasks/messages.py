"""What every message's template is given: who it is for, the cycle, the coordinator, the status link."""

from __future__ import annotations

from typing import Any

from models.cycle_context import CycleContext
from models.settings import Settings


def status_url(settings: Settings, cycle_id: str, assignee: str) -> str:
    return f"{settings.status_base_url}/{cycle_id}/{assignee}"


def message_context(ctx: CycleContext, settings: Settings, *, title: str, recipient_name: str,
                    **specific: Any) -> dict[str, Any]:
    """The variables every template uses, plus the message's own."""
    return {"lang": settings.language, "title": title, "cycle_title": ctx.title, "recipient_name": recipient_name,
            "coordinator_name": ctx.coordinator.name, **specific}
