"""`parindex outbox`: what was queued for whom, and what became of it."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.text import Text

from cli.common import DbOption, JsonOption, console, database, echo_json, table_of, user_errors
from models.db import session_scope
from models.tables import MessageStatus, assignee_for_unit
from notifications.outbox import MessageFilter, list_messages

KINDS = ("opened", "reminder", "overdue", "escalation", "digest", "draft", "result", "correction", "signin")


def outbox_command(
    cycle: Annotated[str | None, typer.Option(help="Only this cycle")] = None,
    unit: Annotated[str | None, typer.Option(help="Only messages to this unit (its code)")] = None,
    body: Annotated[str | None, typer.Option(help="Only messages to this body (its code)")] = None,
    kind: Annotated[str | None, typer.Option(help=f"Only this kind: {', '.join(KINDS)}")] = None,
    status: Annotated[str | None, typer.Option(help="Only this state: pending, sent, failed, cancelled")] = None,
    limit: Annotated[int, typer.Option(min=1, help="At most this many, newest first")] = 200,
    db: DbOption = "", as_json: JsonOption = False,
) -> None:
    """List outbox messages with their state: pending, sent, failed (with the last error) or cancelled."""
    with user_errors():
        if kind is not None and kind not in KINDS:
            raise typer.BadParameter(f"{kind!r} is not one of {', '.join(KINDS)}", param_hint="--kind")
        if status is not None and status not in {s.value for s in MessageStatus}:
            raise typer.BadParameter(f"{status!r} is not one of pending, sent, failed, cancelled",
                                     param_hint="--status")
        if unit and body:
            raise typer.BadParameter("give --unit or --body, not both", param_hint="--unit")
        assignee = assignee_for_unit(unit) if unit else f"body:{body}" if body else None
        wanted = MessageFilter(cycle_id=cycle, assignee=assignee, kind=kind, status=status, limit=limit)
        with session_scope(database(db)) as session:
            total, messages = list_messages(session, wanted)
            rows = [{
                "id": m.id, "cycle": m.cycle_id, "kind": m.kind, "assignee": m.assignee, "to": m.to_address,
                "cc": [a for a in m.cc_addresses.split(",") if a], "subject": m.subject, "status": m.status,
                "attempts": m.attempts, "last_error": m.last_error or None,
                "created_at": m.created_at.isoformat(), "sent_at": m.sent_at.isoformat() if m.sent_at else None,
                "due_at": m.due_at.isoformat() if m.due_at else None, "key": m.idempotency_key,
            } for m in messages]
    if as_json:
        echo_json(rows)
        return
    table = table_of(f"outbox: {len(rows)} of {total} message(s), newest first",
                     ("id", "kind", "to", "subject", "state", "tries", "last error"))
    colours = {"sent": "green", "pending": "yellow", "failed": "red", "cancelled": "dim"}
    for row in rows:
        state = Text(row["status"], style=colours[row["status"]])
        table.add_row(str(row["id"]), row["kind"], f"{row['assignee']}\n{row['to']}", row["subject"], state,
                      str(row["attempts"]), row["last_error"] or "")
    console.print(table)
