"""`parindex …` as a user types it, run in this test process (the way Typer's CliRunner runs a command: the
arguments through `cli.main.main`, stdout and stderr captured, the exit code kept) unless the test is about the
process itself. A command that starts servers, flows or children (tick, serve, web, dashboard, demo, simulate,
bench) runs as its own process, as it does for its user."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sqlalchemy import Engine

ROOT = Path(__file__).resolve().parents[2]
PARINDEX = str(Path(sys.executable).parent / "parindex")
OWN_PROCESS = frozenset({"tick", "simulate", "demo", "serve", "web", "dashboard", "bench"})


def run(*args: str, env: dict[str, str] | None = None, process: bool = False) -> subprocess.CompletedProcess[str]:
    """The command's exit code, stdout and stderr. `process=True` for a test of the process boundary (signals,
    exit codes of the interpreter, locks held across processes)."""
    if process or (args and args[0] in OWN_PROCESS):
        return subprocess.run([PARINDEX, *args], capture_output=True, text=True, cwd=ROOT, env=env, timeout=300)
    return in_this_process(list(args), env)


def in_this_process(args: list[str], env: dict[str, str] | None) -> subprocess.CompletedProcess[str]:
    import cli.main
    import tasks.engine.runtime
    from models.db import make_engine

    engines: dict[str, Engine] = {}  # this run's own, disposed at its end as a process's are at its exit

    def engine_for(url: str) -> Engine:
        if url not in engines:
            engines[url] = make_engine(url)
        return engines[url]

    shared = tasks.engine.runtime.engine_for
    tasks.engine.runtime.engine_for = engine_for  # type: ignore[assignment]  # the commands import it when they run
    out, err = io.StringIO(), io.StringIO()
    saved_env, saved_argv, saved_cwd = dict(os.environ), sys.argv, os.getcwd()
    code: int = 0
    try:
        if env is not None:
            os.environ.clear()
            os.environ.update(env)
        _forget_settings()
        os.chdir(ROOT)
        sys.argv = ["parindex", *args]
        with redirect_stdout(out), redirect_stderr(err):
            try:
                cli.main.main()
            except SystemExit as done:
                code = done.code if isinstance(done.code, int) else (0 if done.code is None else 1)
    finally:
        tasks.engine.runtime.engine_for = shared
        for engine in engines.values():
            engine.dispose()
        sys.argv = saved_argv
        os.chdir(saved_cwd)
        os.environ.clear()
        os.environ.update(saved_env)
        _forget_settings()
    return subprocess.CompletedProcess(["parindex", *args], code, out.getvalue(), err.getvalue())


def _forget_settings() -> None:
    """What a new process would read afresh: the settings (its environment) and the URLs it has checked."""
    from cli.common import checked_url
    from models.settings import get_settings

    get_settings.cache_clear()
    checked_url.cache_clear()
