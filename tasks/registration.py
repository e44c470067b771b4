"""Registering a cycle definition in the database, or bringing a registered one up to date."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from models.cycle_store import LoadResult, find_cycle, insert_cycle
from models.cycle_update import update_cycle
from models.db import make_engine, session_scope, upgrade_schema
from models.definition.loader import load_cycle
from tasks.runtime import wall_clock


def register_cycle(*, database_url: str, folder: Path, actor: str, at: datetime | None = None) -> LoadResult:
    """Load and check a cycle folder, then register it, or apply its changes to what has not happened yet.
    A refused change (DefinitionConflict) leaves the database as it was."""
    definition = load_cycle(folder)
    upgrade_schema(database_url)
    engine = make_engine(database_url)
    try:
        with session_scope(engine) as session:
            existing = find_cycle(session, definition.id)
            if existing is None:
                return insert_cycle(session, definition, at=at or wall_clock(), actor=actor)
            if existing.definition_hash == definition.content_hash:
                return LoadResult(definition.id, created=False)
            return update_cycle(session, existing, definition, at=at or wall_clock(), actor=actor)
    finally:
        engine.dispose()
