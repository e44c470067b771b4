"""`parindex outbox`: what was queued for whom, and what became of it."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from zoneinfo import ZoneInfo

import typer
from rich.table import Table
from rich.text import Text

from cli.common import DbOption, JsonOption, console, database, echo_json, errors, user_errors
from cli.words import cli_words

KINDS = ("opened", "reminder", "overdue", "escalation", "digest", "draft", "result", "correction", "signin",
         "extended")
INSTANTS = ("created_at", "sent_at", "due_at")


def cycle_zones(session, cycle_ids: set[str]) -> dict[str, str]:
    from models.cycle_context import load_context

    return {cycle_id: load_context(session, cycle_id).calendar.zone.key for cycle_id in cycle_ids}


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
    from models.db import session_scope
    from models.tables import MessageStatus, assignee_for_unit
    from notifications.outbox import MessageFilter, list_messages
    from tasks.reads.audit import actor_names

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
            zones = cycle_zones(session, {m.cycle_id for m in messages})
            names = {cycle_id: actor_names(session, cycle_id) for cycle_id in zones}
            rows = [{
                "id": m.id, "cycle": m.cycle_id, "kind": m.kind, "assignee": m.assignee,
                "recipient": names[m.cycle_id].get(m.assignee, m.assignee), "to": m.to_address,
                "cc": [a for a in m.cc_addresses.split(",") if a], "subject": m.subject, "status": m.status,
                "attempts": m.attempts, "last_error": m.last_error or None,
                # deliveries tried: the failed ones, and the one the server accepted
                "tries": m.attempts + (1 if m.status == MessageStatus.SENT.value else 0),
                # instants in the cycle's zone, with its offset (ISO 8601)
                **{name: local_iso(getattr(m, name), zones[m.cycle_id]) for name in INSTANTS},
                "key": m.idempotency_key,
            } for m in messages]
    shown_all = len(rows) == total
    if as_json:
        echo_json(rows)
        if not shown_all:
            errors.print(cli_words()("outbox.showing", shown=len(rows), total=total), markup=False)
        return
    console.print(outbox_table(rows, total, zones))
    if not shown_all:
        console.print(cli_words()("outbox.showing", shown=len(rows), total=total), markup=False)


def local_iso(value: datetime | None, zone: str) -> str | None:
    return value.astimezone(ZoneInfo(zone)).isoformat() if value else None


NARROW = 110  # below this many columns a message is two columns: the mail, and to whom with its subject


def outbox_table(rows: list[dict], total: int, zones: dict[str, str]) -> Table:
    """Seven columns on a wide terminal; on a narrow one (80 columns) three, so that a subject and an address are
    read whole, never cut into a few letters a line."""
    from models.formatting import instant
    from models.settings import get_settings
    from models.words import state_words
    from tasks.engine.reminders import rung_in_key

    t = cli_words()
    language = get_settings().language
    table = Table(title=t("outbox.title", shown=len(rows), total=total), title_justify="left", show_lines=True)
    colours = {"sent": "green", "pending": "yellow", "failed": "red", "cancelled": "dim"}
    if console.width < NARROW:
        table.add_column(t("col.id"), justify="right", no_wrap=True)
        table.add_column(f"{t('col.kind')}\n{t('col.mail_state')}\n{t('col.created')}", min_width=16)
        table.add_column(f"{t('col.to')}\n{t('col.subject')}", ratio=1)
        for row in rows:
            mail = Text(f"{t('mail.' + row['kind'])}\n")
            mail.append(f"{state_words(t, row['status'])} ({row['tries']})", style=colours[row["status"]])
            mail.append("\n" + instant(datetime.fromisoformat(row["created_at"]), zones[row["cycle"]], language)
                        .rsplit(" ", 1)[0])
            whom = Text(f"{row['recipient']}\n", style="bold")
            whom.append(row["to"] + ("\n" + ", ".join(row["cc"]) if row["cc"] else ""), style="dim")
            whom.append(f"\n{row['subject']}")
            if row["last_error"]:
                whom.append(f"\n{row['last_error']}", style="red")
            table.add_row(str(row["id"]), mail, whom)
        return table
    table.add_column(t("col.id"), justify="right", no_wrap=True)
    table.add_column(f"{t('col.kind')}\n{t('col.rung')}", overflow="fold")
    table.add_column(f"{t('col.to')}\n{t('col.cc')}", overflow="fold", ratio=2)
    table.add_column(t("col.subject"), overflow="fold", ratio=3)
    table.add_column(f"{t('col.mail_state')}\n{t('col.attempts')}", overflow="fold")
    table.add_column(f"{t('col.created')}\n{t('col.sent')}", no_wrap=True)
    errors_shown = any(row["last_error"] for row in rows)
    if errors_shown:
        table.add_column(t("col.error"), overflow="fold", ratio=2)
    for row in rows:
        when = "\n".join(instant(datetime.fromisoformat(stamp), zones[row["cycle"]], language)
                         for stamp in (row["created_at"], row["sent_at"]) if stamp)
        recipients = Text(f"{row['recipient']}\n{row['to']}")
        if row["cc"]:
            recipients.append("\n" + ", ".join(row["cc"]), style="dim")
        state = Text(state_words(t, row["status"]), style=colours[row["status"]])
        state.append(f"\n{row['tries']}")
        kind = f"{t('mail.' + row['kind'])}\n{rung_in_key(row['kind'], row['key'])}".rstrip()
        table.add_row(str(row["id"]), kind, recipients, row["subject"], state, when,
                      *([row["last_error"] or ""] if errors_shown else []))
    return table
