"""An auditor's recomputation: every published result, again, from the score lines, by a separate and
deliberately plain implementation.

Nothing here is shared with scoring (models.scoring, tasks.engine.scoring, models.report_data's arithmetic): it
reads the stored tables (score versions and their lines, the criteria tree, last year's results, the
criteria set's rules as the cycle was registered), computes with fractions only, and compares what it finds
with what was published: each unit's result (points, index, field sub-indexes, ranks, band, reward,
accountability, satisfaction index) and the report's block figures (means, last year's mean, the change,
field means, band counts). Every difference is listed.
"""

from __future__ import annotations

import json
import math
from bisect import bisect_left, bisect_right
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from typing import Any

from sqlalchemy import select
from sqlmodel import Session

from models.cycle_context import load_context
from models.predecessors import Prior, load_priors
from models.report_data import cycle_report
from models.tables import Criterion, Cycle, PlanTask, ScoreLine, ScoreVersion, Unit, UnitResult


@dataclass(frozen=True)
class Difference:
    subject: str  # a unit's code, or "block:<code>"
    what: str  # the published figure (catalogue key recompute.<what>; "field"/"mean_field" with `code`)
    published: str
    recomputed: str
    detail: str = ""  # the field, for a field's figures; the band, for a band's count


@dataclass
class Recomputation:
    cycle_id: str
    units: int = 0  # results recomputed
    blocks: int = 0
    figures: int = 0  # published figures compared
    stale: list[str] = field(default_factory=list)  # results awaiting a rescore: not compared
    differences: list[Difference] = field(default_factory=list)
    places: int = 2  # the published decimals of indexes (criteria.toml [ranking] index_decimals)
    block_names: dict[str, str] = field(default_factory=dict)


def to_places(value: Fraction, places: int) -> Fraction:
    """Half up, once: floor(value × 10^places + 1/2) / 10^places (the index is never negative; changes may be)."""
    scale = 10 ** places
    if value < 0:
        return -to_places(-value, places)
    return Fraction(math.floor(value * scale + Fraction(1, 2)), scale)


def recompute_cycle(session: Session, cycle_id: str) -> Recomputation:
    cycle = session.get(Cycle, cycle_id)
    rules = json.loads(cycle.definition_json)["criteria_set"]
    places = rules["ranking"]["index_decimals"]
    found = Recomputation(cycle_id, places=places)
    units = {u.id: u for u in session.execute(select(Unit).where(Unit.cycle_id == cycle_id)).scalars()}
    published = {r.unit_id: r for r in session.execute(
        select(UnitResult).where(UnitResult.cycle_id == cycle_id)).scalars()}
    found.stale = sorted(units[i].code for i, r in published.items() if r.stale)
    if not published:
        return found
    trees: dict[str, dict[str, Criterion]] = defaultdict(dict)  # each block's tree, read from the stored rows
    for c in session.execute(select(Criterion).where(Criterion.cycle_id == cycle_id)).scalars():
        trees[c.tree][c.code] = c
    tree_of = {block["code"]: block.get("criteria", "criteria.csv")
               for block in json.loads(cycle.definition_json)["cycle"]["blocks"]}
    lines = _lines_in_force(session, cycle_id, set(published), _round2_in_plan(session, cycle_id))
    prior = load_priors(session, cycle_id, cycle.year - 1, places)
    mine: dict[int, dict[str, Any]] = {}
    for unit_id in [i for i in published if i not in lines]:
        _note(found, units[unit_id].code, [("inputs", "present", "absent")])
        del published[unit_id]
    for unit_id in published:
        appraisal, survey, rate = lines[unit_id]
        tree = trees[tree_of[units[unit_id].block]]
        fields = {code: Fraction(c.max_points) for code, c in tree.items() if c.parent_code is None}
        total_max = sum(fields.values(), Fraction(0))
        per_field = {code: Fraction(0) for code in fields}
        for code, points in [*appraisal.items(), *survey.items()]:
            per_field[_top_of(code, tree)] += Fraction(points)
        exact = sum(per_field.values(), Fraction(0)) / total_max * 100
        shown = to_places(exact, places)
        mine[unit_id] = {
            "appraisal": sum(map(Fraction, appraisal.values()), Fraction(0)),
            "survey": sum(map(Fraction, survey.values()), Fraction(0)),
            "exact": exact, "index": shown, "key": shown if rules["ranking"]["compare"] == "published" else exact,
            "fields": {code: to_places(points / fields[code] * 100, places) for code, points in per_field.items()},
            "block": units[unit_id].block,
            "field_exact": {code: points / fields[code] * 100 for code, points in per_field.items()},
            "rate": rate}
    _rank_band_reward(mine, units, rules, prior)
    for unit_id, result in sorted(published.items(), key=lambda item: units[item[0]].code):
        if not result.stale:
            _compare_unit(found, units[unit_id].code, result, mine[unit_id])
    _compare_blocks(found, session, cycle_id, units, mine, prior, places)
    found.units = sum(1 for r in published.values() if not r.stale)
    return found


def _top_of(code: str, tree: dict[str, Criterion]) -> str:
    parent = tree[code].parent_code
    while parent is not None:
        code, parent = parent, tree[parent].parent_code
    return code


def _round2_in_plan(session: Session, cycle_id: str) -> bool:
    return session.execute(select(PlanTask.id).where(
        PlanTask.cycle_id == cycle_id, PlanTask.stage == "appraisal_round2").limit(1)).first() is not None


def _lines_in_force(session: Session, cycle_id: str, unit_ids: set[int],
                    round2: bool) -> dict[int, tuple[dict[str, Decimal], dict[str, Decimal], Decimal | None]]:
    """Per unit: the appraisal lines (the council's final when one is in force, else the working group's last
    round), the survey lines, and the survey's satisfaction rate."""
    newest: dict[tuple[int, str], ScoreVersion] = {}
    for version in session.execute(select(ScoreVersion).where(ScoreVersion.cycle_id == cycle_id)).scalars():
        key = (version.unit_id, version.kind)
        if key not in newest or version.version > newest[key].version:
            newest[key] = version
    chosen: dict[int, tuple[int, int]] = {}
    rates: dict[int, Decimal | None] = {}
    appraisal_kind = "appraised_round2" if round2 else "appraised_round1"
    for unit_id in unit_ids:
        final = newest.get((unit_id, "council_final"))
        appraisal = final if final is not None and not final.withdrawn else newest.get((unit_id, appraisal_kind))
        survey = newest.get((unit_id, "survey"))
        if appraisal is None or survey is None:  # a result with no inputs to compute it from: a difference
            continue
        chosen[unit_id] = (appraisal.id, survey.id)
        rates[unit_id] = survey.satisfaction_percent
    wanted = {version_id for pair in chosen.values() for version_id in pair}
    by_version: dict[int, dict[str, Decimal]] = {version_id: {} for version_id in wanted}
    ids = sorted(wanted)
    for start in range(0, len(ids), 500):
        for version_id, code, points in session.execute(select(
                ScoreLine.score_version_id, ScoreLine.criterion_code, ScoreLine.points)
                .where(ScoreLine.score_version_id.in_(ids[start:start + 500]))):
            by_version[version_id][code] = points
    return {unit_id: (by_version[a], by_version[s], rates[unit_id]) for unit_id, (a, s) in chosen.items()}


def _rank_band_reward(mine: dict[int, dict[str, Any]], units: dict[int, Unit], rules: dict[str, Any],
                      prior: dict[str, Prior]) -> None:
    """Rank: one more than the units of the block (or group) compared strictly higher. Band: the first whose
    minimum the compared index reaches. Reward: in the reward band, and no more than the cap counting every
    candidate ahead of it or level with it (after the written tie-break)."""
    blocks: dict[str, list[int]] = defaultdict(list)
    groups: dict[tuple[str, str], list[int]] = defaultdict(list)
    for unit_id in mine:
        blocks[units[unit_id].block].append(unit_id)
        groups[(units[unit_id].block, units[unit_id].group)].append(unit_id)
    for members, name in [*((m, "rank") for m in blocks.values()), *((m, "group_rank") for m in groups.values())]:
        keys = sorted(mine[i]["key"] for i in members)
        for unit_id in members:
            mine[unit_id][name] = 1 + len(keys) - bisect_right(keys, mine[unit_id]["key"])
    _edge_rules(mine, blocks, rules)
    for unit_id, me in mine.items():
        block = units[unit_id].block
        me["band"] = next((band["name"] for band in rules["bands"]
                           if (not band.get("blocks") or block in band["blocks"])
                           and me["key"] >= Fraction(str(band["min_percent"]))), rules["bands"][-1]["name"])
    reward = rules["reward"]
    share = Fraction(reward["max_share_of_block"])
    ties = reward["ties_at_cap"]

    def order(them: dict[str, Any]) -> tuple[Fraction, ...]:
        tie_break = [] if ties == "all_out" else [them["appraisal"] if key == "appraisal_points" else them["survey"]
                                                  for key in ties]
        return (them["key"], *tie_break)

    two_years = rules["accountability"]["band_two_years_and_rank_drop"]
    for members in blocks.values():
        cap = math.floor(share * len(members))
        candidates = sorted(order(mine[i]) for i in members if mine[i]["band"] == reward["band"])
        keys = sorted(mine[i]["key"] for i in members if mine[i]["band"] == reward["band"])
        for unit_id in members:
            me = mine[unit_id]
            level_or_ahead = len(candidates) - bisect_left(candidates, order(me))
            me["reward"] = me["band"] == reward["band"] and level_or_ahead <= cap
            if me["band"] == reward["band"]:  # the cap's rule, when it decided: from the index alone
                ahead = len(keys) - bisect_right(keys, me["key"])
                level = bisect_right(keys, me["key"]) - bisect_left(keys, me["key"])
                if ahead + level > cap:
                    me["rules"].add(("cap_tie_out" if ties == "all_out" else "cap_tie_break")
                                    if ahead < cap and level > 1 else "cap_out")
            last = prior.get(units[unit_id].code)
            this_year = me["band"] in rules["accountability"]["band_this_year"]
            me["flagged"] = this_year or (
                last is not None and last.rank_in_block is not None and me["band"] in two_years
                and last.band in two_years and me["rank"] > last.rank_in_block)
            if last is not None and last.kind in ("new", "merged") and me["band"] in two_years and not this_year:
                me["rules"].add(f"no_prior_{last.kind}")


def _edge_rules(mine: dict[int, dict[str, Any]], blocks: dict[str, list[int]], rules: dict[str, Any]) -> None:
    """The edge rules that decided each unit's outcome, other than the cap's: a shared rank; an order below
    the published decimals (comparing exact indexes); a band's threshold the published and exact indexes fall
    either side of."""
    exact_compare = rules["ranking"]["compare"] == "exact"
    for members in blocks.values():
        ranks = Counter(mine[i]["rank"] for i in members)
        shown: dict[Fraction, set[int]] = defaultdict(set)
        for unit_id in members:
            shown[mine[unit_id]["index"]].add(mine[unit_id]["rank"])
        for unit_id in members:
            me = mine[unit_id]
            me["rules"] = set()
            if ranks[me["rank"]] > 1:
                me["rules"].add("tie")
            if exact_compare and len(shown[me["index"]]) > 1:
                me["rules"].add("order_exact")
            if any(me["index"] >= Fraction(str(band["min_percent"])) > me["exact"] for band in rules["bands"]
                   if not band.get("blocks") or me["block"] in band["blocks"]):
                me["rules"].add("band_exact" if exact_compare else "band_rounded")


def _compare_unit(found: Recomputation, code: str, result: UnitResult, me: dict[str, Any]) -> None:
    pairs: list[tuple[str, Any, Any]] = [
        ("appraisal_points", Fraction(result.appraisal_points), me["appraisal"]),
        ("survey_points", Fraction(result.survey_points), me["survey"]),
        ("total_points", Fraction(result.total_points), me["appraisal"] + me["survey"]),
        ("index_percent", Fraction(result.index_percent), me["index"]),
        ("rank_in_block", result.rank_in_block, me["rank"]),
        ("rank_in_group", result.rank_in_group, me["group_rank"]),
        ("band", result.band, me["band"]),
        ("reward_eligible", result.reward_eligible, me["reward"]),
        ("accountability", bool(result.accountability), me["flagged"]),
        ("satisfaction_percent", result.satisfaction_percent, me["rate"]),
        ("decided_by", ", ".join(sorted({note["rule"] for note in json.loads(result.decided_by)})),
         ", ".join(sorted(me["rules"]))),
    ]
    stored = json.loads(result.field_indexes)
    pairs += [(f"field:{code_}", Fraction(stored[code_]) if code_ in stored else None, value)
              for code_, value in me["fields"].items()]
    _note(found, code, pairs)


def _compare_blocks(found: Recomputation, session: Session, cycle_id: str, units: dict[int, Unit],
                    mine: dict[int, dict[str, Any]], prior: dict[str, Prior], places: int) -> None:
    """The report's block figures against the same figures from exact values, rounded once."""
    cycle = session.get(Cycle, cycle_id)  # the block figures: the report's date does not enter them
    report = cycle_report(session, load_context(session, cycle_id), at=cycle.approved_at or cycle.loaded_at)
    found.block_names = dict(report.block_names)
    stale = set(found.stale)
    for block in report.blocks:
        members = [me for unit_id, me in mine.items() if units[unit_id].block == block.code]
        if not members or any(u.code in stale for u in block.units):
            continue
        found.blocks += 1
        mean = sum((me["exact"] for me in members), Fraction(0)) / len(members)
        last = [Fraction(index) for u in block.units
                if u.code in prior and (index := prior[u.code].index_percent) is not None]
        pairs: list[tuple[str, Any, Any]] = [("mean_index", Fraction(block.mean_index), to_places(mean, places))]
        if last:
            last_mean = sum(last, Fraction(0)) / len(last)
            pairs += [("mean_last_year", Fraction(block.mean_last_year or 0), to_places(last_mean, places)),
                      ("mean_change", Fraction(block.mean_change or 0), to_places(mean - last_mean, places))]
        published_means = block.field_means(list(members[0]["field_exact"]))
        for code in members[0]["field_exact"]:
            exact = sum((me["field_exact"][code] for me in members), Fraction(0)) / len(members)
            pairs.append((f"mean_field:{code}", Fraction(published_means[code]), to_places(exact, places)))
        counts = Counter(me["band"] for me in members)
        pairs += [(f"band_count:{band}", count, counts.get(band, 0))
                  for band, count in block.band_counts(list(report.bands)).items()]
        _note(found, f"block:{block.code}", pairs)


def _note(found: Recomputation, subject: str, pairs: list[tuple[str, Any, Any]]) -> None:
    for what, published, recomputed in pairs:
        found.figures += 1
        if published != recomputed:
            what, _, detail = what.partition(":")
            found.differences.append(Difference(subject, what, _text(published), _text(recomputed), detail))


def _text(value: Any) -> str:
    if isinstance(value, Fraction):
        return str(Decimal(value.numerator) / Decimal(value.denominator)) if value.denominator != 1 else str(value)
    return str(value)
