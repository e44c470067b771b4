"""`parindex dashboard start|status|stop`: the Prefect UI coordinators watch, started and stopped by its PID."""

from __future__ import annotations

import json
import os
import signal
from pathlib import Path
from typing import Annotated

import typer

from cli.common import console, errors, user_errors
from cli.orchestration import PrefectServer, stop_process_group

app = typer.Typer(help="The coordinators' dashboard: a Prefect server and its UI under ./var/prefect.",
                  no_args_is_help=True)
HOME = Path("var") / "prefect"
NOTE = HOME / "dashboard.json"


def running() -> dict | None:
    """The dashboard this folder started, if its process still runs."""
    if not NOTE.exists():
        return None
    try:
        note = json.loads(NOTE.read_text())
        os.kill(int(note["pid"]), 0)
    except (ProcessLookupError, PermissionError, TypeError, ValueError, KeyError):
        return None  # no such process, or a note that is not ours to read
    return note


@app.command("start")
def start(port: Annotated[int, typer.Option(help="Port of the UI and its API")] = 4200) -> None:
    """Start the Prefect server and UI in the background (left running; `parindex dashboard stop` ends it)."""
    from models.words import word

    if (note := running()) is not None:
        console.print(word("cli.dashboard_running", url=note["ui_url"], pid=note["pid"]), markup=False)
        return
    os.environ.pop("PREFECT_API_URL", None)
    server = PrefectServer(HOME, keep_running=True, port=port)
    previous = signal.signal(signal.SIGTERM, _interrupted)  # a start stopped by SIGTERM stops its server too
    try:
        with user_errors(), server, server.in_use():
            server.record(NOTE)
    finally:
        signal.signal(signal.SIGTERM, previous)
    console.print(word("cli.dashboard_started", url=server.ui_url, pid=server.process.pid if server.process else "?"),
                  markup=False)


def _interrupted(*_: object) -> None:
    raise KeyboardInterrupt


@app.command("status")
def status() -> None:
    """Whether the dashboard runs, and where."""
    from models.words import word

    note = running()
    if note is None:
        console.print(word("cli.dashboard_not_running"), markup=False)
        raise typer.Exit(1)
    console.print(word("cli.dashboard_status", url=note["ui_url"], pid=note["pid"], api=note["api_url"]), markup=False)


def stop_recorded() -> dict | None:
    """Stop the dashboard recorded under ./var/prefect, if it runs; its note, or None."""
    from cli.web import stop_background

    stop_background()  # the portal a demo started beside it
    note = running()
    if note is not None:
        stop_process_group(int(note["pid"]))
    NOTE.unlink(missing_ok=True)
    return note


@app.command("stop")
def stop() -> None:
    """Stop the dashboard this folder started (by the PID it recorded; no other Prefect server is touched)."""
    from models.words import word

    note = stop_recorded()
    if note is None:
        errors.print(word("cli.dashboard_not_running"), markup=False)
        return
    console.print(word("cli.dashboard_stopped", pid=note["pid"]), markup=False)
