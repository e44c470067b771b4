"""Scoring N synthetic units, alone: the state a season reaches before scoring (every unit appraised in
round 2, survey results in) written directly, then `score_ready_blocks` timed (and profiled with
`--profile`, when pyinstrument is installed).

    .venv/bin/python benchmarks/profile_scoring.py 10000 [--db postgresql://…] [--profile]
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time as clock
from datetime import datetime
from decimal import Decimal
from pathlib import Path

from sqlalchemy import insert, select, update

from cli.bench import fresh_database
from models.cycle_context import load_context
from models.db import session_scope
from models.scores import field_totals_json
from models.tables import Criterion, ScoreKind, ScoreLine, ScoreVersion, Unit
from tasks.engine.runtime import engine_for
from tasks.engine.scoring import score_ready_blocks
from tasks.operations.registration import register_cycle
from tasks.simulation.synthetic import write_synthetic_cycle


def prepare(url: str, work: Path, units: int) -> str:
    folder = write_synthetic_cycle(work, units)
    register_cycle(database_url=url, folder=folder, actor="bench")
    cycle_id = folder.name
    rng = random.Random(7)
    at = datetime.now().astimezone()
    with session_scope(engine_for(url)) as session:
        ids = list(session.execute(select(Unit.id).where(Unit.cycle_id == cycle_id).order_by(Unit.id)).scalars())
        leaves = session.execute(select(Criterion.code, Criterion.max_points, Criterion.method).where(
            Criterion.cycle_id == cycle_id, Criterion.method.is_not(None))).all()
        for kind, method in ((ScoreKind.APPRAISED_ROUND2, "appraisal"), (ScoreKind.SURVEY, "survey")):
            mine = [(code, maximum) for code, maximum, leaf_method in leaves if leaf_method == method]
            sheets = [{code: (maximum * Decimal(rng.randint(60, 100)) / 100).quantize(Decimal("0.001"))
                       for code, maximum in mine} for _ in ids]
            session.execute(insert(ScoreVersion), [
                {"cycle_id": cycle_id, "unit_id": unit_id, "kind": kind.value, "version": 1,
                 "total": sum(sheet.values()), "actor": "bench", "created_at": at,
                 "field_totals": field_totals_json(sheet)}
                for unit_id, sheet in zip(ids, sheets, strict=True)])
            versions = session.execute(select(ScoreVersion.id).where(
                ScoreVersion.cycle_id == cycle_id, ScoreVersion.kind == kind.value)
                .order_by(ScoreVersion.unit_id)).scalars().all()
            session.execute(insert(ScoreLine), [
                {"score_version_id": version_id, "criterion_code": code, "points": points, "explanation": ""}
                for version_id, sheet in zip(versions, sheets, strict=True) for code, points in sheet.items()])
        session.execute(update(Unit).where(Unit.cycle_id == cycle_id).values(state="appraised_round2"))
    return cycle_id


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("units", type=int)
    parser.add_argument("--db", default="sqlite")
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="parindex-scoring-"))
    url = fresh_database(args.db, work)
    cycle_id = prepare(url, work, args.units)
    with session_scope(engine_for(url)) as session:
        ctx = load_context(session, cycle_id)
        profiler = None
        if args.profile:
            from pyinstrument import Profiler

            profiler = Profiler()
            profiler.start()
        started = clock.perf_counter()
        scored = score_ready_blocks(session, ctx, at=datetime.now().astimezone(), actor="bench",
                                    flow_run_id=None, force=True)
        elapsed = clock.perf_counter() - started
        if profiler is not None:
            profiler.stop()
            print(profiler.output_text(unicode=True, color=False, show_all=False))
    print(f"scored {sum(scored.values())} units in {elapsed:.3f} s")


if __name__ == "__main__":
    main()
