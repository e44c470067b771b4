"""`parindex template|submit|import|score|approve`: forms out, files in, scores computed, results approved."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from cli.common import (
    AtOption,
    DbOption,
    UserError,
    console,
    database,
    instant_of,
    said,
    user_errors,
)
from cli.words import cli_words

if TYPE_CHECKING:
    from sqlmodel import Session

FileArgument = Annotated[Path, typer.Argument(help="An .xlsx, .csv or .json file")]
ByOption = Annotated[str, typer.Option("--by", help="Who sends it (recorded in the history)")]
BodyByOption = Annotated[str, typer.Option(
    "--by", help="Who sends it (recorded in the history); default: the cycle's body of that role, by its code")]
UnitByOption = Annotated[str, typer.Option(
    "--by", help="Who sends it: the unit itself by default (unit:CODE), or staff on its behalf as operator:<name> or "
    "coordinator:<name>")]
submit_app = typer.Typer(help="A unit sends its self-assessment or its explanations.", no_args_is_help=True)
import_app = typer.Typer(help="The working group's appraisal, the institute's survey, last year's results.",
                         no_args_is_help=True)


def template_command(
    kind: Annotated[str, typer.Argument(help="self-assessment | explanation | appraisal | survey | results")],
    cycle: Annotated[str, typer.Option("--cycle", help="A registered cycle")],
    out: Annotated[Path, typer.Option("-o", "--out", help="The .xlsx file to write")],
    unit: Annotated[str | None, typer.Option(help="The unit (self-assessment, explanation)")] = None,
    block: Annotated[str | None, typer.Option(help="Only this block's units (appraisal)")] = None,
    round_: Annotated[str, typer.Option("--round", help="Appraisal round whose form to prefill: 1, 2, final")] = "1",
    force: Annotated[bool, typer.Option("--force", help="Replace the file if it exists")] = False,
    db: DbOption = "",
) -> None:
    """Write a prefilled form: the criteria tree with maximum points, and the columns to fill in."""
    from models.db import session_scope
    from models.words import word
    from tasks.inputs.form_templates import TEMPLATE_KINDS, write_template

    with user_errors():
        if kind not in TEMPLATE_KINDS:
            raise UserError(word("err.no_form", kind=kind, forms=", ".join(TEMPLATE_KINDS)))
        if out.suffix.lower() != ".xlsx":
            raise UserError(word("err.template_xlsx", out=out))
        if round_ not in ("1", "2", "final"):
            raise UserError(word("err.round", round=round_, rounds="1, 2, final"))
        if out.exists() and not force:
            raise UserError(word("err.out_exists", out=out))
        if not out.parent.is_dir():
            raise UserError(word("err.out_folder", out=out, folder=out.parent))
        with session_scope(database(db)) as session:
            rows = write_template(session, kind=kind, cycle_id=cycle, out=out, unit=unit, block=block, round_=round_)
    t = cli_words()
    console.print(said(t("cli.wrote"), "green") + " " + t("cli.template", out=out, kind=t(f"form.{kind}"), cycle=cycle,
                                                          rows=rows), markup=False)


def _run_import(path: Path, by: str, at: str | None, db: str, record: Callable) -> None:
    from tasks.engine.events import committed
    from tasks.inputs.imports import Inputs

    with user_errors():
        who = Inputs(by.strip(), instant_of(at, db))
        result = committed(database(db), lambda session: record(session, path, who))
    console.print(said(cli_words()("cli.accepted"), "green") + f" {path}: {result.summary()}")


@submit_app.command("self-assessment")
def submit_self_assessment(file: FileArgument, by: UnitByOption = "", at: AtOption = None, db: DbOption = "") -> None:
    """A unit's self-assessment: every appraised criterion scored, evidence where the set requires it."""
    from tasks.inputs.imports import submit_self_assessment as record

    _run_import(file, by, at, db, record)


@submit_app.command("explanation")
def submit_explanation(file: FileArgument, by: UnitByOption = "", at: AtOption = None, db: DbOption = "") -> None:
    """A unit's explanations of the round-1 draft: reasons, evidence, proposed points."""
    from tasks.inputs.imports import submit_explanation as record

    _run_import(file, by, at, db, record)


@import_app.command("appraisal")
def import_appraisal(file: FileArgument,
                     round_: Annotated[str, typer.Option("--round", help="1, 2, or final (the council's)")],
                     by: BodyByOption = "", at: AtOption = None, db: DbOption = "") -> None:
    """The working group's appraisal of any units, round 1 or 2, or the council's final scores."""
    from models.words import word
    from tasks.inputs.imports import APPRAISAL_ROUNDS
    from tasks.inputs.imports import import_appraisal as record

    if round_ not in APPRAISAL_ROUNDS:
        with user_errors():
            raise UserError(word("err.round", round=round_, rounds=", ".join(APPRAISAL_ROUNDS)))
    _run_import(file, by, at, db, lambda session, path, who: record(session, path, round_, who))


@import_app.command("survey")
def import_survey(file: FileArgument, by: BodyByOption = "", at: AtOption = None, db: DbOption = "") -> None:
    """The institute's results: points per unit and criterion, or ballots (A/B/C/D) and satisfaction rates."""
    from tasks.inputs.imports import import_survey as record

    _run_import(file, by, at, db, record)


@import_app.command("results")
def import_results(file: FileArgument,
                   year: Annotated[int, typer.Option(help="The year the results are of", min=2000, max=2100)],
                   by: BodyByOption = "", at: AtOption = None, db: DbOption = "") -> None:
    """An earlier year's published results, for year-on-year change and accountability."""
    from tasks.inputs.imports import import_prior_results as record

    _run_import(file, by, at, db, lambda session, path, who: record(session, path, year, who))


def score_command(cycle_id: Annotated[str, typer.Argument(help="A registered cycle")],
                  by: ByOption = "parindex-operator", at: AtOption = None, db: DbOption = "") -> None:
    """Score every block whose inputs are complete now, and say what the others are missing."""
    from models.cycle_context import load_context
    from tasks.engine.events import committed
    from tasks.engine.scoring import missing_inputs, score_ready_blocks

    with user_errors():
        when = instant_of(at, db, cycle_id)

        def score(session: Session) -> tuple[dict[str, int], dict[str, list[str]]]:
            ctx = load_context(session, cycle_id)
            return (score_ready_blocks(session, ctx, at=when, actor=by.strip() or "parindex-operator",
                                       flow_run_id=None, force=True), missing_inputs(session, ctx))

        scored, missing = committed(database(db), score)
        t = cli_words()
        for block, count in scored.items():
            console.print(said(t("cli.scored"), "green") + " " + t("cli.scored_block", block=block, count=count))
        for block, lines in missing.items():
            console.print(said(t("cli.not_scored", block=block), "yellow") + t("cli.lacking", count=len(lines)))
            for line in lines[:20]:
                console.print(f"  - {line}", markup=False)
            if len(lines) > 20:
                console.print("  " + t("cli.more_problems", count=len(lines) - 20))
        if missing:
            raise UserError(t("cli.blocks_unscored", count=len(missing)), exit_code=2)


def approve_command(cycle_id: Annotated[str, typer.Argument(help="A registered cycle")],
                    by: Annotated[str, typer.Option("--by", help="Who approves (the council's chair)")],
                    reason: Annotated[str, typer.Option(help="The decision, e.g. its number")] = "",
                    at: AtOption = None, db: DbOption = "") -> None:
    """The council approves the computed results; the next tick announces them."""
    from models.cycle_context import load_context
    from models.words import word
    from tasks.engine.events import committed
    from tasks.inputs.intake import approve_results

    with user_errors():
        if not by.strip():
            raise UserError(word("err.empty_option", option="--by"))
        when = instant_of(at, db, cycle_id)
        count = committed(database(db), lambda session: approve_results(
            session, load_context(session, cycle_id), at=when, actor=by.strip(), reason=reason.strip()))
    t = cli_words()
    console.print(said(t("cli.approved"), "green") + " " + t("cli.approved_line", cycle=cycle_id, count=count))


def report_command(cycle_id: Annotated[str, typer.Argument(help="A registered cycle")],
                   out: Annotated[Path, typer.Option("--out", help="Folder for results.xlsx and report.html")],
                   pdf: Annotated[bool, typer.Option("--pdf", help="Also report.pdf: the report as A4 pages")] = False,
                   db: DbOption = "") -> None:
    """Write results.xlsx (a sheet per block and group, bands, rewards, accountability) and report.html (the
    analysis report, offline); with --pdf, report.pdf to hand to the council."""
    from datetime import UTC, datetime

    from cli.words import cli_words
    from models.db import session_scope
    from notifications.report import write_report_pdf
    from tasks.reads.reporting import produce_report

    with user_errors(), session_scope(database(db)) as session:
        report, xlsx, html = produce_report(session, cycle_id, out, at=datetime.now(UTC))
    files = [xlsx, html] + ([write_report_pdf(html, html.with_suffix(".pdf"))] if pdf else [])
    scored = sum(len(block.units) for block in report.blocks)
    t = cli_words()
    console.print(said(t("cli.ok"), "green") + " " + t(
        "report.wrote", files=", ".join(map(str, files)), scored=scored, total=report.units_total,
        blocks=len(report.blocks)) + ("" if report.approved_at else t("report.not_approved")), markup=False)
