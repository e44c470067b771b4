"""The survey online, measured: respondents answering at their links under Locust (headless, loopback, bounded
users and time), the portal started as `parindex web --workers N` on haiphong-2025's links.

A fresh database with haiphong-2025 registered (190 links, 44 units) and the officials' codes issued; the
respondents are drawn over the links in proportion to their quotas and beyond them (a met quota takes no more).
The speed floor is set to 0 for the run: the hour of answering is compressed into the run, so every response
would be a speed-run otherwise. After it: every response Locust saw thanked is in the database exactly once, and
no link counts more than its quota. Prints a summary; writes benchmarks/survey_day.jsonl and the "Survey day"
section of benchmarks/RESULTS.md unless --no-record.

    python benchmarks/survey_day.py --respondents 20000 --users 60 --seconds 300 --workers 2 --rates 5.6,11.1,0

--rates: respondents arriving per second, one run each: 20,000 in an hour is 5.6 a second (the hour as it comes),
11.1 is that hour compressed into half, 0 lets every user answer as fast as it can (the portal saturated).
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


def run_once(url: str, respondents: int, workers: int, users: int, seconds: int, say,  # type: ignore[no-untyped-def]
             rate: float = 0) -> dict:
    from deadline_day import load_the_portal

    work = Path(tempfile.mkdtemp(prefix=f"parindex-survey-{workers}-"))
    say(f"{respondents} respondents, {workers} portal process(es), {rate or 'as many as answer'} a second: "
        "preparing the database …")
    prepared = prepare(url, work, respondents)
    figures = load_the_portal(work, prepared["database"], workers, users, seconds, "survey_locustfile.py",
                              {"SURVEY_DAY_WORK": str(work), "SURVEY_DAY_RATE": str(rate),
                               "SURVEY_DAY_USERS": str(users)}, say)
    figures.update(check(prepared["database"], prepared["cycle"], work / "thanked.jsonl"))
    from cli.bench import drop_database
    from tasks.engine.runtime import engine_for

    engine_for(prepared["database"]).dispose()
    drop_database(prepared["database"])
    shutil.rmtree(work, ignore_errors=True)
    figures.update(respondents=respondents, workers=workers, users=users, seconds=seconds, quota=prepared["quota"],
                   rate=rate,
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


def markdown(runs: list[dict]) -> str:
    lines = [
        "## Survey day (the survey online under load)", "",
        "`python benchmarks/survey_day.py`: Locust, headless on loopback; respondents open their link (officials "
        "with their code), start, answer every page and send (a page is its POST and the next page it leads to), "
        "drawn over haiphong-2025's 190 links in proportion to their quotas; the speed floor set to 0 and the "
        "survey's window lifted (the hour compressed into the run). One run per arrival rate: 20,000 respondents "
        "in an hour arrive 5.6 a second; 11.1 is that hour compressed into half; \"as fast as they can\" saturates "
        "the portal (every user starts the next respondent as soon as one is done).", ""]
    for run in runs:
        pages = [f["p95_ms"] for f in run["routes"].values()]
        pace = f"{run['rate']} respondents a second" if run.get("rate") else "as fast as they can"
        lines += [
            f"**{pace}: {run['respondents']} respondents queued, {run['database']}, {run['workers']} portal "
            f"process(es), {run['users']} users for {run['seconds']} s**: {run['total']['requests']} requests, "
            f"{run['total']['rps']} per second, {run['total']['failures']} errors; {run['thanked']} responses "
            f"thanked ({round(run['thanked'] / run['seconds'], 1)} a second), {run['counted']} counted, "
            f"{run['set_aside']} set aside, {run['unfinished']} unfinished at the end; lost {run['lost']}; links over "
            f"their quota {run['over_quota_links']}. CPU seconds: portal {run['cpu_s']['portal']}, Locust "
            f"{run['cpu_s']['locust']}, PostgreSQL {run['cpu_s']['postgresql']} (of "
            f"{run['seconds'] * (os.cpu_count() or 1)} on {os.cpu_count()} cores). Slowest page p95: "
            f"{max(pages, default=0)} ms (goal ≤ {GOALS['page_p95_ms']} ms).", "",
            "| route | requests | errors | p50 ms | p95 ms | p99 ms | req/s |", "|---|---:|---:|---:|---:|---:|---:|",
            *[f"| `{name}` | {f['requests']} | {f['failures']} | {f['p50_ms']} | {f['p95_ms']} | {f['p99_ms']} | "
              f"{f['rps']} |" for name, f in sorted(run["routes"].items())], ""]
    lines += [f"Machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}; "
              f"{datetime.now().astimezone():%Y-%m-%d %H:%M %z}.", ""]
    return "\n".join(lines)


def record(runs: list[dict]) -> None:
    with (ROOT / "benchmarks" / "survey_day.jsonl").open("a", encoding="utf-8") as out:
        for run in runs:
            out.write(json.dumps({"at": datetime.now().astimezone().isoformat(timespec="seconds"), "run": run},
                                 ensure_ascii=False) + "\n")
    from deadline_day import replace_section

    replace_section("## Survey day", markdown(runs))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--respondents", type=int, default=20_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--users", type=int, default=60)
    parser.add_argument("--seconds", type=int, default=300)
    parser.add_argument("--rates", default="0", help="respondents a second, one run each (0: as fast as they can)")
    parser.add_argument("--db", default="sqlite", help="'sqlite' or a postgresql:// server URL")
    parser.add_argument("--no-record", action="store_true", help="print only (the test suite's smaller run)")
    parser.add_argument("--json", action="store_true", help="print the figures as one JSON line")
    arguments = parser.parse_args()
    say = (lambda text: print(text, file=sys.stderr, flush=True)) if arguments.json else \
        (lambda text: print(text, flush=True))
    runs = [run_once(arguments.db, arguments.respondents, arguments.workers, arguments.users, arguments.seconds, say,
                     rate=float(rate)) for rate in arguments.rates.split(",")]
    if not arguments.no_record:
        record(runs)
    if arguments.json:
        print(json.dumps(runs[-1] if len(runs) == 1 else runs, ensure_ascii=False))
        return
    for run in runs:
        pages = [f["p95_ms"] for f in run["routes"].values()]
        print(f"{run['rate'] or 'as fast as they can'}: {run['total']['requests']} requests, {run['total']['rps']}/s, "
              f"{run['total']['failures']} errors; thanked {run['thanked']}, counted {run['counted']}, set aside "
              f"{run['set_aside']}, lost {run['lost']}, links over quota {run['over_quota_links']}; slowest route "
              f"p95 {max(pages, default=0)} ms")


if __name__ == "__main__":
    main()
