"""`parindex audit recompute`: every published result recomputed from the score lines, every difference listed."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from rich.table import Table

from cli.common import DbOption, JsonOption, console, database, echo_json, said, user_errors
from cli.operations import CycleOption
from cli.words import cli_words

# Figures shown with the index's published decimals.
INDEX_FIGURES = frozenset({"index_percent", "field", "mean_index", "mean_last_year", "mean_field"})


def recompute_command(cycle: CycleOption, db: DbOption = "", as_json: JsonOption = False) -> None:
    """Recompute every published result of the cycle from its score lines, with a separate plain implementation
    (fractions, nothing shared with scoring), and list every difference with the published tables: exit 0 when
    there is none, 1 when there is one."""
    import typer

    from models.cycle_context import load_context
    from models.db import session_scope
    from models.formatting import number, signed
    from models.settings import get_settings
    from tasks.reads.recompute import recompute_cycle

    with user_errors(), session_scope(database(db)) as session:
        load_context(session, cycle)  # an unknown cycle is refused by name
        found = recompute_cycle(session, cycle)
    if as_json:
        echo_json({"cycle": found.cycle_id, "units": found.units, "blocks": found.blocks, "figures": found.figures,
                   "stale": found.stale, "differences": [d.__dict__ for d in found.differences]})
        raise typer.Exit(1 if found.differences else 0)
    t = cli_words()
    language = get_settings().language

    def shown(what: str, value: str) -> str:
        """A figure as the reader writes it: an index with its published decimals (99,10), points as kept,
        yes or no, the deciding rules in words."""
        if what == "inputs":
            return t(f"recompute.{value}")
        if what == "decided_by":
            return ", ".join(t(f"recompute.rule.{rule}") for rule in value.split(", ") if rule) or "—"
        if value in ("True", "False"):
            return t("yes") if value == "True" else t("no")
        try:
            amount = Decimal(value)
        except InvalidOperation:
            return value
        if what == "mean_change":
            return signed(amount, language, found.places)
        if what in INDEX_FIGURES:
            return number(amount, language, found.places)
        return number(amount, language, None, most=6)

    if found.differences:
        table = Table(title=t("cli.recompute_differences"))
        for column in (t("cli.recompute_subject"), t("cli.recompute_what"), t("cli.recompute_published"),
                       t("cli.recompute_recomputed")):
            table.add_column(column, overflow="fold")
        for d in found.differences:
            block = d.subject.removeprefix("block:")
            subject = found.block_names.get(block, block) if d.subject.startswith("block:") else d.subject
            table.add_row(subject, t(f"recompute.{d.what}", code=d.detail), shown(d.what, d.published),
                          shown(d.what, d.recomputed))
        console.print(table)
    if found.stale:
        more = t("edge.more", count=len(found.stale) - 10) if len(found.stale) > 10 else ""
        console.print(t("cli.recompute_stale", count=len(found.stale), units=", ".join(found.stale[:10]) + more),
                      markup=False)
    summary = t("cli.recompute_line", cycle=found.cycle_id, units=found.units, blocks=found.blocks,
                figures=found.figures, differences=len(found.differences))
    console.print(said(t("cli.recompute_agree") if not found.differences else t("cli.recompute_differ"),
                       "green" if not found.differences else "bold red") + " " + summary, markup=False)
    if found.differences:
        raise typer.Exit(1)
