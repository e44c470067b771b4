"""`parindex bench --units N`: a synthetic season at scale, measured against raw SQL and raw smtplib."""

from __future__ import annotations

import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import time as clock
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from typing import Annotated, Any

import typer

from cli.common import console, user_errors
from cli.orchestration import PrefectServer, _free_port

VAR = Path("var")


def bench_command(units: Annotated[int, typer.Option(min=1, help="How many units")] = 52,
                  db: Annotated[str, typer.Option("--db", help="sqlite (a fresh file) or a PostgreSQL server URL; "
                                                  "on PostgreSQL the database parindex_bench is recreated")]
                  = "sqlite", seed: int = 2023, as_json: Annotated[bool, typer.Option("--json")] = False,
                  keep: Annotated[bool, typer.Option(help="Keep the work folder (SQLite database, cycle, report) "
                                                     "and print where it is")] = False) -> None:
    """Replay a season for N synthetic units and measure it, with raw SQL and raw smtplib as yardsticks."""
    with user_errors():
        figures = run_bench(units=units, db=db, seed=seed, say=(lambda _: None) if as_json else console.print,
                            keep=keep)
    if as_json:
        typer.echo(json.dumps(figures))
    else:
        for key, value in figures.items():
            console.print(f"{key:>26}: {value}")


def run_bench(*, units: int, db: str, seed: int, say: Callable[[str], None], keep: bool = False) -> dict[str, Any]:
    from flows.season import replay_season
    from flows.tick import tick
    from models.db import session_scope, upgrade_schema
    from models.definition.loader import load_cycle
    from models.settings import get_settings
    from tasks.engine.runtime import engine_for, using_database
    from tasks.operations.registration import register_cycle
    from tasks.reads.reporting import produce_report
    from tasks.simulation.synthetic import write_synthetic_cycle

    work = Path(tempfile.mkdtemp(prefix="parindex-bench-"))
    url = fresh_database(db, work)
    figures: dict[str, Any] = {"units": units, "database": "postgresql" if url.startswith("postgresql") else "sqlite"}
    try:
        folder = write_synthetic_cycle(work, units)
        definition = load_cycle(folder)
        season = definition.spec.season
        with PrefectServer(work / "prefect") as server, smtp_sink() as (port, sink_pid):
            os.environ.update({"PARINDEX_SMTP_HOST": "127.0.0.1", "PARINDEX_SMTP_PORT": str(port)})
            get_settings.cache_clear()
            with server.in_use():
                say(f"bench: {units} units on {figures['database']}; season replay …")
                processes = {"parindex": os.getpid(), "prefect_server": server.process.pid if server.process else 0,
                             "smtp_sink": sink_pid}
                cpu_before = {name: cpu_seconds(pid) for name, pid in processes.items()}
                database_before = postgres_cpu_seconds() if figures["database"] == "postgresql" else None
                started = clock.perf_counter()
                upgrade_schema(url)
                register_cycle(database_url=url, folder=folder, actor="bench",
                               at=definition.calendar.at_local(season.from_, time(0)))
                report = replay_season(database_url=url, cycle_id=definition.id, seed=seed)
                with session_scope(engine_for(url)) as session:
                    produce_report(session, definition.id, work / "report", at=datetime.now(UTC))
                figures["season_s"] = round(clock.perf_counter() - started, 2)
                # What the season asked of the 2 cores: a wall time can't go below their sum / cores.
                figures["season_cpu_s"] = {name: round(cpu_seconds(pid) - cpu_before[name], 1)
                                           for name, pid in processes.items()}
                if database_before is not None and (database_after := postgres_cpu_seconds()) is not None:
                    figures["season_cpu_s"]["postgresql"] = round(database_after - database_before, 1)
                figures["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
                figures["ticks"] = report.ticks
                figures.update(_season_counts(url, definition.id))
                say(f"season {figures['season_s']} s, {report.ticks} ticks; idle tick …")
                idle_at = definition.calendar.at_local(season.to, time(23))
                idle = []
                with using_database(url):
                    tick(cycle_id=definition.id, at=idle_at)
                    for minute in range(1, 6):  # the median of five: the server may still be ingesting the season
                        started = clock.perf_counter()
                        tick(cycle_id=definition.id, at=idle_at + timedelta(minutes=minute))
                        idle.append(clock.perf_counter() - started)
                figures["idle_tick_s"] = round(sorted(idle)[2], 3)
                figures["idle_tick_max_s"] = round(max(idle), 3)
                say("the plain Prefect design …")
                figures.update(_time_naive(url, work, units, figures["season_s"]))
            say("the floor: the season's rows and mails, plainly …")
            figures.update(_time_floor(url, definition.id, figures, port))
            figures["scoring_s"] = _time_scoring(url, definition.id)
            figures["scoring_share_of_season"] = round(figures["scoring_s"] / figures["season_s"], 4)
            say("transitions against raw SQL …")
            figures.update(_time_transitions(url, work, units))
            say("imports …")
            figures["import_s"] = _time_imports(url, work, units)
            say("SMTP against raw smtplib …")
            figures.update(_time_delivery(url, work, units, port))
        figures["machine"] = f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
        figures["at"] = datetime.now().astimezone().isoformat(timespec="seconds")
        if keep:
            figures["kept"] = str(work)
        return figures
    finally:
        if not keep:
            shutil.rmtree(work, ignore_errors=True)


def fresh_database(db: str, work: Path, name: str = "parindex_bench") -> str:
    """A fresh SQLite file, or the PostgreSQL database `name` dropped and created again."""
    if db in ("", "sqlite"):
        return f"sqlite:///{work / 'bench.db'}"
    if not db.startswith("postgresql"):
        raise typer.BadParameter("--db is 'sqlite' or a postgresql:// server URL")
    import psycopg
    from sqlalchemy.engine import make_url

    server = make_url(db).set(drivername="postgresql", database="postgres")
    with psycopg.connect(server.render_as_string(hide_password=False), autocommit=True) as connection:
        connection.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        connection.execute(f"CREATE DATABASE {name}")
    return make_url(db).set(database=name).render_as_string(hide_password=False)


def drop_database(url: str) -> None:
    """The database fresh_database made on a PostgreSQL server, dropped (a SQLite file goes with its folder)."""
    if not url.startswith("postgresql"):
        return
    import psycopg
    from sqlalchemy.engine import make_url

    made = make_url(url)
    server = made.set(drivername="postgresql", database="postgres")
    with psycopg.connect(server.render_as_string(hide_password=False), autocommit=True) as connection:
        connection.execute(f"DROP DATABASE IF EXISTS {made.database} WITH (FORCE)")


def _process_stat(pid: int | str) -> tuple[str, list[str]]:
    """A process's command name and the fields of /proc/<pid>/stat after it; ("", []) when it can't be read."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return "", []
    return text[text.find("(") + 1:text.rfind(")")], text.rsplit(")", 1)[1].split()


def cpu_seconds(pid: int) -> float:
    """User + system CPU time a process has used so far (Linux /proc; 0 where that can't be read)."""
    _, fields = _process_stat(pid)
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK") if fields else 0.0


def postgres_cpu_seconds() -> float | None:
    """CPU time of the PostgreSQL server on this machine: its live processes, and the backends that have ended
    (the postmaster's reaped children). None when no postgres process is visible (a remote server)."""
    stats = [_process_stat(folder.name) for folder in Path("/proc").glob("[0-9]*")]
    server = [fields for name, fields in stats if name == "postgres" and fields]
    if not server:
        return None
    ticks = sum(int(fields[11]) + int(fields[12]) for fields in server)
    ticks += sum(int(fields[13]) + int(fields[14]) for fields in server  # the postmaster: its ended backends too
                 if _process_stat(fields[1])[0] != "postgres")
    return ticks / os.sysconf("SC_CLK_TCK")


@contextmanager
def smtp_sink() -> Iterator[tuple[int, int]]:
    port = _free_port()
    process = subprocess.Popen([sys.executable, "-m", "notifications.sink", str(port)], stdout=subprocess.PIPE,
                               text=True)
    try:
        assert process.stdout is not None
        process.stdout.readline()  # "ready"
        yield port, process.pid
    finally:
        process.terminate()
        process.wait(timeout=15)


def _season_counts(url: str, cycle_id: str) -> dict[str, int]:
    from sqlalchemy import func, select

    from models.db import session_scope
    from models.tables import MessageStatus, OutboxMessage, Unit
    from tasks.engine.runtime import engine_for

    with session_scope(engine_for(url)) as session:
        sent = session.scalar(select(func.count()).select_from(OutboxMessage).where(
            OutboxMessage.cycle_id == cycle_id, OutboxMessage.status == MessageStatus.SENT.value))
        announced = session.scalar(select(func.count()).select_from(Unit).where(
            Unit.cycle_id == cycle_id, Unit.state == "announced"))
    return {"season_mails": sent or 0, "announced": announced or 0}


NAIVE_UNITS = 200  # the plain Prefect design runs this many units (fewer when the bench has fewer), scaled to N


def _time_naive(url: str, work: Path, units: int, season_s: float) -> dict[str, Any]:
    """A task run per unit per step for a few hundred units on the same server, scaled to N units."""
    from sqlalchemy import select

    from flows.naive import time_naive
    from models.db import session_scope
    from models.tables import Unit
    from tasks.engine.runtime import engine_for

    sample = min(units, NAIVE_UNITS)
    cycle_id = _register_copy(url, work, sample, "naive")
    with session_scope(engine_for(url)) as session:
        codes = list(session.execute(select(Unit.code).where(Unit.cycle_id == cycle_id)).scalars())
    seconds, runs = time_naive(url, cycle_id, codes, datetime.now().astimezone())
    scaled = seconds / sample * units
    return {"naive_units": sample, "naive_task_runs": runs, "naive_measured_s": round(seconds, 2),
            "naive_prefect_s": round(scaled, 1), "speedup_vs_naive_prefect": round(scaled / season_s, 1)}


def _time_floor(url: str, cycle_id: str, figures: dict[str, Any], port: int) -> dict[str, Any]:
    """The season's essential work, plainly: its mails with raw smtplib, its rows with the driver."""
    from sqlalchemy import select

    from models.db import session_scope
    from models.settings import Settings
    from models.tables import OutboxMessage
    from notifications.smtp import compose
    from tasks.engine.runtime import engine_for
    from tasks.simulation.floor import floor_mails, floor_rows

    engine = engine_for(url)
    settings = Settings(smtp_host="127.0.0.1", smtp_port=port)
    with session_scope(engine) as session:
        sample = list(session.execute(select(OutboxMessage).where(OutboxMessage.cycle_id == cycle_id)
                                      .order_by(OutboxMessage.id).limit(500)).scalars())
        payloads = [(e.sender, e.recipients, e.payload) for e in (compose(m, settings) for m in sample)]
    mail_s = floor_mails(payloads, figures["season_mails"], port, settings.smtp_connections)
    rows = floor_rows(engine, cycle_id, figures["ticks"])
    floor_s = mail_s + rows["floor_rows_s"]
    return {"floor_mails_s": round(mail_s, 2), **rows, "floor_s": round(floor_s, 2),
            "season_ratio_vs_floor": round(figures["season_s"] / floor_s, 2) if floor_s else None}


def _time_scoring(url: str, cycle_id: str) -> float:
    from models.cycle_context import load_context
    from models.db import session_scope
    from tasks.engine.runtime import engine_for
    from tasks.engine.scoring import score_ready_blocks

    with session_scope(engine_for(url)) as session:
        ctx = load_context(session, cycle_id)
        started = clock.perf_counter()
        scored = score_ready_blocks(session, ctx, at=datetime.now().astimezone(), actor="bench", flow_run_id=None,
                                    force=True)
        elapsed = clock.perf_counter() - started
    assert sum(scored.values()) > 0, "nothing was scored"
    return round(elapsed, 3)


def _register_copy(url: str, work: Path, units: int, suffix: str) -> str:
    """Another synthetic cycle with the same units, freshly registered: every unit `registered`."""
    from tasks.operations.registration import register_cycle
    from tasks.simulation.synthetic import write_synthetic_cycle

    folder = write_synthetic_cycle(work, units, cycle_id=f"bench-{units}-{suffix}")
    register_cycle(database_url=url, folder=folder, actor="bench")
    return folder.name


def _time_transitions(url: str, work: Path, units: int) -> dict[str, float]:
    """All N units one state forward with their history rows, through parindex and as plain SQL."""
    from sqlalchemy import select

    from models.db import session_scope
    from models.lifecycle import UnitEvent
    from models.tables import Unit
    from models.transitions import transition_units
    from tasks.engine.runtime import engine_for

    engine = engine_for(url)
    ours, raw = _register_copy(url, work, units, "t"), _register_copy(url, work, units, "r")
    at = datetime.now().astimezone()
    with session_scope(engine) as session:
        codes = list(session.execute(select(Unit.code).where(Unit.cycle_id == ours)).scalars())
    started = clock.perf_counter()
    with session_scope(engine) as session:
        transition_units(session, cycle_id=ours, codes=codes, event=UnitEvent.OPEN_SELF_ASSESSMENT, actor="bench",
                         at=at)
    transition_s = clock.perf_counter() - started
    raw_s = _raw_transition(engine, raw, at)
    return {"transition_s": round(transition_s, 3), "raw_sql_s": round(raw_s, 3),
            "transition_ratio_vs_sql": round(transition_s / raw_s, 2)}


def _raw_transition(engine, cycle_id: str, at: datetime) -> float:
    """The same row writes in plain SQL: one UPDATE of the units, one history row each (executemany)."""
    import hashlib

    from sqlalchemy import text

    stamp = at.astimezone().replace(tzinfo=None)
    with engine.connect() as connection:
        ids = connection.execute(text("SELECT id, code FROM unit WHERE cycle_id = :c"), {"c": cycle_id}).all()
        last = connection.execute(text("SELECT coalesce(max(seq), 0) FROM historyentry WHERE cycle_id = :c"),
                                  {"c": cycle_id}).scalar_one()
    started = clock.perf_counter()
    with engine.begin() as connection:
        connection.execute(text("UPDATE unit SET state = 'self_assessing', state_changed_at = :at "
                                "WHERE cycle_id = :c AND state = 'registered'"), {"at": stamp, "c": cycle_id})
        rows = [{"cycle_id": cycle_id, "seq": last + i, "at": stamp, "entity": "unit", "subject": code,
                 "event": "open_self_assessment", "from_state": "registered", "to_state": "self_assessing",
                 "actor": "bench", "reason": "", "details": "{}", "prev_hash": "0" * 64,
                 "hash": hashlib.sha256(f"{cycle_id}{last + i}{code}".encode()).hexdigest()}
                for i, (_, code) in enumerate(ids, start=1)]
        connection.execute(text(
            "INSERT INTO historyentry (cycle_id, seq, at, entity, subject, event, from_state, to_state, actor, "
            "reason, details, prev_hash, hash) VALUES (:cycle_id, :seq, :at, :entity, :subject, :event, "
            ":from_state, :to_state, :actor, :reason, :details, :prev_hash, :hash)"), rows)
    return clock.perf_counter() - started


def _time_imports(url: str, work: Path, units: int) -> float:
    """Every unit of the transition cycle (now self-assessing) submits its self-assessment as a CSV file."""
    import csv

    from sqlalchemy import select

    from models.db import session_scope
    from models.tables import Criterion, Unit
    from tasks.engine.events import unit_of_work
    from tasks.engine.runtime import engine_for
    from tasks.inputs.imports import Inputs, submit_self_assessment

    engine = engine_for(url)
    cycle_id = f"bench-{units}-t"
    with session_scope(engine) as session:
        codes = list(session.execute(select(Unit.code).where(Unit.cycle_id == cycle_id)).scalars())
        leaves = session.execute(select(Criterion.code, Criterion.max_points).where(
            Criterion.cycle_id == cycle_id, Criterion.method == "appraisal")).all()
    folder = work / "forms"
    folder.mkdir()
    files = []
    for code in codes:
        path = folder / f"{code}.csv"
        with path.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(["Chu kỳ", "Mã đơn vị", "Mã tiêu chí", "Điểm", "Tài liệu kiểm chứng"])
            writer.writerows([cycle_id, code, leaf, maximum, f"VB-{leaf}"] for leaf, maximum in leaves)
        files.append(path)
    at = datetime.now().astimezone()
    started = clock.perf_counter()
    for path in files:
        with unit_of_work(engine) as session:
            submit_self_assessment(session, path, Inputs("", at))
    return round(clock.perf_counter() - started, 2)


def _time_delivery(url: str, work: Path, units: int, port: int) -> dict[str, float]:
    """N reminders through the outbox and yagmail, against raw smtplib sending the same pre-built messages
    to the same server over the same number of connections, as many side by side (smtp_connections)."""
    import smtplib

    from sqlalchemy import select

    from models.db import session_scope
    from models.settings import Settings
    from models.tables import OutboxMessage
    from notifications.outbox import NewMessage, enqueue
    from notifications.render import RenderedMessage
    from notifications.smtp import compose
    from tasks.engine.runtime import engine_for
    from tasks.mail.delivery import BATCH, deliver_pending

    engine = engine_for(url)
    cycle_id = f"bench-{units}-t"
    at = datetime.now().astimezone()
    body = RenderedMessage("[Chỉ số CCHC] Nhắc hạn: Tự đánh giá, chấm điểm — hạn 30/11/2023",
                           "Kính gửi …\n" * 20, "<p>Kính gửi …</p>" * 20)
    with session_scope(engine) as session:
        enqueue(session, [NewMessage(cycle_id, f"bench|{i}", "reminder", f"unit:B{i}", None,
                                     f"u{i}@bench.example", (), body, None) for i in range(units)], at=at)
    settings = Settings(smtp_host="127.0.0.1", smtp_port=port)
    started = clock.perf_counter()
    report = deliver_pending(engine, settings, cycle_id=cycle_id, at=at)
    ours = clock.perf_counter() - started
    assert report.sent == units, f"only {report.sent} of {units} sent: {report.error}"
    with session_scope(engine) as session:
        messages = list(session.execute(select(OutboxMessage).where(OutboxMessage.cycle_id == cycle_id)).scalars())
        built = [compose(message, settings) for message in messages]
        prebuilt = [(e.sender, e.recipients, e.payload) for e in built]
    sessions = settings.smtp_connections

    def raw_session(share: list[tuple[str, list[str], bytes]]) -> None:
        with smtplib.SMTP("127.0.0.1", port) as client:
            for sender, recipients, payload in share:
                client.sendmail(sender, recipients, payload)

    started = clock.perf_counter()
    with ThreadPoolExecutor(max_workers=sessions) as pool:
        for first in range(0, len(prebuilt), BATCH * sessions):
            chunk = prebuilt[first:first + BATCH * sessions]
            list(pool.map(raw_session, filter(None, (chunk[index::sessions] for index in range(sessions)))))
    raw = clock.perf_counter() - started
    return {"smtp_msgs_per_s": round(units / ours, 1), "raw_smtplib_msgs_per_s": round(units / raw, 1),
            "smtp_ratio_vs_smtplib": round(raw / ours, 2)}
