"""The survey online, measured: respondents answering at their links under Locust (headless, loopback, bounded
users and time), the portal started as `parindex web --workers N` on haiphong-2025's links.

A fresh database with haiphong-2025 registered (190 links, 44 units) and the officials' codes issued; the
respondents are drawn over the links in proportion to their quotas and beyond them (a met quota takes no more).
The speed floor is set to 0 for the run: the hour of answering is compressed into the run, so every response
would be a speed-run otherwise. After it: every response Locust saw thanked is in the database exactly once, and
no link counts more than its quota. Prints a summary; writes benchmarks/survey_day.jsonl and the "Survey day"
section of benchmarks/RESULTS.md unless --no-record.

    python benchmarks/survey_day.py --respondents 20000 --users 60 --seconds 300 --workers 2
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import shutil
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "benchmarks")]
GOALS = {"page_p95_ms": 500}


def prepare(url: str, work: Path, respondents: int) -> dict:
    from sqlalchemy import select, update

    from cli.bench import fresh_database
    from models.cycle_context import load_context
    from models.db import session_scope
    from models.tables import Cycle, SurveyLink
    from tasks.engine.runtime import engine_for
    from tasks.operations.registration import register_cycle
    from tasks.survey.online import issue_codes

    database = fresh_database(url, work, name=f"parindex_survey_{os.getpid()}")
    register_cycle(database_url=database, folder=ROOT / "calendar" / "haiphong-2025", actor="bench")
    with session_scope(engine_for(database)) as session:
        cycle = session.get(Cycle, "haiphong-2025")
        snapshot = json.loads(cycle.definition_json)
        snapshot["survey"]["speed_floor_seconds"] = 0  # the hour compressed into the run
        snapshot["survey"]["fieldwork"] = None  # taking answers now, whatever the season's dates
        session.execute(update(Cycle).where(Cycle.id == cycle.id).values(definition_json=json.dumps(snapshot)))
        codes: dict[str, list[str]] = {}
        for issued in issue_codes(session, load_context(session, cycle.id), at=datetime.now(UTC)):
            codes.setdefault(issued.token, []).append(issued.code)
        links = session.execute(select(SurveyLink.token, SurveyLink.quota)).all()
    rng = random.Random(2025)
    tokens = rng.choices([token for token, _ in links], weights=[quota for _, quota in links], k=respondents)
    with (work / "respondents.jsonl").open("w", encoding="utf-8") as out:
        for token in tokens:
            entry = {"token": token}
            if token in codes:
                if not codes[token]:
                    continue  # more officials than codes: the survey body printed as many as the quota
                entry["code"] = codes[token].pop()
            out.write(json.dumps(entry) + "\n")
    return {"database": database, "cycle": "haiphong-2025", "quota": sum(q for _, q in links)}


def run_once(url: str, respondents: int, workers: int, users: int, seconds: int, say) -> dict:  # type: ignore[no-untyped-def]
    from deadline_day import load_the_portal

    work = Path(tempfile.mkdtemp(prefix=f"parindex-survey-{workers}-"))
    say(f"{respondents} respondents, {workers} portal process(es): preparing the database …")
    prepared = prepare(url, work, respondents)
    figures = load_the_portal(work, prepared["database"], workers, users, seconds, "survey_locustfile.py",
                              {"SURVEY_DAY_WORK": str(work)}, say)
    figures.update(check(prepared["database"], prepared["cycle"], work / "thanked.jsonl"))
    from cli.bench import drop_database
    from tasks.engine.runtime import engine_for

    engine_for(prepared["database"]).dispose()
    drop_database(prepared["database"])
    shutil.rmtree(work, ignore_errors=True)
    figures.update(respondents=respondents, workers=workers, users=users, seconds=seconds, quota=prepared["quota"],
                   database="postgresql" if prepared["database"].startswith("postgresql") else "sqlite")
    return figures


def check(database: str, cycle_id: str, thanked_file: Path) -> dict:
    """Every response Locust saw thanked is in the database once, sent; no link counts more than its quota."""
    from sqlalchemy import func, select

    from models.db import session_scope
    from models.tables import SurveyLink, SurveyResponse
    from tasks.engine.runtime import engine_for

    thanked = len(thanked_file.read_text().splitlines()) if thanked_file.exists() else 0
    with session_scope(engine_for(database)) as session:
        sent = dict(session.execute(select(SurveyResponse.status, func.count()).where(
            SurveyResponse.cycle_id == cycle_id).group_by(SurveyResponse.status)).all())
        over = session.scalar(select(func.count()).select_from(
            select(SurveyLink.id).join(SurveyResponse, SurveyResponse.link_id == SurveyLink.id)
            .where(SurveyResponse.status == "counted").group_by(SurveyLink.id, SurveyLink.quota)
            .having(func.count() > SurveyLink.quota).subquery()))
    received = sent.get("counted", 0) + sent.get("set_aside", 0)
    return {"thanked": thanked, "counted": sent.get("counted", 0), "set_aside": sent.get("set_aside", 0),
            "unfinished": sent.get("draft", 0), "lost": max(0, thanked - received), "over_quota_links": over or 0}


def markdown(run: dict) -> str:
    pages = [f["p95_ms"] for f in run["routes"].values()]
    return "\n".join([
        "## Survey day (the survey online under load)", "",
        "`python benchmarks/survey_day.py`: Locust, headless on loopback; respondents open their link (officials "
        "with their code), start, answer every page and send, drawn over haiphong-2025's 190 links in proportion to "
        "their quotas; the speed floor set to 0 (the hour compressed into the run).", "",
        f"**{run['respondents']} respondents queued, {run['database']}, {run['workers']} portal process(es), "
        f"{run['users']} users for {run['seconds']} s**: {run['total']['requests']} requests, {run['total']['rps']} "
        f"per second, {run['total']['failures']} errors; {run['thanked']} responses thanked, {run['counted']} "
        f"counted, {run['set_aside']} set aside, {run['unfinished']} unfinished at the end; lost {run['lost']}; "
        f"links over their quota {run['over_quota_links']}. CPU seconds: portal {run['cpu_s']['portal']}, Locust "
        f"{run['cpu_s']['locust']}, PostgreSQL {run['cpu_s']['postgresql']} (of "
        f"{run['seconds'] * (os.cpu_count() or 1)} on {os.cpu_count()} cores).", "",
        "| route | requests | errors | p50 ms | p95 ms | p99 ms | req/s |", "|---|---:|---:|---:|---:|---:|---:|",
        *[f"| `{name}` | {f['requests']} | {f['failures']} | {f['p50_ms']} | {f['p95_ms']} | {f['p99_ms']} | "
          f"{f['rps']} |" for name, f in sorted(run["routes"].items())], "",
        f"Goal: p95 ≤ {GOALS['page_p95_ms']} ms per page: {max(pages, default=0)} ms (the slowest route). Machine: "
        f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}; "
        f"{datetime.now().astimezone():%Y-%m-%d %H:%M %z}.", ""])


def record(run: dict) -> None:
    with (ROOT / "benchmarks" / "survey_day.jsonl").open("a", encoding="utf-8") as out:
        out.write(json.dumps({"at": datetime.now().astimezone().isoformat(timespec="seconds"), "run": run},
                             ensure_ascii=False) + "\n")
    results = ROOT / "benchmarks" / "RESULTS.md"
    text = results.read_text(encoding="utf-8") if results.exists() else ""
    start = text.find("## Survey day")
    if start >= 0:
        end = text.find("\n## ", start + 1)
        text = text[:start] + (text[end + 1:] if end >= 0 else "")
    results.write_text(text.rstrip() + "\n\n" + markdown(run), encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--respondents", type=int, default=20_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--users", type=int, default=60)
    parser.add_argument("--seconds", type=int, default=300)
    parser.add_argument("--db", default="sqlite", help="'sqlite' or a postgresql:// server URL")
    parser.add_argument("--no-record", action="store_true", help="print only (the test suite's smaller run)")
    parser.add_argument("--json", action="store_true", help="print the figures as one JSON line")
    arguments = parser.parse_args()
    say = (lambda text: print(text, file=sys.stderr, flush=True)) if arguments.json else \
        (lambda text: print(text, flush=True))
    run = run_once(arguments.db, arguments.respondents, arguments.workers, arguments.users, arguments.seconds, say)
    if not arguments.no_record:
        record(run)
    if arguments.json:
        print(json.dumps(run, ensure_ascii=False))
        return
    pages = [f["p95_ms"] for f in run["routes"].values()]
    print(f"{run['total']['requests']} requests, {run['total']['rps']}/s, {run['total']['failures']} errors; "
          f"thanked {run['thanked']}, counted {run['counted']}, set aside {run['set_aside']}, lost {run['lost']}, "
          f"links over quota {run['over_quota_links']}; slowest route p95 {max(pages, default=0)} ms")


if __name__ == "__main__":
    main()
