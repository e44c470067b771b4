"""What tasks share: one engine per database URL, the current flow run, the clock."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import lru_cache

from sqlalchemy import Engine

from models.db import make_engine


@lru_cache(maxsize=8)
def engine_for(database_url: str) -> Engine:
    """One pooled engine per URL and process; tasks share it."""
    return make_engine(database_url)


def current_flow_run_id() -> str | None:
    """The Prefect flow run this code runs in, for the history; None outside Prefect."""
    try:
        from prefect.runtime import flow_run

        run_id = flow_run.id
    except Exception:
        return None
    return str(run_id) if run_id else None


def wall_clock() -> datetime:
    """The only wall-clock read in parindex: production ticks use it; simulations pass their own instant."""
    return datetime.now(UTC)
