"""Keyed Prefect artifacts a coordinator reads in the UI: units × stages, progress, overdue list."""

from __future__ import annotations

from datetime import datetime

from prefect import task
from prefect.artifacts import create_markdown_artifact, create_table_artifact
from prefect.cache_policies import NO_CACHE

from models.cycle_context import load_context
from models.db import session_scope
from tasks.runtime import engine_for
from tasks.status import cycle_overview

MAX_UNIT_ROWS = 1000


@task(cache_policy=NO_CACHE)
def publish_artifacts(database_url: str, cycle_id: str, at: datetime) -> None:
    """Three artifacts under stable keys, so the UI shows their history tick after tick."""
    # Units with something overdue first; beyond MAX_UNIT_ROWS the table is for browsing, `parindex status` has all.
    with session_scope(engine_for(database_url)) as session:
        overview = cycle_overview(session, load_context(session, cycle_id), at=at, limit=MAX_UNIT_ROWS)
    status, unit_stages, shown = overview.status, overview.unit_stages, overview.status.units
    more = f"; the {len(shown)} of {overview.unit_count} units most behind" if len(shown) < overview.unit_count else ""
    create_table_artifact(
        key=f"{cycle_id}-units-by-stage",
        table=[{"unit": u.code, "block": u.block, "state": u.state, **{s: u.stages.get(s, "") for s in unit_stages}}
               for u in shown],
        description=f"{cycle_id} at {at:%Y-%m-%d %H:%M} UTC: each unit's tasks (done, late, overdue, open, "
                    f"waiting){more}",
    )
    lines = [f"# {cycle_id}: progress per plan task at {at:%Y-%m-%d %H:%M} UTC", "",
             "| # | task | stage | done | late | overdue | total |", "|---|---|---|---|---|---|---|"]
    lines += [f"| {t.number} | {t.key} | {t.stage} | {t.done} | {t.late} | {t.overdue} | {t.total} |"
              for t in status.tasks]
    create_markdown_artifact(key=f"{cycle_id}-progress", markdown="\n".join(lines),
                             description=f"{cycle_id}: done/total per plan task")
    overdue = [{"unit": u.code, "task": o["task"], "title": o["title"], "days overdue": o["days_overdue"]}
               for u in shown for o in u.overdue][:MAX_UNIT_ROWS]
    create_table_artifact(key=f"{cycle_id}-overdue", table=overdue or [{"unit": "—", "task": "", "title":
                          "nothing overdue", "days overdue": 0}],
                          description=f"{cycle_id}: overdue unit tasks with working days overdue")
