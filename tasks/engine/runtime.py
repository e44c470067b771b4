"""What tasks share: one engine per database URL, the database in use, the current flow run, the clock."""

from __future__ import annotations

import gc
import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from functools import cache, lru_cache

from sqlalchemy import Engine

from models.db import make_engine
from models.settings import get_settings


@lru_cache(maxsize=8)
def engine_for(database_url: str) -> Engine:
    """One pooled engine per URL and process; tasks share it."""
    return make_engine(database_url)


def database_url() -> str:
    """The database flows work on: from settings (PARINDEX_DATABASE_URL), never a flow parameter, so that no
    URL (and no password in it) is shown in the Prefect UI."""
    return get_settings().database_url


@contextmanager
def using_database(url: str) -> Iterator[str]:
    """Run flows in this process against `url`: the same setting a worker reads from its environment."""
    before = os.environ.get("PARINDEX_DATABASE_URL")
    os.environ["PARINDEX_DATABASE_URL"] = url
    get_settings.cache_clear()
    try:
        yield url
    finally:
        if before is None:
            os.environ.pop("PARINDEX_DATABASE_URL", None)
        else:
            os.environ["PARINDEX_DATABASE_URL"] = before
        get_settings.cache_clear()


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


@cache  # once per process
def settle_heap() -> None:
    """Once per process, before its first tick: collect, then take every object alive now out of the cyclic
    garbage collector's sight (gc.freeze). Those are the imported modules, classes and registries of Prefect,
    SQLAlchemy and parindex, some 200,000 objects that live as long as the process. Left in view, a full
    collection walks all of them whenever a batch of units allocates its rows: a state change of 10,000
    units spent a quarter of its time there. Freezing changes no threshold, and what is frozen is alive: no
    garbage is kept."""
    gc.collect()
    gc.freeze()
