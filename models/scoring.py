"""Scoring rules: points to index, sub-indexes, competition ranks, bands, rewards and accountability.

Arithmetic is exact (fractions of the points, kept with three decimals) and rounded once, half up, for
display. What rank, band, reward and accountability compare is the criteria set's written rule
(criteria.toml [ranking] compare): the published index, or the exact one. Wherever a tie, a band's
threshold or the reward cap decided an outcome, the unit's result carries a note saying which rule did
(`UnitScore.decided_by`), for its letter and the report.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from typing import Any

from models.definition.cycle import CriterionDef
from models.definition.specs import CriteriaSetSpec

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
    """What a unit is compared with (models.predecessors): band and rank only when one unit of last year stands
    behind it whole; a new or merged unit has neither."""

    band: str | None
    rank_in_block: int | None
    kind: str = "same"  # same | whole | merged | new
    sources: tuple[str, ...] = ()


@dataclass(frozen=True)
class UnitScore:
    code: str
    block: str
    group: str
    appraisal_points: Decimal
    survey_points: Decimal
    total_points: Decimal
    index_percent: Decimal  # published: rounded once to the set's index_decimals
    field_indexes: dict[str, Decimal]  # published, likewise
    rank_in_block: int
    rank_in_group: int
    band: str
    reward_eligible: bool
    accountability: str
    field_points: dict[str, Decimal] = field(default_factory=dict)  # exact: what averages are computed from
    decided_by: list[dict[str, Any]] = field(default_factory=list)  # the edge rules that decided an outcome


def round_half_up(value: Fraction, places: int) -> Decimal:
    """An exact value rounded once, half up (away from zero at a half), to `places` decimals."""
    scaled = abs(value) * 10 ** places
    whole = int(scaled)
    if scaled - whole >= Fraction(1, 2):
        whole += 1
    return (Decimal(-whole if value < 0 else whole) / (Decimal(10) ** places)).quantize(Decimal(1).scaleb(-places))


def exact_percent(points: Decimal, maximum: Decimal) -> Fraction:
    return Fraction(points) / Fraction(maximum) * 100


def percent(points: Decimal, maximum: Decimal, places: int = 2) -> Decimal:
    """points / maximum × 100, rounded once, half up."""
    return round_half_up(exact_percent(points, maximum), places)


def competition_ranks(values: Mapping[str, Any]) -> dict[str, int]:
    """1 for the highest; equal values share a rank ("đồng hạng") and the next rank skips."""
    ordered = sorted(values.items(), key=lambda item: (-item[1], item[0]))
    ranks: dict[str, int] = {}
    for position, (code, value) in enumerate(ordered, start=1):
        previous = ordered[position - 2] if position > 1 else None
        ranks[code] = ranks[previous[0]] if previous and previous[1] == value else position
    return ranks


@dataclass(frozen=True)
class _Unit:
    code: str
    appraisal: Decimal
    survey: Decimal
    total: Decimal
    field_points: dict[str, Decimal]
    exact: Fraction
    published: Decimal
    key: Fraction  # what is compared: the published index or the exact one


def score_block(units: Sequence[UnitInput], criteria: Sequence[CriterionDef], rules: CriteriaSetSpec,
                reward_share: Fraction, last_year: Mapping[str, LastYear] | None = None) -> list[UnitScore]:
    """Scores for every unit of one block, ranked within the block and within each group."""
    fields = [c for c in criteria if c.parent_code is None]
    total_max = sum((f.max_points for f in fields), Decimal(0))
    places = rules.ranking.index_decimals
    scored = {u.code: _measure(u, fields, total_max, places, rules.ranking.compare) for u in units}
    keys = {code: s.key for code, s in scored.items()}
    block_ranks = competition_ranks(keys)
    by_group: dict[str, dict[str, Fraction]] = defaultdict(dict)
    for unit in units:
        by_group[unit.group][unit.code] = keys[unit.code]
    group_ranks = {code: rank for group in by_group.values() for code, rank in competition_ranks(group).items()}
    notes = _rank_notes(scored, block_ranks, places, rules.ranking.compare)
    bands = {u.code: band_for(keys[u.code], u.block, rules) for u in units}
    for unit in units:
        notes[unit.code] += _band_notes(scored[unit.code], unit.block, bands[unit.code], rules)
    rewarded = _reward(units, scored, bands, block_ranks, rules, reward_share, notes)
    results = []
    for unit in units:
        s = scored[unit.code]
        previous = (last_year or {}).get(unit.code)
        results.append(UnitScore(
            code=unit.code, block=unit.block, group=unit.group, appraisal_points=s.appraisal,
            survey_points=s.survey, total_points=s.total, index_percent=s.published,
            field_indexes={f.code: percent(s.field_points[f.code], f.max_points, places) for f in fields},
            rank_in_block=block_ranks[unit.code], rank_in_group=group_ranks[unit.code], band=bands[unit.code],
            reward_eligible=unit.code in rewarded,
            accountability=accountability(bands[unit.code], block_ranks[unit.code], previous, rules),
            field_points=s.field_points, decided_by=notes[unit.code] + _prior_notes(bands[unit.code], previous, rules),
        ))
    return sorted(results, key=lambda r: (r.rank_in_block, r.code))


def _measure(unit: UnitInput, fields: Sequence[CriterionDef], total_max: Decimal, places: int,
             compare: str) -> _Unit:
    appraisal = sum(unit.appraisal.values(), Decimal(0))
    survey = sum(unit.survey.values(), Decimal(0))
    field_points = {f.code: unit.appraisal.get(f.code, Decimal(0)) + unit.survey.get(f.code, Decimal(0))
                    for f in fields}
    exact = exact_percent(appraisal + survey, total_max)
    published = round_half_up(exact, places)
    return _Unit(unit.code, appraisal, survey, appraisal + survey, field_points, exact, published,
                 Fraction(published) if compare == "published" else exact)


def _rank_notes(scored: Mapping[str, _Unit], ranks: Mapping[str, int], places: int,
                compare: str) -> dict[str, list[dict[str, Any]]]:
    """Per unit: a shared rank, and (comparing exact indexes) an order decided below the published decimals."""
    by_rank: dict[int, list[str]] = defaultdict(list)
    by_published: dict[Decimal, list[str]] = defaultdict(list)
    for code in sorted(scored):
        by_rank[ranks[code]].append(code)
        by_published[scored[code].published].append(code)
    notes: dict[str, list[dict[str, Any]]] = {code: [] for code in scored}
    for rank, codes in by_rank.items():
        if len(codes) < 2:
            continue
        rounded = len({scored[c].exact for c in codes}) > 1
        for code in codes:
            notes[code].append({"rule": "tie", "rank": rank, **_others(codes, code),
                                "index": str(scored[code].published), "rounded": rounded, "places": places})
    if compare == "exact":
        for published, codes in by_published.items():
            if len({ranks[c] for c in codes}) < 2:
                continue
            for code in codes:
                apart = [c for c in codes if ranks[c] != ranks[code]]
                notes[code].append({"rule": "order_exact", "rank": ranks[code], **_others([code, *apart], code),
                                    "index": str(published), "exact": _shown(scored[code].exact), "places": places})
    return notes


def _others(codes: Sequence[str], code: str, named: int = 10) -> dict[str, Any]:
    """The other units of a tie, the first ten named and the rest counted."""
    others = [c for c in codes if c != code]
    return {"others": others[:named], "more": len(others) - named} if len(others) > named else {"others": others}


def _shown(value: Fraction) -> str:
    """An exact index as a reader can check it: up to four decimals (more only if it needs them to differ)."""
    return str(round_half_up(value, 4).normalize())


def _band_notes(unit: _Unit, block: str, band: str, rules: CriteriaSetSpec) -> list[dict[str, Any]]:
    """When rounding decided the band: the published index reaches a threshold the exact one does not."""
    places = rules.ranking.index_decimals
    for candidate in rules.bands:
        if candidate.blocks and block not in candidate.blocks:
            continue
        threshold = Fraction(str(candidate.min_percent))
        if Fraction(unit.published) >= threshold > unit.exact:
            rule = "band_rounded" if rules.ranking.compare == "published" else "band_exact"
            return [{"rule": rule, "band": band, "threshold_band": candidate.name,
                     "threshold": str(Decimal(str(candidate.min_percent)).normalize()), "index": str(unit.published),
                     "exact": _shown(unit.exact), "places": places}]
    return []


def _reward(units: Sequence[UnitInput], scored: Mapping[str, _Unit], bands: Mapping[str, str],
            ranks: Mapping[str, int], rules: CriteriaSetSpec, share: Fraction,
            notes: dict[str, list[dict[str, Any]]]) -> set[str]:
    """The units proposed for reward: in the reward band, at most the cap (share × units, whole part); tied
    units across the cap all out, or settled by the written tie-break (still tied: out)."""
    cap = int(share * len(units))
    about = {"cap": cap, "count": len(units), "share": f"{share.numerator}/{share.denominator}"}
    candidates = sorted((u.code for u in units if bands[u.code] == rules.reward.band), key=lambda c: (ranks[c], c))
    by_rank: dict[int, list[str]] = defaultdict(list)
    for code in candidates:
        by_rank[ranks[code]].append(code)
    rewarded: set[str] = set()
    ties = rules.reward.ties_at_cap
    for rank, tied in sorted(by_rank.items()):
        room = cap - len(rewarded)
        if len(tied) <= room:
            rewarded.update(tied)
            continue
        if len(tied) > 1 and room > 0 and isinstance(ties, list):
            rewarded.update(_settle(tied, room, rank, scored, ties, about, notes))
        elif len(tied) > 1 and room > 0:
            for code in tied:
                notes[code].append({"rule": "cap_tie_out", "rank": rank, **_others(tied, code), **about})
        else:
            for code in tied:
                notes[code].append({"rule": "cap_out", "rank": rank, "band": rules.reward.band, **about})
        room = 0
        for later in (c for r, codes in sorted(by_rank.items()) if r > rank for c in codes):
            notes[later].append({"rule": "cap_out", "rank": ranks[later], "band": rules.reward.band, **about})
        break
    return rewarded


def _settle(tied: list[str], room: int, rank: int, scored: Mapping[str, _Unit], ties: Sequence[str],
            about: dict[str, Any], notes: dict[str, list[dict[str, Any]]]) -> set[str]:
    """Units tied across the cap, ordered by the tie-break's points in turn; a sub-tie that would exceed the
    cap is left out whole, and so is everyone after it."""
    def points(code: str) -> tuple[Decimal, ...]:
        return tuple(scored[code].appraisal if key == "appraisal_points" else scored[code].survey for key in ties)
    groups: dict[tuple[Decimal, ...], list[str]] = defaultdict(list)
    for code in tied:
        groups[points(code)].append(code)
    won: set[str] = set()
    closed = False
    for _, codes in sorted(groups.items(), key=lambda item: tuple(-p for p in item[0])):
        fits = not closed and len(won) + len(codes) <= room
        closed = closed or not fits
        if fits:
            won.update(codes)
        for code in codes:
            notes[code].append({"rule": "cap_tie_break", "rank": rank, **_others(tied, code), "by": list(ties),
                                "won": fits, **about})
    return won


def band_for(index: Fraction | Decimal, block: str, rules: CriteriaSetSpec) -> str:
    """The first band (highest first) that applies to the block and whose minimum the index reaches."""
    for band in rules.bands:
        if (not band.blocks or block in band.blocks) and Fraction(index) >= Fraction(str(band.min_percent)):
            return band.name
    return rules.bands[-1].name


def _prior_notes(band: str, previous: LastYear | None, rules: CriteriaSetSpec) -> list[dict[str, Any]]:
    """Where the two-years rule could have flagged the unit but it has no rank last year to drop from: a new unit,
    or one formed from several (their results weighed into one index, their ranks not comparable)."""
    if previous is None or previous.kind not in ("new", "merged") or band in rules.accountability.band_this_year:
        return []
    if band not in rules.accountability.band_two_years_and_rank_drop:
        return []
    return [{"rule": f"no_prior_{previous.kind}", "band": band, "sources": ", ".join(previous.sources)}]


def accountability(band: str, rank: int, previous: LastYear | None, rules: CriteriaSetSpec) -> str:
    """Why the head is flagged for accountability (in Vietnamese, as the report prints it), or '' when not."""
    if band in rules.accountability.band_this_year:
        return f"xếp loại {band} năm nay"
    two_years = rules.accountability.band_two_years_and_rank_drop
    if previous and previous.band in two_years and previous.rank_in_block is not None and band in two_years \
            and rank > previous.rank_in_block:
        return f"xếp loại {previous.band} năm trước và {band} năm nay, tụt hạng {previous.rank_in_block} → {rank}"
    return ""
