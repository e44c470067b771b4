"""Scoring rules: points to index, sub-indexes, competition ranks, bands, rewards and accountability."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

from models.definition.cycle import CriterionDef
from models.definition.specs import CriteriaSetSpec

HUNDRED = Decimal(100)
TWO_PLACES = Decimal("0.01")


@dataclass(frozen=True)
class UnitInput:
    code: str
    block: str
    group: str
    appraisal: Mapping[str, Decimal]  # field (top-level criterion) code → points of its appraised leaves
    survey: Mapping[str, Decimal]  # field code → points of its surveyed leaves


@dataclass(frozen=True)
class LastYear:
    band: str
    rank_in_block: int


@dataclass(frozen=True)
class UnitScore:
    code: str
    block: str
    group: str
    appraisal_points: Decimal
    survey_points: Decimal
    total_points: Decimal
    index_percent: Decimal
    field_indexes: dict[str, Decimal]
    rank_in_block: int
    rank_in_group: int
    band: str
    reward_eligible: bool
    accountability: str


def percent(points: Decimal, maximum: Decimal) -> Decimal:
    """points / maximum × 100, to two decimals, half up."""
    return (points / maximum * HUNDRED).quantize(TWO_PLACES, rounding=ROUND_HALF_UP)


def competition_ranks(values: Mapping[str, Decimal]) -> dict[str, int]:
    """1 for the highest; equal values share a rank ("đồng hạng") and the next rank skips."""
    ordered = sorted(values.items(), key=lambda item: (-item[1], item[0]))
    ranks: dict[str, int] = {}
    for position, (code, value) in enumerate(ordered, start=1):
        previous = ordered[position - 2] if position > 1 else None
        ranks[code] = ranks[previous[0]] if previous and previous[1] == value else position
    return ranks


def score_block(units: Sequence[UnitInput], criteria: Sequence[CriterionDef], rules: CriteriaSetSpec,
                reward_share: Fraction, last_year: Mapping[str, LastYear] | None = None) -> list[UnitScore]:
    """Scores for every unit of one block, ranked within the block and within each group."""
    fields = [c for c in criteria if c.parent_code is None]
    total_max = sum((f.max_points for f in fields), Decimal(0))
    sums = {u.code: _sums(u, fields) for u in units}
    indexes = {code: percent(total, total_max) for code, (_, _, total, _) in sums.items()}
    block_ranks = competition_ranks(indexes)
    by_group: dict[str, dict[str, Decimal]] = defaultdict(dict)
    for unit in units:
        by_group[unit.group][unit.code] = indexes[unit.code]
    group_ranks = {code: rank for group in by_group.values() for code, rank in competition_ranks(group).items()}
    results = []
    for unit in units:
        appraisal, survey, total, field_points = sums[unit.code]
        band = band_for(indexes[unit.code], unit.block, rules)
        reward = band == rules.reward.band and block_ranks[unit.code] <= reward_share * len(units)
        previous = (last_year or {}).get(unit.code)
        results.append(UnitScore(
            code=unit.code, block=unit.block, group=unit.group, appraisal_points=appraisal, survey_points=survey,
            total_points=total, index_percent=indexes[unit.code],
            field_indexes={f.code: percent(field_points[f.code], f.max_points) for f in fields},
            rank_in_block=block_ranks[unit.code], rank_in_group=group_ranks[unit.code], band=band,
            reward_eligible=reward, accountability=accountability(band, block_ranks[unit.code], previous, rules),
        ))
    return sorted(results, key=lambda r: (r.rank_in_block, r.code))


def _sums(unit: UnitInput, fields: Sequence[CriterionDef]):  # type: ignore[no-untyped-def]
    appraisal = sum(unit.appraisal.values(), Decimal(0))
    survey = sum(unit.survey.values(), Decimal(0))
    field_points = {f.code: unit.appraisal.get(f.code, Decimal(0)) + unit.survey.get(f.code, Decimal(0))
                    for f in fields}
    return appraisal, survey, appraisal + survey, field_points


def band_for(index: Decimal, block: str, rules: CriteriaSetSpec) -> str:
    """The first band (highest first) that applies to the block and whose minimum the index reaches."""
    for band in rules.bands:
        if (not band.blocks or block in band.blocks) and index >= Decimal(str(band.min_percent)):
            return band.name
    return rules.bands[-1].name


def accountability(band: str, rank: int, previous: LastYear | None, rules: CriteriaSetSpec) -> str:
    """Why the head is flagged for accountability (in Vietnamese, as the report prints it), or '' when not."""
    if band in rules.accountability.band_this_year:
        return f"xếp loại {band} năm nay"
    two_years = rules.accountability.band_two_years_and_rank_drop
    if previous and band in two_years and previous.band in two_years and rank > previous.rank_in_block:
        return f"xếp loại {previous.band} năm trước và {band} năm nay, tụt hạng {previous.rank_in_block} → {rank}"
    return ""
