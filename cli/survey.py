"""`parindex survey show|plan`: the sociological survey online as a cycle folder plans it (survey.toml)."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from cli.common import DbOption, JsonOption, console, database, said, user_errors
from cli.words import cli_words

app = typer.Typer(help="The sociological survey online: questionnaires and samples.", no_args_is_help=True)
FolderArgument = Annotated[Path, typer.Argument(help="A cycle folder with survey.toml, e.g. calendar/haiphong-2025")]


@app.command()
def show(folder: FolderArgument, as_json: JsonOption = False) -> None:
    """Each block's questionnaire for each respondent group: its questions by field, and the answer scale."""
    from models.definition.loader import load_cycle
    from models.formatting import number
    from models.settings import get_settings
    from models.survey_plan import questionnaires

    with user_errors():
        found = questionnaires(load_cycle(folder))
    if as_json:
        typer.echo(json.dumps([asdict(q) for q in found], ensure_ascii=False, indent=2, default=str))
        return
    t = cli_words()
    for questionnaire in found:
        kind = t("survey.satisfaction_group") if questionnaire.satisfaction else t("survey.ballot_group")
        table = Table(title=t("survey.questionnaire", block=questionnaire.block_name, group=questionnaire.group,
                              name=questionnaire.group_name, kind=kind), show_lines=False, title_justify="left")
        for column in (t("survey.col.page"), t("survey.col.code"), t("survey.col.question"), t("survey.col.points")):
            table.add_column(column, overflow="fold")
        page, field = 0, None
        for question in questionnaire.questions:
            if question.field != field:
                page, field = page + 1, question.field
            table.add_row(str(page), question.code, question.text, number(question.max_points, get_settings().language))
        console.print(table)
        console.print(t("survey.scale", answers="; ".join(f"{answer}. {label}" for answer, label
                                                          in questionnaire.scale.items())), markup=False)
        console.print()
    console.print(t("survey.shown", count=len(found)), markup=False)


@app.command()
def plan(folder: FolderArgument, as_json: JsonOption = False) -> None:
    """Each unit's sample in each respondent group: its population N and the answers to reach,
    n = N / (1 + N·e²) with survey.toml's margin e and minimum, or the plan's fixed number."""
    from models.definition.loader import load_cycle
    from models.formatting import number
    from models.settings import get_settings
    from models.survey_plan import quotas

    with user_errors():
        definition = load_cycle(folder)
        found = quotas(definition)
    if as_json:
        typer.echo(json.dumps([asdict(q) for q in found], ensure_ascii=False, indent=2))
        return
    t = cli_words()
    spec = definition.survey.spec if definition.survey else None
    margin = number(spec.margin_percent if spec else 0, get_settings().language)  # 2,5 %
    table = Table(title=t("survey.plan_title", cycle=definition.id, margin=margin, minimum=spec.minimum if spec else 0),
                  title_justify="left")
    for column in (t("col.unit"), t("survey.col.group"), "N", "n", t("survey.col.rule")):
        table.add_column(column, overflow="fold")
    language = get_settings().language
    for quota in found:
        table.add_row(f"{quota.unit} {quota.unit_name}", f"{quota.group}. {quota.group_name}",
                      number(quota.population, language), number(quota.size, language), t(f"survey.rule.{quota.rule}"))
    console.print(table)
    console.print(t("survey.planned", units=len({q.unit for q in found}), quotas=len(found),
                    answers=number(sum(q.size for q in found), language),
                    people=number(sum(q.population for q in found), language)), markup=False)


@app.command()
def codes(cycle_id: Annotated[str, typer.Argument(help="A registered cycle")],
          out: Annotated[Path, typer.Option("--out", help="The CSV file the codes are written to")],
          db: DbOption = "") -> None:
    """Single-use codes for the groups survey.toml gives codes to (officials): as many as each link's quota,
    written once to a CSV file to print on the invitations (only their hashes are kept)."""
    import csv
    from datetime import UTC, datetime

    from models.cycle_context import load_context
    from models.settings import get_settings
    from tasks.engine.events import committed
    from tasks.survey.online import issue_codes

    with user_errors():
        issued = committed(database(db), lambda session: issue_codes(session, load_context(session, cycle_id),
                                                                     at=datetime.now(UTC)))
    t = cli_words()
    base = get_settings().public_url.rstrip("/")
    if issued:
        if "127.0.0.1" in base or "localhost" in base:  # the invitations would point at this machine
            console.print(said(t("cli.note"), "yellow") + " " + t("survey.loopback_url", url=base), markup=False)
        with out.open("w", newline="", encoding="utf-8-sig") as handle:
            out.chmod(0o600)  # the codes open responses: readable by their owner only
            writer = csv.writer(handle)
            writer.writerow([t("survey.col.unit_code"), t("survey.col.unit_name"), t("survey.col.group"),
                             t("survey.col.link"), t("survey.col.single_code")])
            writer.writerows([(c.unit_code, c.unit_name, f"{c.group_no}. {c.group_name}", f"{base}/khao-sat/{c.token}",
                               c.code) for c in issued])
    console.print(said(t("cli.ok"), "green") + " " + (t("survey.codes_written", count=len(issued), file=str(out))
                                                       if issued else t("survey.no_new_codes")), markup=False)


@app.command()
def export(cycle_id: Annotated[str, typer.Argument(help="A registered cycle")],
           out: Annotated[Path, typer.Option("--out", help="The file written: .csv or .xlsx")],
           db: DbOption = "") -> None:
    """The sent responses, a row a question (counted or set aside and why, when, how long; nothing of the
    person), for the survey body's own analysis: the same rows as the survey page's downloads."""
    from models.cycle_context import load_context
    from models.db import session_scope
    from tasks.survey import export as written

    t = cli_words()
    if out.suffix.lower() not in (".csv", ".xlsx"):
        console.print(said(t("cli.refused"), "bold red") + " " + t("survey.export_suffix", file=str(out)),
                      markup=False)
        raise typer.Exit(2)
    with user_errors(), session_scope(database(db)) as session:
        ctx = load_context(session, cycle_id)
        body = written.responses_csv(session, ctx) if out.suffix.lower() == ".csv" else \
            written.responses_xlsx(session, ctx, title=t("survey.sheet_responses"))
        rows = len(written.response_rows(session, ctx))
    out.write_bytes(body)
    console.print(said(t("cli.ok"), "green") + " " + t("survey.exported", rows=rows, file=str(out)), markup=False)
