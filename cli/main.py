"""The `parindex` command."""

from __future__ import annotations

import os

# Before Prefect is imported anywhere: no telemetry, and parindex prints its own progress.
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("DO_NOT_TRACK", "1")
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")

import typer

from cli import cycle, season

app = typer.Typer(help="parindex: the PAR Index season, orchestrated.", no_args_is_help=True,
                  pretty_exceptions_enable=False)
app.add_typer(cycle.app, name="cycle")
app.command("tick")(season.tick_command)
app.command("simulate")(season.simulate_command)
app.command("demo")(season.demo_command)
app.command("status")(season.status_command)
app.command("serve")(season.serve_command)


def main() -> None:
    app()
