"""`parindex rerun|history|audit`: operators re-open a stage; auditors read and verify the history."""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table
from rich.text import Text

from cli.common import (
    AtOption,
    DbOption,
    JsonOption,
    UserError,
    console,
    database,
    echo_json,
    instant_of,
    said,
    user_errors,
)
from cli.operations import ByOption, CycleOption, ReasonOption, require_text
from cli.words import cli_words
from models.stages import RerunStage

audit_app = typer.Typer(help="The tamper-evident history: verify it, export it.", no_args_is_help=True)


def rerun_command(
    stage: Annotated[RerunStage, typer.Argument(help="The stage to re-open for the unit")],
    cycle: CycleOption, unit: Annotated[str, typer.Option(help="The unit's code")], reason: ReasonOption,
    by: ByOption, at: AtOption = None, db: DbOption = "",
) -> None:
    """Re-open a stage for one unit after a correction; its later stages and its block's results go stale."""
    from models.cycle_context import load_context
    from models.stages import Stage
    from models.words import word
    from tasks.engine.events import committed
    from tasks.operations.rerun import RerunRefused, rerun_stage

    with user_errors():
        actor, why = require_text(by, "--by"), require_text(reason, "--reason")
        try:
            when = instant_of(at, db, cycle)
            result = committed(database(db), lambda session: rerun_stage(
                session, load_context(session, cycle), stage=Stage(stage.value), unit_code=unit, reason=why,
                actor=actor, at=when))
        except RerunRefused as refused:
            raise UserError(word("err.rerun_refused", why=refused)) from None
    t = cli_words()
    console.print(said(t("cli.reopened"), "green") + " " + t(
        "cli.rerun_line", stage=t(result.stage), unit=result.unit, before=t(f"state.{result.from_state}"),
        after=t(f"state.{result.to_state}"), reopened=result.reopened, waiting=result.waiting,
        stale=result.stale_results), markup=False)
    if result.withdrawn_final is not None:
        console.print(said("!", "yellow") + " " + t("cli.final_withdrawn", unit=result.unit,
                                                    version=result.withdrawn_final), markup=False)


def history_command(cycle: CycleOption, unit: Annotated[str, typer.Option(help="The unit's code")],
                    db: DbOption = "", as_json: JsonOption = False) -> None:
    """Every transition, score version, reminder, extension and re-run of a unit, in order, in local time."""
    from models.cycle_context import load_context
    from models.db import session_scope
    from tasks.reads.audit import actor_names, unit_history

    with user_errors(), session_scope(database(db)) as session:
        rows = unit_history(session, cycle, unit)
        zone = load_context(session, cycle).calendar.zone.key
        names = actor_names(session, cycle)
    if as_json:
        echo_json(rows)
        return
    console.print(history_table(rows, cycle=cycle, unit=names.get(f"unit:{unit.upper()}", unit.upper()), zone=zone,
                                names=names))


def readable(value: object, zone: str, language: str, t) -> str:
    """A detail's value as a reader takes it: an instant in local time, a day as dd/mm/yyyy, a number with the
    language's decimal sign and two decimals as points and indexes are published (89,30), yes or no in words."""
    from models.formatting import day, instant, number

    if isinstance(value, bool):
        return t("yes") if value else t("no")
    if isinstance(value, str) and re.fullmatch(r"-?\d+\.\d+", value):
        return number(value, language, 2)
    if isinstance(value, str) and len(value) >= 10 and value[4:5] == "-" and value[7:8] == "-":
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            return value
        return instant(parsed, zone, language) if len(value) > 10 else day(parsed.date(), language)
    return str(value)


def history_table(rows: list[dict], *, cycle: str, unit: str, zone: str, names: dict[str, str]) -> Table:
    """Four columns that wrap, never cut, and fit 80 columns: the row's number, the local time (its day over
    its hour and offset), the event with its change and details, who and why."""
    from models.formatting import instant
    from models.settings import get_settings
    from models.words import actor_words, history_event, state_words

    t = cli_words()
    language = get_settings().language
    table = Table(title=t("history.title", cycle=cycle, unit=unit, count=len(rows), zone=zone), title_justify="left",
                  show_lines=True, expand=False)
    table.add_column("#", justify="right", no_wrap=True)
    table.add_column(t("col.at"), no_wrap=True)
    table.add_column(t("col.what"), overflow="fold", ratio=3)
    table.add_column(t("col.by_why"), overflow="fold", ratio=2)
    for row in rows:
        day, hour, offset = instant(datetime.fromisoformat(row["at"]), zone, language).split(" ")
        what = Text(history_event(t, row["event"]))
        if row["to"]:
            what.append(f"\n{state_words(t, row['from'])} → {state_words(t, row['to'])}".replace("\n → ", "\n→ "),
                        style="bold")
        details = {k: v for k, v in row["details"].items() if k != "key" and v not in (None, "", [], {})}
        if details:
            shown = {k: t(v) if k == "stage" else names.get(f"{k}:{v}") or readable(v, zone, language, t)
                     for k, v in details.items()}
            what.append("\n" + "; ".join(f"{t('detail.' + k).removeprefix('detail.')}: {v}" for k, v in shown.items()),
                        style="dim")
        who = Text(actor_words(t, row["actor"], names))
        if row["reason"]:
            who.append(f"\n{row['reason']}", style="italic")
        table.add_row(str(row["seq"] or ""), f"{day}\n{hour} {offset}", what, who)
    return table


@audit_app.command("verify")
def verify_command(cycle: Annotated[str | None, typer.Option("--cycle", help="Only this cycle")] = None,
                   checkpoints: Annotated[Path | None, typer.Option(
                       "--checkpoints", help="Signed checkpoints exported earlier (parindex audit checkpoints): "
                       "each must still be a prefix of the history")] = None,
                   key: Annotated[str | None, typer.Option(
                       "--key", help="The signer's public key (64 hex digits, or a file holding them); default: "
                       "the configured signing key's")] = None,
                   db: DbOption = "") -> None:
    """Walk every cycle's hash chain: exit 0 when intact, 1 naming the first changed, inserted or removed row.
    With --checkpoints, also prove that the history was not rewritten since each signed checkpoint."""
    from models.db import session_scope
    from tasks.reads.audit import check_checkpoints, verify_cycles

    with user_errors(), session_scope(database(db)) as session:
        verdicts = verify_cycles(session, cycle)
        held, problems = check_checkpoints(session, checkpoints, key) if checkpoints else (0, [])
    t = cli_words()
    if checkpoints:
        for problem in problems:
            console.print(said(t("cli.rewritten") if problem.rewritten else t("cli.invalid"), "bold red") +
                          f" {problem}")
        console.print((said(t("cli.checkpoints"), "green" if not problems else "bold red")) + " " +
                      t("cli.checkpoints_line", held=held, bad=len(problems)))
    broken = [v for v in verdicts if v.broken]
    for verdict in verdicts:
        if verdict.broken:
            b = verdict.broken
            console.print(said(t("cli.broken"), "bold red") + " " + t(
                "cli.broken_line", cycle=verdict.cycle_id, seq=b.seq, row_id=b.row_id, problem=b.problem))
        else:
            console.print(said(t("cli.intact"), "green") + " " +
                          t("cli.intact_line", cycle=verdict.cycle_id, rows=verdict.rows))
    if not verdicts:
        console.print(t("cli.no_cycles"))
    if broken or (checkpoints and problems):
        raise typer.Exit(1)


@audit_app.command("export")
def export_command(cycle: CycleOption,
                   fmt: Annotated[str, typer.Option("--format", help="csv or json")] = "csv",
                   out: Annotated[Path, typer.Option("-o", "--out", help="The file to write")] = Path("history.csv"),
                   db: DbOption = "") -> None:
    """The cycle's whole history with its hashes, for the auditor's own tools."""
    from models.db import session_scope
    from tasks.reads.audit import export_history

    with user_errors():
        if fmt not in ("csv", "json"):
            raise UserError(cli_words()("cli.bad_format", fmt=fmt))
        with session_scope(database(db)) as session:
            count = export_history(session, cycle, out, fmt)
    t = cli_words()
    console.print(said(t("cli.wrote"), "green") + " " + t("cli.exported", out=out, count=count, cycle=cycle, fmt=fmt))


@audit_app.command("checkpoints")
def checkpoints_command(cycle: CycleOption,
                        out: Annotated[Path, typer.Option("-o", "--out", help="The JSON-lines file to write")] =
                        Path("checkpoints.jsonl"),
                        sign: Annotated[bool, typer.Option("--sign", help="Sign today's head first")] = False,
                        at: AtOption = None, db: DbOption = "") -> None:
    """Export the cycle's signed checkpoints (with the public key) to keep apart from the database."""
    from models.db import session_scope
    from tasks.reads.audit import export_checkpoints

    with user_errors():
        when = instant_of(at, db, cycle)
        with session_scope(database(db)) as session:
            count = export_checkpoints(session, cycle, out, sign_now=sign, at=when)
    t = cli_words()
    console.print(said(t("cli.wrote"), "green") + " " + t("cli.checkpoints_exported", out=out, count=count,
                                                          cycle=cycle))


@audit_app.command("access")
def access_command(cycle: Annotated[str | None, typer.Option("--cycle", help="Only this cycle's units")] = None,
                   limit: Annotated[int, typer.Option(help="How many of the newest entries")] = 200,
                   json_out: JsonOption = False, db: DbOption = "") -> None:
    """The portal's sign-in log, newest first: sign-ins of units and staff, wrong staff passwords, sign-outs and
    sessions ended by an account change, with time and address."""
    from models.db import session_scope
    from tasks.operations.portal_sessions import access_events

    with user_errors(), session_scope(database(db)) as session:
        rows = [{"at": e.at.isoformat(), "event": e.event, "actor": e.actor, "cycle": e.cycle_id or "",
                 "address": e.address} for e in access_events(session, cycle_id=cycle, limit=max(1, limit))]
    if json_out:
        echo_json(rows)
        return
    t = cli_words()
    if not rows:
        console.print(t("access.none"), markup=False)
        return
    table = Table(title=t("access.heading"))
    for heading in ("cli.col_at", "cli.col_event", "cli.col_actor", "cli.col_cycle", "cli.col_address"):
        table.add_column(t(heading))
    for row in rows:
        when = datetime.fromisoformat(row["at"]).strftime("%d/%m/%Y %H:%M:%S UTC")
        table.add_row(*(Text(value) for value in (when, t(f"access.{row['event']}"), row["actor"], row["cycle"],
                                                   row["address"])))
    console.print(table)
