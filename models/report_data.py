"""The results of a cycle as the report shows them: per block its ranked units, fields, bands and changes.

Averages and changes are computed from exact values (a unit's points over the maximum, last year's published
indexes) and rounded once, half up, to the published decimals; never from figures already rounded."""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from fractions import Fraction
from typing import Any

from sqlalchemy import select
from sqlmodel import Session

from models.cycle_context import CycleContext
from models.predecessors import load_priors
from models.scoring import exact_percent, round_half_up
from models.tables import Criterion, Cycle, HistoryEntry, Unit, UnitResult

# the history's reason for an approval given without its decision (`parindex approve` without --reason)
APPROVED_WITHOUT_DECISION = "Hội đồng thẩm định thông qua"


@dataclass(frozen=True)
class UnitLine:
    rank: int
    tied: bool
    code: str
    name: str
    group: str
    rank_in_group: int | None
    appraisal: Decimal
    survey: Decimal
    total: Decimal
    index: Decimal
    band: str
    fields: dict[str, Decimal]
    reward: bool
    accountability: str
    last_year: Decimal | None
    change: Decimal | None
    satisfaction: Decimal | None = None  # the satisfaction index (%), when the survey gave a rate
    satisfaction_last_year: Decimal | None = None
    exact: Fraction = Fraction(0)  # the exact index: points / maximum × 100
    field_exact: dict[str, Fraction] = field(default_factory=dict)  # each field's exact sub-index
    decided_by: list[dict[str, Any]] = field(default_factory=list)  # the edge rules that decided an outcome
    prior_kind: str = "missing"  # what last year's figures are: models.predecessors.Prior.kind
    prior_sources: tuple[str, ...] = ()  # last year's units behind them (or those whose result is missing)

    @property
    def prior_words(self) -> tuple[str, dict[str, str]] | None:
        """The catalogue key and values saying what last year's figure is, where it is not the unit's own (a new
        unit, one formed from others, a predecessor's result not imported); None for its own result."""
        if self.prior_kind in ("new", "merged", "whole") or (self.prior_kind == "missing" and self.prior_sources):
            return f"prior.{self.prior_kind}", {"sources": ", ".join(self.prior_sources)}
        return None


@dataclass
class BlockReport:
    code: str
    name: str
    units: list[UnitLine] = field(default_factory=list)
    group_names: dict[str, str] = field(default_factory=dict)  # set when the block's groups are ranked apart
    places: int = 2  # the published decimals (criteria.toml [ranking] index_decimals)
    # the block's criteria tree: its fields (code, title), each field's maximum, what appraisal and survey give
    fields: list[tuple[str, str]] = field(default_factory=list)
    maxima: dict[str, Decimal] = field(default_factory=dict)
    appraisal_max: Decimal = Decimal(0)
    survey_max: Decimal = Decimal(0)
    total_max: Decimal = Decimal(0)

    @property
    def ranks_groups(self) -> bool:
        return bool(self.group_names)

    def groups(self) -> list[tuple[str, list[UnitLine]]]:
        """Each group's name and its units by rank in the group, in the block's order of groups."""
        return [(name, sorted((u for u in self.units if u.group == code), key=lambda u: (u.rank_in_group, u.code)))
                for code, name in self.group_names.items() if any(u.group == code for u in self.units)]

    @property
    def mean_index(self) -> Decimal:
        return mean_index(self.units, self.places)

    @property
    def mean_last_year(self) -> Decimal | None:
        previous = [Fraction(u.last_year) for u in self.units if u.last_year is not None]
        return round_half_up(_mean(previous), self.places) if previous else None

    @property
    def mean_change(self) -> Decimal | None:
        """This year's mean less last year's, from the exact means (rounded once)."""
        previous = [Fraction(u.last_year) for u in self.units if u.last_year is not None]
        if not previous:
            return None
        return round_half_up(_mean([u.exact for u in self.units]) - _mean(previous), self.places)

    def band_counts(self, bands: list[str]) -> dict[str, int]:
        counts = Counter(u.band for u in self.units)
        return {band: counts.get(band, 0) for band in bands}

    def satisfaction_sides(self, threshold: Decimal) -> tuple[int, int]:
        """How many units reached the threshold (from it up) and how many stayed below it."""
        rated = [u.satisfaction for u in self.units if u.satisfaction is not None]
        reached = sum(1 for rate in rated if rate >= threshold)
        return reached, len(rated) - reached

    def satisfied_two_years(self, threshold: Decimal) -> list[UnitLine]:
        """The units at or above the threshold this year and last year: the same unit both years (its own result
        or one predecessor's whole), never a share-weighted figure of several."""
        return [u for u in self.units if u.satisfaction is not None and u.satisfaction >= threshold
                and u.prior_kind in ("same", "whole")
                and u.satisfaction_last_year is not None and u.satisfaction_last_year >= threshold]

    @property
    def has_satisfaction(self) -> bool:
        return any(u.satisfaction is not None for u in self.units)

    def capped(self) -> list[UnitLine]:
        """The units in the reward band the cap alone left out (no tie at the cap), by rank."""
        return [u for u in self.units if any(note["rule"] == "cap_out" for note in u.decided_by)]

    def field_means(self, codes: list[str]) -> dict[str, Decimal]:
        return {code: mean_field(self.units, code, self.places) for code in codes}


@dataclass
class CycleReport:
    cycle_id: str
    title: str
    year: int
    approved_at: datetime | None
    approved_by: str | None
    computed_at: datetime | None
    fields: list[tuple[str, str]]  # (code, title)
    bands: list[str]
    blocks: list[BlockReport]
    units_total: int
    unscored: list[str]
    satisfaction_threshold: Decimal | None = None  # criteria.toml [survey] satisfaction_threshold_percent
    history_digest: str = ""  # the latest signed checkpoint of the history (models.anchoring)
    history_key: str = ""  # the public key that signed it, hex
    zone: str = "Asia/Ho_Chi_Minh"  # the cycle's: dates are its local dates
    approval_decision: str = ""  # the council's decision, as the approval recorded it (`approve --reason`)
    block_names: dict[str, str] = field(default_factory=dict)
    # each band, and from which index it is given: (floor, the blocks it is for; none: every block)
    legend: list[tuple[str, list[tuple[Decimal | None, list[str]]]]] = field(default_factory=list)
    index_places: int = 2  # criteria.toml [ranking] index_decimals: how indexes, means and changes are shown
    withdrawn: list[tuple[str, str, str]] = field(default_factory=list)  # (code, name, why): not ranked
    maxima: dict[str, Decimal] = field(default_factory=dict)  # each field's maximum points
    appraisal_max: Decimal = Decimal(0)  # the points the appraisal can give, the survey, both
    survey_max: Decimal = Decimal(0)
    total_max: Decimal = Decimal(0)
    authority: str = ""  # who publishes the results: cycle.toml [decision] issuer, else the plan's issuer
    decision_number: str = ""  # cycle.toml [decision], once issued
    decision_day: date | None = None
    department: str = ""  # who reports: the department ([office]), under its authority, and who signs
    signer: tuple[str, str] = ("Giám đốc", "")  # (title, name)
    parent_authority: str = ""
    place: str = ""  # the place on the date line: "Hà Nội"
    survey_by: str = ""  # the body that ran the sociological survey
    issued_on: date | None = None  # the report's date: the day it is written, never before the approval
    reward_rule: tuple[str, str] = ("", "")  # (band, largest share of a block): criteria.toml [reward]
    accountability_rule: tuple[list[str], list[str]] = ([], [])  # (bands this year, bands two years + a drop)

    @property
    def has_satisfaction(self) -> bool:
        return any(block.has_satisfaction for block in self.blocks)


def _mean(values: list[Fraction]) -> Fraction:
    return sum(values, Fraction(0)) / len(values) if values else Fraction(0)


def mean_index(units: list[UnitLine], places: int) -> Decimal:
    """The mean of the units' exact indexes, rounded once."""
    return round_half_up(_mean([u.exact for u in units]), places)


def mean_field(units: list[UnitLine], code: str, places: int) -> Decimal:
    return round_half_up(_mean([u.field_exact[code] for u in units if code in u.field_exact]), places)


def group_in_sentence(name: str, language: str = "vi") -> str:
    """A group inside a sentence: "nhóm quận" ("Xếp hạng trong nhóm quận")."""
    title = group_title(name, language)
    return title[0].lower() + title[1:] if language != "en" else title


def group_title(name: str, language: str = "vi") -> str:
    """A group as a heading: "Nhóm quận" for the group "Quận", and as written when the plan already says
    "Nhóm …" (never "Nhóm Nhóm quận")."""
    word = "nhóm" if language != "en" else "group"
    if name.casefold().startswith(word):
        return name[0].upper() + name[1:]
    return f"{word.capitalize()} {name[0].lower() + name[1:] if language != 'en' else name}"


@dataclass
class TreeFigures:
    """A criteria tree's fields and maxima, as a block's tables head them."""

    fields: list[tuple[str, str]] = field(default_factory=list)
    maxima: dict[str, Decimal] = field(default_factory=dict)
    survey_max: Decimal = Decimal(0)

    @property
    def total_max(self) -> Decimal:
        return sum(self.maxima.values(), Decimal(0))

    def of_block(self) -> dict[str, Any]:
        return {"fields": self.fields, "maxima": self.maxima, "appraisal_max": self.total_max - self.survey_max,
                "survey_max": self.survey_max, "total_max": self.total_max}


def _tree_figures(session: Session, cycle_id: str) -> dict[str, TreeFigures]:
    found: dict[str, TreeFigures] = {}
    for c in session.execute(select(Criterion).where(Criterion.cycle_id == cycle_id)
                             .order_by(Criterion.position)).scalars():
        tree = found.setdefault(c.tree, TreeFigures())
        if c.parent_code is None:
            tree.fields.append((c.code, c.title))
            tree.maxima[c.code] = c.max_points
        if c.method == "survey":
            tree.survey_max += c.max_points
    return found


def cycle_report(session: Session, ctx: CycleContext, *, at: datetime) -> CycleReport:
    """The cycle's results as the report shows them, written at `at` (the report's date: that day, never before
    the approval)."""
    cycle = session.get(Cycle, ctx.cycle_id)
    trees = _tree_figures(session, ctx.cycle_id)
    first = trees.get(ctx.tree_of(ctx.spec.blocks[0].code), TreeFigures())
    fields, maxima, total_max, survey_max = first.fields, first.maxima, first.total_max, first.survey_max
    places = ctx.criteria_set.ranking.index_decimals
    priors = load_priors(session, ctx.cycle_id, ctx.year - 1, places)
    rows = session.execute(select(Unit, UnitResult).join(UnitResult, UnitResult.unit_id == Unit.id, isouter=True)
                           .where(Unit.cycle_id == ctx.cycle_id)).all()
    configured = ctx.criteria_set.survey.satisfaction_threshold_percent
    threshold = Decimal(str(configured)) if configured is not None else None
    blocks = {b.code: BlockReport(b.code, b.name, group_names={g: ctx.group_name(g) for g in b.groups}
                                  if b.rank_groups else {}, places=places,
                                  **trees.get(b.criteria, TreeFigures()).of_block())
              for b in ctx.spec.blocks}
    unscored, computed = [], None
    withdrawn = [(unit.code, unit.name, unit.withdrawn_reason or "") for unit, _ in rows if unit.withdrawn_at]
    ranked = [(unit, result) for unit, result in rows if unit.withdrawn_at is None]
    rank_counts = Counter((unit.block, result.rank_in_block) for unit, result in ranked if result)
    for unit, result in ranked:
        if result is None:
            unscored.append(unit.code)
            continue
        computed = max(computed, result.computed_at) if computed else result.computed_at
        prior = priors[unit.code]
        last = prior.index_percent
        block = blocks[unit.block]
        exact = exact_percent(result.total_points, block.total_max)
        points = {k: Decimal(v) for k, v in json.loads(result.field_points).items()}
        blocks[unit.block].units.append(UnitLine(
            rank=result.rank_in_block, tied=rank_counts[(unit.block, result.rank_in_block)] > 1, code=unit.code,
            name=unit.name, group=unit.group, rank_in_group=result.rank_in_group,
            appraisal=result.appraisal_points, survey=result.survey_points, total=result.total_points,
            index=round_half_up(exact, places), band=result.band,
            fields={k: Decimal(v) for k, v in json.loads(result.field_indexes).items()},
            reward=result.reward_eligible, accountability=result.accountability, last_year=last,
            change=round_half_up(exact - Fraction(last), places) if last is not None else None,
            satisfaction=result.satisfaction_percent, satisfaction_last_year=prior.satisfaction_percent,
            prior_kind=prior.kind, prior_sources=prior.named,
            exact=exact, field_exact={k: exact_percent(v, block.maxima[k]) for k, v in points.items()
                                      if k in block.maxima}
            or {k: Fraction(v) for k, v in json.loads(result.field_indexes).items()},  # scored before 0009
            decided_by=json.loads(result.decided_by)))
    for block in blocks.values():
        block.units.sort(key=lambda u: (u.rank, u.code))
    decision = session.execute(select(HistoryEntry.reason).where(
        HistoryEntry.cycle_id == ctx.cycle_id, HistoryEntry.event == "approve")
        .order_by(HistoryEntry.seq.desc()).limit(1)).scalar() if cycle.approved_at else None
    decided, office = ctx.spec.decision, ctx.spec.office
    today = ctx.calendar.local_date(at)
    approved_on = ctx.calendar.local_date(cycle.approved_at) if cycle.approved_at else None
    return CycleReport(ctx.cycle_id, ctx.title, ctx.year, cycle.approved_at, cycle.approved_by, computed, fields,
                       [b.name for b in ctx.criteria_set.bands], [b for b in blocks.values() if b.units],
                       len(ranked), sorted(unscored), threshold, zone=ctx.calendar.zone.key,
                       approval_decision="" if decision in (None, APPROVED_WITHOUT_DECISION) else decision,
                       block_names={b.code: b.name for b in ctx.spec.blocks},
                       legend=_legend(ctx), index_places=places, withdrawn=sorted(withdrawn), maxima=maxima,
                       appraisal_max=total_max - survey_max, survey_max=survey_max, total_max=total_max,
                       authority=(decided.issuer if decided and decided.issuer else ctx.spec.plan.issuer),
                       decision_number=decided.number if decided else "",
                       decision_day=decided.issued if decided else None,
                       department=office.department if office else ctx.coordinator.name,
                       signer=(office.signer_title, office.signer_name) if office else ("Giám đốc", ""),
                       parent_authority=office.authority if office and office.authority else ctx.spec.plan.issuer,
                       place=place_name(ctx.spec.province),
                       survey_by=next((b.name for b in ctx.spec.bodies if b.role == "institute"), ""),
                       issued_on=max(today, approved_on) if approved_on else today,
                       reward_rule=(ctx.criteria_set.reward.band, ctx.criteria_set.reward.max_share_of_block),
                       accountability_rule=(list(ctx.criteria_set.accountability.band_this_year),
                                            list(ctx.criteria_set.accountability.band_two_years_and_rank_drop)))


def short_department(department: str) -> str:
    """The department as a letterhead writes it under its authority: "Sở Nội vụ thành phố Hải Phòng" → "Sở Nội
    vụ" (the authority's line above names the place)."""
    return re.sub(r"\s+(thành phố|tỉnh)\s.*$", "", department, flags=re.IGNORECASE)


def place_name(province: str) -> str:
    """The place on a document's date line: "Thành phố Hà Nội" → "Hà Nội", "Tỉnh Nam Định" → "Nam Định";
    Hồ Chí Minh City keeps its "Thành phố"."""
    for prefix in ("Thành phố ", "Tỉnh ", "thành phố ", "tỉnh "):
        if province.startswith(prefix) and "Hồ Chí Minh" not in province:
            return province.removeprefix(prefix)
    return province


def _legend(ctx: CycleContext) -> list[tuple[str, list[tuple[Decimal | None, list[str]]]]]:
    """Each band and the index from which it is given, per block where the blocks differ (None: the rest)."""
    names = {b.code: b.name for b in ctx.spec.blocks}
    floors: dict[str, list[tuple[Decimal | None, list[str]]]] = {}
    for band in ctx.criteria_set.bands:
        floor = Decimal(str(band.min_percent)) if band.min_percent else None
        floors.setdefault(band.name, []).append((floor, [names.get(code, code) for code in band.blocks]))
    return list(floors.items())
