"""`parindex tick|simulate|demo|status|done|approve`: running and watching a season."""

from __future__ import annotations

import faulthandler
import os
import shutil
import signal
import threading
import time as clock
from datetime import datetime, time, timedelta
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from cli.common import (
    AtOption,
    DbOption,
    JsonOption,
    checked_url,
    console,
    echo_json,
    parse_instant,
    said,
    user_errors,
)
from cli.orchestration import PrefectServer, prefect_api
from cli.words import cli_words

VAR = Path("var")
HANOI = Path("calendar/hanoi-2023")


def tick_command(cycle_id: Annotated[str, typer.Argument(help="A registered cycle, e.g. hanoi-2023")],
                 at: AtOption = None,
                 db: DbOption = "", as_json: JsonOption = False) -> None:
    """Run one tick by hand: reconcile the cycle at an instant."""
    from models.cycle_context import load_context
    from models.db import session_scope
    from models.formatting import instant
    from models.settings import get_settings
    from tasks.engine.runtime import engine_for, using_database

    with user_errors():
        url = checked_url(db)
        when = parse_instant(at, url=url, cycle_id=cycle_id)
        with session_scope(engine_for(url)) as session:
            zone = load_context(session, cycle_id).calendar.zone.key
        from flows.tick import tick

        with prefect_api(VAR / "prefect"), using_database(url):
            result: dict[str, Any] = tick(cycle_id=cycle_id, at=when)
    if as_json:
        echo_json(result)
        return
    t = cli_words()
    at_local = instant(datetime.fromisoformat(result["at"]), zone, get_settings().language)
    console.print(said(t("cli.tick"), "green") + " " + t(
        "cli.tick_line", cycle=cycle_id, at=at_local,
        stages=" · ".join(t(stage) for stage in result["stages"]) or "—", queued=result["queued"],
        sent=result["delivery"]["sent"]), markup=False)


def simulate_command(folder: Annotated[Path, typer.Argument(help="A cycle folder")] = HANOI,
                     seed: Annotated[int, typer.Option(help="Seed of the simulated behaviour")] = 2023,
                     db: DbOption = "") -> None:
    """Replay the cycle's season on a virtual clock through the production flows."""
    with user_errors():
        run_season(folder=folder, seed=seed, database_url=checked_url(db, create=True), dashboard=False)


def demo_command(dashboard: Annotated[bool, typer.Option(help="Leave the Prefect server running after")] = False,
                 seed: Annotated[int, typer.Option(help="Seed of the simulated behaviour")] = 2023) -> None:
    """Fresh database under ./var/, hanoi-2023 loaded, a real SMTP server capturing mail, the season replayed."""
    from cli.dashboard import stop_recorded

    stop_recorded()  # a dashboard left by an earlier demo reads the files removed below
    for stale in ("parindex.db", "parindex.db-wal", "parindex.db-shm", "outbox", "prefect"):
        path = VAR / stale
        shutil.rmtree(path) if path.is_dir() else path.unlink(missing_ok=True)
    with user_errors():
        run_season(folder=HANOI, seed=seed, database_url=f"sqlite:///{VAR / 'parindex.db'}", dashboard=dashboard)


def why_in_words(t, why: str) -> str:
    """A replayed tick's reasons (checkpoint kinds: opens, reminder …; inputs arrived; digest) in words."""
    named = {"inputs arrived": "demo.inputs", "digest": "demo.digest"}
    return ", ".join(t(named.get(reason, f"checkpoint.{reason}")) for reason in why.split(", "))


def run_season(*, folder: Path, seed: int, database_url: str, dashboard: bool) -> None:
    from flows.season import replay_season
    from models.cycle_context import load_context
    from models.db import session_scope, upgrade_schema
    from models.definition.loader import load_cycle
    from models.formatting import number
    from models.settings import get_settings
    from notifications.capture import CaptureServer
    from tasks.engine.runtime import engine_for
    from tasks.operations.registration import register_cycle
    from tasks.reads.recompute import recompute_cycle
    from tasks.reads.reporting import produce_report
    from tasks.reads.summary import season_summary
    from web.survey_respondents import PageAnswering

    started = clock.perf_counter()
    t = cli_words()
    # The Prefect server boots while the cycle is checked and registered; it stops on any error.
    with PrefectServer(VAR / "prefect", keep_running=dashboard) as server:
        definition = load_cycle(folder)
        season = definition.spec.season
        upgrade_schema(database_url)
        loaded = register_cycle(database_url=database_url, folder=folder, actor="parindex-demo",
                                at=definition.calendar.at_local(season.from_, time(0)))
        console.print(said(cli_words()("cli.ok"), "green") + f" {loaded.summary()}")
        with CaptureServer(VAR / "outbox") as smtp:
            os.environ.update({"PARINDEX_SMTP_HOST": "127.0.0.1", "PARINDEX_SMTP_PORT": str(smtp.port)})
            get_settings.cache_clear()
            console.print(t("demo.smtp", port=smtp.port, folder=VAR / "outbox"))
            with server.in_use() as api_url:
                console.print(t("demo.prefect", url=api_url,
                                seconds=number(clock.perf_counter() - started, get_settings().language, 1)))
                with Progress(TextColumn(f"[bold]{t('demo.season')}"), BarColumn(),
                              TextColumn("{task.description}", markup=False),
                              TimeElapsedColumn(), console=console) as progress:
                    span = (season.to - season.from_).days + 1
                    bar = progress.add_task("", total=span)

                    def advance(at: datetime, why: str) -> None:
                        day = definition.calendar.local_date(at)
                        progress.update(bar, completed=(day - season.from_).days,
                                        description=f"{day:%d/%m/%Y} {why_in_words(t, why)}")

                    report = replay_season(database_url=database_url, cycle_id=definition.id, seed=seed,
                                           progress=advance, answering=PageAnswering(get_settings(),
                                                                                     engine_for(database_url)))
                    progress.update(bar, completed=span)
            mails = smtp.received
    season_end = definition.calendar.at_local(season.to + timedelta(days=1), time(0))
    with session_scope(engine_for(database_url)) as session:
        summary = season_summary(session, load_context(session, definition.id), at=season_end)
        _, xlsx, html = produce_report(session, definition.id, VAR / "report", at=season_end)
        checked = recompute_cycle(session, definition.id)
    console.print(t("demo.report", xlsx=xlsx, html=html))
    console.print(said(t("cli.recompute_agree") if not checked.differences else t("cli.recompute_differ"),
                       "green" if not checked.differences else "bold red") + " " + t(
        "demo.recompute", units=checked.units, figures=checked.figures, differences=len(checked.differences)),
        markup=False)
    summary.print(console, ticks=report.ticks, mails=mails, outbox=VAR / "outbox",
                  seconds=clock.perf_counter() - started)
    if dashboard:
        from cli.dashboard import NOTE
        from cli.web import start_background

        server.record(NOTE)
        portal = start_background(database_url)
        console.print(t("demo.ui", url=server.ui_url), markup=False)
        console.print(t("demo.portal", url=portal, folder=VAR / "outbox"), markup=False)


def serve_command(
    cycle_ids: Annotated[list[str] | None, typer.Argument(help="Cycles to serve (default: every active one)")] = None,
    work_pool: Annotated[str | None, typer.Option(
        "--work-pool", help="Hand each tick to this Prefect work pool as a run of the `tick` deployment")] = None,
    db: DbOption = "",
) -> None:
    """Run the clock: one APScheduler job per checkpoint (and a daily safety tick), each running `tick`.
    One serve per database schedules; others wait and take over. SIGTERM or Ctrl-C stops it cleanly."""
    from flows.schedule import serve
    from models.cycle_context import load_context
    from models.db import session_scope, shown_url
    from tasks.engine.leadership import leadership
    from tasks.engine.runtime import engine_for, using_database
    from tasks.reads.dashboard.naming import describe_checkpoint

    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    faulthandler.register(signal.SIGUSR1, all_threads=True)  # `kill -USR1`: where each thread is, on stderr
    with user_errors():
        url = checked_url(db)
        with session_scope(engine_for(url)) as session:
            for cycle_id in cycle_ids or []:
                load_context(session, cycle_id)  # an unknown cycle is refused before anything starts

        t = cli_words()

        def announce(cycle_id: str, ahead: list) -> None:
            where = t("cli.serve_pool", pool=work_pool) if work_pool else t("cli.serve_here")
            console.print(t("cli.serve_ahead", cycle=cycle_id, count=len(ahead), where=where)
                          + (t("cli.serve_next") if ahead else t("cli.serve_nothing")), markup=False)
            for point in ahead[:3]:
                console.print(f"  {describe_checkpoint(cycle_id, point)}", markup=False)

        with using_database(url), leadership(url, stop, waiting=lambda: console.print(
                t("cli.serve_waiting"))) as leading:
            if leading:
                console.print(t("cli.serve_jobs", url=shown_url(url)), markup=False)
                with prefect_api(VAR / "prefect") as api_url:
                    console.print(f"Prefect API {api_url}", markup=False)
                    serve(cycle_ids=cycle_ids or None, stop=stop, work_pool=work_pool, announce=announce)
    console.print(cli_words()("cli.stopped"))
