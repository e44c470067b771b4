"""Registering a cycle definition in the database, or bringing a registered one up to date."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from pathlib import Path

from models.cycle_context import load_context
from models.cycle_store import LoadResult, find_cycle, insert_cycle
from models.cycle_update import season_under_way, update_cycle
from models.db import make_engine, session_scope, upgrade_schema
from models.definition.loader import load_cycle
from models.settings import get_settings
from notifications.outbox import cancel_obsolete
from tasks.engine.runtime import wall_clock
from tasks.operations.extensions import tell_new_deadline


class _NotApplied(Exception):
    """Carries a dry run's result out of its transaction, which is rolled back."""

    def __init__(self, result: LoadResult) -> None:
        super().__init__(result.cycle_id)
        self.result = result


def register_cycle(*, database_url: str, folder: Path, actor: str, at: datetime | None = None,
                   confirmed: bool = False) -> LoadResult:
    """Load and check a cycle folder, then register it, or apply its changes to what has not happened yet.
    A refused change (DefinitionConflict) leaves the database as it was. In a season under way a change
    reaches people (deadlines, notices): it is worked out and shown, and applied only when `confirmed`."""
    definition = load_cycle(folder)
    upgrade_schema(database_url)
    engine = make_engine(database_url)
    at = at or wall_clock()
    try:
        with session_scope(engine) as session:
            existing = find_cycle(session, definition.id)
            if existing is None:
                return insert_cycle(session, definition, at=at, actor=actor)
            if existing.definition_hash == definition.content_hash:
                return LoadResult(definition.id, created=False)
            under_way = season_under_way(session, definition.id)
            result = update_cycle(session, existing, definition, at=at, actor=actor)
            _tell_moved_deadlines(session, result, at=at)
            if under_way and not confirmed:
                raise _NotApplied(replace(result, applied=False))
            return result
    except _NotApplied as dry_run:  # rolled back: nothing of it was written
        return dry_run.result
    finally:
        engine.dispose()


def _tell_moved_deadlines(session, result: LoadResult, *, at: datetime) -> None:
    """What an operator's extension does, for each plan deadline that moved under units already at work:
    pending mail that carries the old date is cancelled, and each assignee is told the new one."""
    if not result.moves:
        return
    ctx, settings = load_context(session, result.cycle_id), get_settings()
    session.flush()
    cancel_obsolete(session, cycle_id=result.cycle_id, reason=result.moves[0].reason)
    for move in result.moves:
        tell_new_deadline(session, ctx, settings, task_number=move.task_number, ids=move.assignment_ids,
                          reason=move.reason,
                          rolled=ctx.task_by_number(move.task_number).moved_because or "", at=at, plan_change=True,
                          earlier=move.earlier)
