"""Reading score versions: the newest version of each kind for each unit."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import select
from sqlmodel import Session

from models.tables import ScoreKind, ScoreVersion


@dataclass(frozen=True)
class LatestVersion:
    id: int
    version: int
    total: Decimal
    created_at: datetime


def latest_versions(session: Session, *, cycle_id: str, unit_ids: Collection[int] | None = None,
                    kinds: Collection[ScoreKind] | None = None) -> dict[tuple[int, ScoreKind], LatestVersion]:
    """(unit id, kind) → the newest version of that kind; versions are only ever added."""
    query = select(ScoreVersion.unit_id, ScoreVersion.kind, ScoreVersion.id, ScoreVersion.version,
                   ScoreVersion.total, ScoreVersion.created_at).where(ScoreVersion.cycle_id == cycle_id)
    if unit_ids is not None:
        query = query.where(ScoreVersion.unit_id.in_(list(unit_ids)))
    if kinds is not None:
        query = query.where(ScoreVersion.kind.in_([kind.value for kind in kinds]))
    latest: dict[tuple[int, ScoreKind], LatestVersion] = {}
    for unit_id, kind, version_id, version, total, created_at in session.execute(query.order_by(ScoreVersion.version)):
        latest[(unit_id, ScoreKind(kind))] = LatestVersion(version_id, version, total, created_at)
    return latest
