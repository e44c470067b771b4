"""Reading score versions: the newest version of each kind for each unit."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import select
from sqlmodel import Session

from models.batching import chunked
from models.lifecycle import FULL, Lifecycle
from models.tables import ScoreKind, ScoreLine, ScoreVersion, Unit


def final_appraisal_kind(lifecycle: Lifecycle) -> ScoreKind:
    """The working group's last appraisal in this plan: round 2, or round 1 when the plan has no second draft."""
    return ScoreKind.APPRAISED_ROUND2 if lifecycle.has("appraisal_round2") else ScoreKind.APPRAISED_ROUND1


def scored_kinds(lifecycle: Lifecycle) -> tuple[ScoreKind, ...]:
    """What a result is made of: the last appraisal (or the council's final scores) and the survey."""
    return (final_appraisal_kind(lifecycle), ScoreKind.COUNCIL_FINAL, ScoreKind.SURVEY)


SCORED_KINDS = scored_kinds(FULL)  # a full plan's


@dataclass(frozen=True)
class LatestVersion:
    id: int
    version: int
    total: Decimal
    created_at: datetime
    satisfaction_percent: Decimal | None = None  # survey versions: the satisfaction rate, when one was given
    withdrawn: bool = False  # a council final withdrawn by a re-run below it: the kind is not in force


def latest_versions(session: Session, *, cycle_id: str, unit_ids: Collection[int] | None = None,
                    kinds: Collection[ScoreKind] | None = None,
                    withdrawn: bool = False) -> dict[tuple[int, ScoreKind], LatestVersion]:
    """(unit id, kind) → the newest version of that kind in force; versions are only ever added. A kind whose
    newest version withdraws it (a council final after a re-run below it) is left out, unless `withdrawn`."""
    query = select(ScoreVersion.unit_id, ScoreVersion.kind, ScoreVersion.id, ScoreVersion.version,
                   ScoreVersion.total, ScoreVersion.created_at, ScoreVersion.satisfaction_percent,
                   ScoreVersion.withdrawn).where(ScoreVersion.cycle_id == cycle_id)
    if unit_ids is not None:
        query = query.where(ScoreVersion.unit_id.in_(list(unit_ids)))
    if kinds is not None:
        query = query.where(ScoreVersion.kind.in_([kind.value for kind in kinds]))
    latest: dict[tuple[int, ScoreKind], LatestVersion] = {}
    for unit_id, kind, version_id, version, total, created_at, rate, gone in session.execute(
            query.order_by(ScoreVersion.version)):
        latest[(unit_id, ScoreKind(kind))] = LatestVersion(version_id, version, total, created_at, rate, gone)
    return latest if withdrawn else {key: version for key, version in latest.items() if not version.withdrawn}


def version_lines(session: Session, version_ids: Collection[int]) -> dict[int, dict[str, Decimal]]:
    """Version id → criterion → points, for many versions in a few queries."""
    found: dict[int, dict[str, Decimal]] = {}
    for chunk in chunked(list(version_ids)):
        for version_id, code, points in session.execute(
                select(ScoreLine.score_version_id, ScoreLine.criterion_code, ScoreLine.points)
                .where(ScoreLine.score_version_id.in_(chunk))):
            found.setdefault(version_id, {})[code] = points
    return found


def field_totals(lines: Mapping[str, Decimal]) -> dict[str, Decimal]:
    """Field (top-level criterion, the first part of a leaf's code) → the points of the leaves under it."""
    totals: dict[str, Decimal] = defaultdict(Decimal)
    for code, points in lines.items():
        totals[code.split(".")[0]] += points
    return dict(totals)


def field_totals_json(lines: Mapping[str, Decimal]) -> str:
    """The field totals as the version keeps them (`scoreversion.field_totals`)."""
    return json.dumps({field: str(points) for field, points in field_totals(lines).items()})


def version_field_totals(session: Session, version_ids: Collection[int]) -> dict[int, dict[str, Decimal]]:
    """Version id → its field totals, kept with the version when it was written: scoring a season reads
    one short row per version, never its score lines."""
    found: dict[int, dict[str, Decimal]] = {}
    for chunk in chunked(list(version_ids)):
        for version_id, totals in session.execute(
                select(ScoreVersion.id, ScoreVersion.field_totals).where(ScoreVersion.id.in_(chunk))):
            found[version_id] = {field: Decimal(points) for field, points in json.loads(totals).items()}
    return found


def latest_lines(session: Session, *, cycle_id: str, unit_codes: Collection[str],
                 kinds: Sequence[ScoreKind]) -> dict[str, dict[str, Decimal]]:
    """Unit code → the points of its newest version of the first of `kinds` it has (units with none left out)."""
    if not kinds or not unit_codes:
        return {}
    codes = unit_codes_by_id(session, cycle_id, unit_codes)
    latest = latest_versions(session, cycle_id=cycle_id, unit_ids=list(codes), kinds=kinds)
    chosen: dict[int, str] = {}
    for unit_id, code in codes.items():
        version = next((latest[(unit_id, kind)] for kind in kinds if (unit_id, kind) in latest), None)
        if version is not None:
            chosen[version.id] = code
    return {chosen[version_id]: lines for version_id, lines in version_lines(session, chosen).items()}


def latest_satisfaction(session: Session, cycle_id: str, unit_codes: Collection[str]) -> dict[str, Decimal]:
    """Unit code → the satisfaction rate of its newest survey version (each survey import carries the last
    rate forward, so the newest version has one whenever any had)."""
    codes = unit_codes_by_id(session, cycle_id, unit_codes)
    latest = latest_versions(session, cycle_id=cycle_id, unit_ids=list(codes), kinds=[ScoreKind.SURVEY])
    return {codes[unit_id]: version.satisfaction_percent for (unit_id, _), version in latest.items()
            if version.satisfaction_percent is not None}


def unit_codes_by_id(session: Session, cycle_id: str, unit_codes: Collection[str]) -> dict[int, str]:
    """Unit id → code for these codes of the cycle (unknown codes left out)."""
    codes: dict[int, str] = {}
    for chunk in chunked(sorted(set(unit_codes))):
        codes.update(session.execute(select(Unit.id, Unit.code).where(
            Unit.cycle_id == cycle_id, Unit.code.in_(chunk))).all())
    return codes


def latest_references(session: Session, cycle_id: str, unit_codes: Collection[str]) -> dict[tuple[str, str], str]:
    """(unit, leaf) → the evidence the unit cited: its newest self-assessment's reference, and its newest
    explanations' where they add one."""
    codes = unit_codes_by_id(session, cycle_id, unit_codes)
    latest = latest_versions(session, cycle_id=cycle_id, unit_ids=list(codes),
                             kinds=[ScoreKind.SELF_ASSESSED, ScoreKind.EXPLAINED])
    found: dict[tuple[str, str], str] = {}
    for kind in (ScoreKind.SELF_ASSESSED, ScoreKind.EXPLAINED):
        versions = {version.id: codes[unit_id] for (unit_id, k), version in latest.items() if k == kind}
        for chunk in chunked(list(versions)):
            for version_id, leaf, reference in session.execute(
                    select(ScoreLine.score_version_id, ScoreLine.criterion_code, ScoreLine.evidence_ref)
                    .where(ScoreLine.score_version_id.in_(chunk), ScoreLine.evidence_ref != "")):
                key = (versions[version_id], leaf)
                if key not in found:
                    found[key] = reference
                elif reference not in found[key]:
                    found[key] = f"{found[key]}; {reference}"
    return found
