"""The `parindex` command."""

from __future__ import annotations

from cli.orchestration import quiet_prefect

quiet_prefect()  # before Prefect is imported anywhere: no telemetry; parindex prints its own progress

import typer  # noqa: E402

from cli import audit, bench, cycle, dashboard, forms, operations, outbox, season  # noqa: E402

app = typer.Typer(help="parindex: the PAR Index season, orchestrated.", no_args_is_help=True,
                  pretty_exceptions_enable=False)
app.add_typer(cycle.app, name="cycle")
app.add_typer(dashboard.app, name="dashboard")
app.command("tick")(season.tick_command)
app.command("simulate")(season.simulate_command)
app.command("demo")(season.demo_command)
app.command("status")(season.status_command)
app.command("serve")(season.serve_command)
app.command("extend")(operations.extend_command)
app.command("done")(operations.done_command)
app.command("outbox")(outbox.outbox_command)
app.command("template")(forms.template_command)
app.add_typer(forms.submit_app, name="submit")
app.add_typer(forms.import_app, name="import")
app.command("score")(forms.score_command)
app.command("approve")(forms.approve_command)
app.command("report")(forms.report_command)
app.command("rerun")(audit.rerun_command)
app.command("history")(audit.history_command)
app.add_typer(audit.audit_app, name="audit")
app.command("bench")(bench.bench_command)


def main() -> None:
    app()
