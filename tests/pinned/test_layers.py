"""What each door loads when it starts, read in a fresh interpreter: the CLI's help loads no database layer, no
Prefect and no web stack; the portal loads no Prefect; neither the portal nor the scheduler loads the replay and
benchmark code (tasks/simulation)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.conftest import ROOT

pytestmark = pytest.mark.one_pass
HEAVY = ("prefect", "sqlalchemy", "sqlmodel", "alembic", "openpyxl", "fastapi", "uvicorn", "weasyprint",
         "pydantic_settings", "babel", "tasks.simulation.simulation", "tasks.simulation.synthetic",
         "tasks.simulation.respondents")
REPLAY = {"tasks.simulation.simulation", "tasks.simulation.synthetic", "tasks.simulation.respondents"}


def loaded_by(module: str) -> set[str]:
    code = f"import sys, json, {module}; print(json.dumps([m for m in {HEAVY!r} if m in sys.modules]))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    return set(json.loads(done.stdout))


def test_the_cli_starts_with_typer_and_rich_alone():
    assert loaded_by("cli.main") == set()


def test_help_loads_nothing_but_typer_and_rich():
    code = ("import sys, io, json, contextlib; sys.argv = ['parindex', '--help']; import cli.main\n"
            "with contextlib.redirect_stdout(io.StringIO()):\n"
            "    try:\n        cli.main.main()\n    except SystemExit:\n        pass\n"
            f"print(json.dumps([m for m in {HEAVY!r} if m in sys.modules]))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    assert json.loads(done.stdout) == []


def test_the_portal_loads_no_prefect_and_no_replay_code():
    assert not loaded_by("web.app") & {"prefect", *REPLAY}


def test_the_scheduler_loads_no_replay_code_and_no_web_stack():
    assert not loaded_by("flows.schedule") & {*REPLAY, "fastapi", "uvicorn"}
