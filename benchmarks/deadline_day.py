"""Deadline day, measured: the portal under Locust (headless, loopback, fixed users and time) with 1 and with N
portal processes, on a synthetic cycle of many units whose self-assessment window is open.

For each process count: a fresh database, the cycle registered and its window opened, `parindex web --workers N`
started, Locust run (benchmarks/locustfile.py), then a check that every upload Locust saw accepted is in the
database and in the history exactly once, and that no upload is there that nobody saw accepted. Prints a summary;
writes benchmarks/deadline_day.jsonl and the "Deadline day" section of benchmarks/RESULTS.md unless --no-record.

    python benchmarks/deadline_day.py --units 3321 --workers 1 4 --db postgresql://postgres@127.0.0.1:5432/test
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
PASSWORD = "một câu mật khẩu dài cho điều phối viên 2026"
USERNAME = "dieuphoi"
PDF = b"%PDF-1.4\n" + b"0" * 20_000 + b"\n%%EOF\n"
GOALS = {"page_p95_ms": 300, "upload_p95_ms": 2000, "scale": 1.6}
UPLOADS = ("/unit/upload/[kind]", "/unit/evidence")


def prepare(url: str, work: Path, units: int) -> dict:
    """A fresh database with the synthetic cycle registered and every unit's self-assessment window open; the
    units' links, forms and evidence under `work`."""
    from sqlalchemy import select

    from cli.bench import fresh_database
    from models.cycle_context import load_context
    from models.db import session_scope
    from models.settings import Settings
    from models.sign_in import make_sign_in_token
    from models.stages import Stage
    from models.tables import Criterion, Unit
    from tasks.engine.assignments import reconcile_stage
    from tasks.engine.runtime import engine_for
    from tasks.engine.stage_steps import open_self_assessment
    from tasks.operations.accounts import add_staff_user
    from tasks.operations.registration import register_cycle
    from tasks.simulation.synthetic import write_synthetic_cycle

    database = fresh_database(url, work, name=f"parindex_deadline_{os.getpid()}")
    folder = write_synthetic_cycle(work, units)
    register_cycle(database_url=database, folder=folder, actor="bench")
    settings = Settings(public_url="http://127.0.0.1", web_secret_file=str(work / "web-secret"))
    engine = engine_for(database)
    with session_scope(engine) as session:
        ctx = load_context(session, folder.name)
        at = (ctx.unit_task(Stage.SELF_ASSESSMENT).opens_at or datetime.now(UTC))
        reconcile_stage(session, ctx, stage=Stage.SELF_ASSESSMENT.value, at=at, actor="bench", flow_run_id=None)
        open_self_assessment(session, ctx, at=at, actor="bench", flow_run_id=None)
        add_staff_user(session, username=USERNAME, name="Điều phối viên", role="coordinator", password=PASSWORD,
                       at=at)
        codes = list(session.scalars(select(Unit.code).where(Unit.cycle_id == ctx.cycle_id).order_by(Unit.code)))
        leaves = session.execute(select(Criterion.code, Criterion.max_points).where(
            Criterion.cycle_id == ctx.cycle_id, Criterion.method == "appraisal").order_by(Criterion.id)).all()
    forms = work / "forms"
    forms.mkdir()
    with (work / "units.jsonl").open("w", encoding="utf-8") as out:
        for code in codes:
            with (forms / f"{code}.csv").open("w", newline="", encoding="utf-8") as handle:
                writer = csv.writer(handle)
                writer.writerow(["Chu kỳ", "Mã đơn vị", "Mã tiêu chí", "Điểm", "Tài liệu kiểm chứng"])
                writer.writerows([ctx.cycle_id, code, leaf, maximum, f"VB-{leaf}"] for leaf, maximum in leaves)
            token = make_sign_in_token(settings, cycle_id=ctx.cycle_id, unit_code=code)
            out.write(json.dumps({"code": code, "token": token, "criterion": leaves[0][0]}) + "\n")
    (work / "evidence.pdf").write_bytes(PDF)
    (work / "run.json").write_text(json.dumps({"cycle": ctx.cycle_id, "username": USERNAME, "password": PASSWORD}))
    return {"database": database, "cycle": ctx.cycle_id}


def run_once(url: str, units: int, workers: int, users: int, seconds: int, say) -> dict:  # type: ignore[no-untyped-def]

    work = Path(tempfile.mkdtemp(prefix=f"parindex-deadline-{workers}-"))
    say(f"{units} units, {workers} portal process(es): preparing the database …")
    prepared = prepare(url, work, units)
    figures = load_the_portal(work, prepared["database"], workers, users, seconds, "locustfile.py",
                              {"DEADLINE_DAY_WORK": str(work)}, say)
    requests = figures["total"].get("requests") or 1
    figures["portal_cpu_ms_per_request"] = round(1000 * figures["cpu_s"]["portal"] / requests, 1)
    figures.update(check_nothing_lost(prepared["database"], prepared["cycle"], work / "accepted.jsonl"))
    from cli.bench import drop_database
    from tasks.engine.runtime import engine_for

    engine_for(prepared["database"]).dispose()
    if os.environ.get("DEADLINE_DAY_KEEP"):
        figures["kept"] = str(work)  # the portal's log, Locust's files, the database
    else:
        drop_database(prepared["database"])
        shutil.rmtree(work, ignore_errors=True)
    figures.update(units=units, workers=workers, users=users, seconds=seconds,
                   database="postgresql" if prepared["database"].startswith("postgresql") else "sqlite")
    return figures


def load_the_portal(work: Path, database: str, workers: int, users: int, seconds: int, locustfile: str,
                    locust_env: dict[str, str], say) -> dict:  # type: ignore[no-untyped-def]
    """`parindex web --workers N` on the database, Locust (benchmarks/`locustfile`) against it for `seconds`, the
    portal stopped: per route the figures, the failures, and where the CPU went (portal, Locust, PostgreSQL)."""
    from cli.orchestration import _free_port

    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("PARINDEX_")}
    env.update(PYTHONPATH=str(ROOT), PARINDEX_PUBLIC_URL=f"http://127.0.0.1:{port}",
               PARINDEX_WEB_SECRET_FILE=str(work / "web-secret"), PARINDEX_EVIDENCE_DIR=str(work / "evidence"),
               PARINDEX_SMTP_PORT="9")  # mail asked for by a page waits in the outbox: nothing listens on 9
    # one portal process under cProfile: where its CPU goes (with --workers 1)
    start = ["-m", "cProfile", "-o", os.environ["DEADLINE_DAY_PROFILE"], str(ROOT / "benchmarks" / "portal.py")] \
        if os.environ.get("DEADLINE_DAY_PROFILE") else ["-c", "from cli.main import main; main()"]
    portal = subprocess.Popen([sys.executable, *start, "web", "--workers",
                               str(workers), "--port", str(port), "--db", database], cwd=work, env=env,
                              stdout=(work / "portal.log").open("wb"), stderr=subprocess.STDOUT,
                              start_new_session=True)
    try:
        _wait_answering(f"http://127.0.0.1:{port}/", portal)
        say(f"Locust: {users} users for {seconds} s …")
        cpu_before = _cpu(portal.pid)
        children_before = resource.getrusage(resource.RUSAGE_CHILDREN)
        locust = subprocess.run(
            [sys.executable, "-m", "locust", "-f", str(ROOT / "benchmarks" / locustfile), "--headless",
             "--users", str(users), "--spawn-rate", str(max(1, users // 5)), "--run-time", f"{seconds}s",
             "--host", f"http://127.0.0.1:{port}", "--csv", str(work / "locust"), "--only-summary",
             "--stop-timeout", "30", "--loglevel", "WARNING"],
            cwd=work, env={**env, **locust_env}, capture_output=True, text=True, timeout=seconds + 300)
        if not (work / "locust_stats.csv").exists():
            raise SystemExit(f"Locust did not run:\n{locust.stderr[-3000:]}")
        children = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu_after = _cpu(portal.pid)
    finally:
        os.killpg(portal.pid, signal.SIGTERM)
        portal.wait(timeout=60)
    figures = _stats(work / "locust_stats.csv")
    figures["failure_kinds"] = _failures(work / "locust_failures.csv")
    # where the machine's CPU went during the run: the portal's processes, Locust itself, the database server
    figures["cpu_s"] = {name: round(cpu_after[name] - cpu_before[name], 1) for name in cpu_after}
    figures["cpu_s"]["locust"] = round(children.ru_utime + children.ru_stime - children_before.ru_utime
                                       - children_before.ru_stime, 1)
    return figures


def _cpu(portal_pid: int) -> dict[str, float]:
    """CPU seconds so far of the portal (its supervisor and every process under it) and of the PostgreSQL server
    on this machine (0 on SQLite, whose work is the portal's)."""
    from cli.bench import cpu_seconds, postgres_cpu_seconds

    pids = [portal_pid, *_descendants(portal_pid)]
    return {"portal": sum(cpu_seconds(pid) for pid in pids), "postgresql": postgres_cpu_seconds() or 0.0}


def _descendants(pid: int) -> list[int]:
    found = []
    for folder in Path("/proc").glob("[0-9]*"):
        try:
            parent = int(folder.joinpath("stat").read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        if parent == pid:
            found += [int(folder.name), *_descendants(int(folder.name))]
    return found


def _wait_answering(url: str, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"the portal stopped at start (exit {process.returncode})")
        try:
            urllib.request.urlopen(url, timeout=2).close()
            return
        except OSError:
            time.sleep(0.2)
    raise SystemExit("the portal did not answer within 120 s")


def _stats(path: Path) -> dict:
    """Per route: requests, failures, p50/p95/p99 in ms, requests per second; the totals."""
    routes, total = {}, {}
    with path.open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            figures = {"requests": int(row["Request Count"]), "failures": int(row["Failure Count"]),
                       "p50_ms": _ms(row["50%"]), "p95_ms": _ms(row["95%"]), "p99_ms": _ms(row["99%"]),
                       "rps": round(float(row["Requests/s"]), 1)}
            if row["Name"] == "Aggregated":
                total = figures
            else:
                routes[f"{row['Type']} {row['Name']}"] = figures
    return {"routes": routes, "total": total}


def _failures(path: Path) -> list[str]:
    """Each kind of failed request: route, error and how many."""
    if not path.exists():
        return []
    with path.open(encoding="utf-8") as handle:
        return [f"{row['Method']} {row['Name']}: {row['Error']} × {row['Occurrences']}"
                for row in csv.DictReader(handle)]


def _ms(value: str) -> int:
    return int(float(value)) if value not in ("", "N/A") else 0


def check_nothing_lost(database: str, cycle_id: str, accepted_file: Path) -> dict:
    """Every upload Locust saw accepted is one self-assessment version and one submission in the history; no
    version is there that nobody saw accepted."""
    from sqlalchemy import func, select

    from models.db import session_scope
    from models.tables import HistoryEntry, ScoreKind, ScoreVersion, Unit
    from tasks.engine.runtime import engine_for

    seen = [json.loads(line)["code"] for line in accepted_file.read_text().splitlines()] \
        if accepted_file.exists() else []
    with session_scope(engine_for(database)) as session:
        versions = dict(session.execute(
            select(Unit.code, func.count()).join(ScoreVersion, ScoreVersion.unit_id == Unit.id)
            .where(Unit.cycle_id == cycle_id, ScoreVersion.kind == ScoreKind.SELF_ASSESSED.value)
            .group_by(Unit.code)).all())
        submitted = dict(session.execute(
            select(HistoryEntry.subject, func.count()).where(
                HistoryEntry.cycle_id == cycle_id, HistoryEntry.entity == "score",
                HistoryEntry.event.like("%self%")).group_by(HistoryEntry.subject)).all())
    lost = sorted(code for code in seen if versions.get(code, 0) < 1)
    doubled = sorted(code for code, count in versions.items() if count > 1)
    unseen = sorted(set(versions) - set(seen))
    history_off = sorted(code for code in seen if submitted.get(code, 0) != 1)
    return {"accepted": len(seen), "in_database": sum(versions.values()), "lost": len(lost),
            "duplicated": len(doubled), "unseen": len(unseen), "history_mismatch": len(history_off)}


def verdict(runs: list[dict]) -> dict:
    """The goals against the largest process count's run, and its throughput against one process's."""
    base, most = min(runs, key=lambda r: r["workers"]), max(runs, key=lambda r: r["workers"])
    pages = [f["p95_ms"] for name, f in most["routes"].items() if not name.endswith(UPLOADS)]
    uploads = [f["p95_ms"] for name, f in most["routes"].items() if name.endswith(UPLOADS)]
    scale = round(most["total"]["rps"] / base["total"]["rps"], 2) if base["total"]["rps"] else 0.0
    return {"page_p95_ms": max(pages, default=0), "upload_p95_ms": max(uploads, default=0),
            "scale": scale if most is not base else None,
            "errors": sum(r["total"]["failures"] for r in runs), "lost": sum(r["lost"] for r in runs)}


def markdown(runs: list[dict], summary: dict) -> str:
    lines = ["## Deadline day (the portal under load)", "",
             "`make bench` → `benchmarks/deadline_day.py`: Locust, headless on loopback; units open their mail's "
             "link, confirm, read their page, download the form, upload a valid self-assessment and two evidence "
             "files, read their page again; two coordinators refresh the matrix and the outbox.", ""]
    for run in runs:
        lines += [f"**{run['units']} units, {run['database']}, {run['workers']} portal process(es), {run['users']} "
                  f"users for {run['seconds']} s**: {run['total']['requests']} requests, "
                  f"{run['total']['rps']} per second, {run['total']['failures']} errors; {run['accepted']} uploads "
                  f"accepted, {run['in_database']} in the database, lost {run['lost']}, duplicated "
                  f"{run['duplicated']}, history mismatches {run['history_mismatch']}. CPU seconds during the "
                  f"run: portal {run['cpu_s']['portal']}, Locust {run['cpu_s']['locust']}, PostgreSQL "
                  f"{run['cpu_s']['postgresql']} (of {run['seconds'] * (os.cpu_count() or 1)} on "
                  f"{os.cpu_count()} cores); the portal spent {run['portal_cpu_ms_per_request']} ms of CPU per "
                  f"request." + (f" Failures: {'; '.join(run['failure_kinds'])}." if run["failure_kinds"] else ""),
                  "",
                  "| route | requests | errors | p50 ms | p95 ms | p99 ms | req/s |",
                  "|---|---:|---:|---:|---:|---:|---:|"]
        lines += [f"| `{name}` | {f['requests']} | {f['failures']} | {f['p50_ms']} | {f['p95_ms']} | {f['p99_ms']} | "
                  f"{f['rps']} |" for name, f in sorted(run["routes"].items())]
        lines.append("")
    lines += [f"Goals (with the most processes): pages p95 ≤ {GOALS['page_p95_ms']} ms: {summary['page_p95_ms']} ms; "
              f"uploads p95 ≤ {GOALS['upload_p95_ms']} ms: {summary['upload_p95_ms']} ms; throughput ≥ "
              f"{GOALS['scale']}× one process's: {summary['scale']}×; errors {summary['errors']}, lost "
              f"{summary['lost']}.", "",
              f"Machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}; "
              f"{datetime.now().astimezone():%Y-%m-%d %H:%M %z}.", ""]
    return "\n".join(lines)


def record(runs: list[dict], summary: dict) -> None:
    with (ROOT / "benchmarks" / "deadline_day.jsonl").open("a", encoding="utf-8") as out:
        out.write(json.dumps({"at": datetime.now().astimezone().isoformat(timespec="seconds"), "runs": runs,
                              "summary": summary}, ensure_ascii=False) + "\n")
    replace_section("## Deadline day", markdown(runs, summary))


def replace_section(heading: str, section: str) -> None:
    """RESULTS.md with the section under `heading` replaced by `section` (added at the end the first time)."""
    results = ROOT / "benchmarks" / "RESULTS.md"
    text = results.read_text(encoding="utf-8") if results.exists() else ""
    start = text.find(heading)
    if start >= 0:
        end = text.find("\n## ", start + 1)
        text = text[:start] + (text[end + 1:] if end >= 0 else "")
    results.write_text(text.rstrip() + "\n\n" + section, encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--units", type=int, default=3321)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 4])
    parser.add_argument("--users", type=int, default=100)
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--db", default="sqlite", help="'sqlite' or a postgresql:// server URL")
    parser.add_argument("--no-record", action="store_true", help="print only (the test suite's smaller run)")
    parser.add_argument("--json", action="store_true", help="print the figures as one JSON line")
    arguments = parser.parse_args()
    say = (lambda text: print(text, file=sys.stderr, flush=True)) if arguments.json else \
        (lambda text: print(text, flush=True))
    runs = [run_once(arguments.db, arguments.units, workers, arguments.users, arguments.seconds, say)
            for workers in arguments.workers]
    summary = verdict(runs)
    if not arguments.no_record:
        record(runs, summary)
    if arguments.json:
        print(json.dumps({"runs": runs, "summary": summary}, ensure_ascii=False))
    else:
        for run in runs:
            say(f"{run['workers']} process(es): {run['total']['requests']} requests, {run['total']['rps']}/s, "
                f"{run['total']['failures']} errors; accepted {run['accepted']}, lost {run['lost']}, duplicated "
                f"{run['duplicated']}, history mismatches {run['history_mismatch']}")
        say(f"pages p95 {summary['page_p95_ms']} ms, uploads p95 {summary['upload_p95_ms']} ms, "
            f"throughput {summary['scale']}× one process's")


if __name__ == "__main__":
    main()
