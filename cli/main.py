"""The `parindex` command."""

from __future__ import annotations

from cli.orchestration import quiet_prefect

quiet_prefect()  # before Prefect is imported anywhere: no telemetry; parindex prints its own progress

import os  # noqa: E402
import sys  # noqa: E402

import typer  # noqa: E402
import typer.main  # noqa: E402

from cli import (  # noqa: E402
    audit,
    bench,
    cycle,
    dashboard,
    forms,
    operations,
    outbox,
    recompute,
    season,
    status,
    survey,
    web,
)
from cli.common import errors, one_line, said, user_errors  # noqa: E402
from cli.help_words import localise_help  # noqa: E402
from cli.typer_private import click_errors  # noqa: E402

app = typer.Typer(help="parindex: the PAR Index season, orchestrated.", no_args_is_help=True,
                  pretty_exceptions_enable=False)
app.add_typer(cycle.app, name="cycle")
app.add_typer(survey.app, name="survey")
app.add_typer(dashboard.app, name="dashboard")
app.command("tick")(season.tick_command)
app.command("simulate")(season.simulate_command)
app.command("demo")(season.demo_command)
app.command("status")(status.status_command)
app.command("serve")(season.serve_command)
app.command("extend")(operations.extend_command)
app.command("done")(operations.done_command)
app.add_typer(operations.unit_app, name="unit")
app.command("outbox")(outbox.outbox_command)
app.command("template")(forms.template_command)
app.add_typer(forms.submit_app, name="submit")
app.add_typer(forms.import_app, name="import")
app.command("score")(forms.score_command)
app.command("approve")(forms.approve_command)
app.command("report")(forms.report_command)
app.command("rerun")(audit.rerun_command)
app.command("history")(audit.history_command)
audit.audit_app.command("recompute")(recompute.recompute_command)
app.add_typer(audit.audit_app, name="audit")
app.command("bench")(bench.bench_command)
app.command("web")(web.web_command)
app.add_typer(web.users_app, name="user")


def _words(key: str, /, **values: object) -> str:
    """`word`, and Vietnamese when the settings themselves are what failed."""
    from models.words import word, words_in

    try:
        return word(key, **values)
    except Exception:  # the last message must not fail too
        return words_in("vi")(key, **values)


def main() -> None:
    """The command; an error no command turned into a message still ends as one line, never a traceback
    (PARINDEX_DEBUG=1 shows it)."""
    try:
        with user_errors():  # a refusal no command said itself: said as every refusal is (models.refusals)
            code = localise_help(typer.main.get_command(app)).main(standalone_mode=False, prog_name="parindex")
    except click_errors.NoArgsIsHelpError as help_:
        help_.show()
        sys.exit(help_.exit_code)
    except click_errors.ClickException as error:  # a bad argument or option: one line, and where to read more
        command = error.ctx.command_path if getattr(error, "ctx", None) else "parindex"
        errors.print(said(_words("cli.error"), "bold red") + f" {error.format_message()} "
                     + _words("cli.see_help", command=command), markup=False)
        sys.exit(error.exit_code)
    except typer.Exit as done:
        sys.exit(done.exit_code)
    except typer.Abort:
        errors.print(_words("cli.aborted"))
        sys.exit(1)
    except KeyboardInterrupt:
        errors.print(_words("cli.interrupted"))
        sys.exit(130)
    except Exception as error:
        if os.environ.get("PARINDEX_DEBUG"):
            raise
        errors.print(said(_words("cli.error"), "bold red") + " ", end="")
        errors.print(one_line(error), markup=False)
        sys.exit(1)
    sys.exit(code if isinstance(code, int) else 0)
