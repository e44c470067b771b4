"""The institute's survey file: points per unit and criterion, or ballots and satisfaction rates.

Ballot answers A/B/C/D map to a share of a question's points through the criteria set's weights; a
leaf's points are its maximum × the mean share of its ballots, rounded once to three decimals: pooled over
every ballot, or the mean of each respondent group's mean (criteria.toml [survey] ballot_average). A leaf
asked of a group that sent no ballot on it is refused or averaged without it (group_without_ballots).
Leaves asked only of the satisfaction groups (criteria.toml [survey] satisfaction_groups, Hanoi's 4–5,
businesses and citizens; a block may number them otherwise) take the unit's satisfaction rate (SIPAS); a
ballot never overrides it and is refused. Each block numbers its own respondent groups.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from functools import partial

from models.definition.cycle import CriterionDef
from models.forms.fields import (
    ANSWER,
    BALLOT,
    BALLOT_LAYOUT,
    GROUP,
    POINTS,
    SATISFACTION,
    SATISFACTION_LAYOUT,
    SURVEY_POINTS_LAYOUT,
    UNIT,
)
from models.forms.parse import Catalogue, add, checked, first_time, leaf_of, rows_of, unit_of
from models.forms.problems import FormProblems
from models.forms.readers import Sheet
from models.forms.values import is_blank, percentage, points, text, whole_number
from models.scoring import round_half_up
from models.words import word

SurveyPoints = dict[str, dict[str, Decimal]]  # unit → survey leaf → points


@dataclass(frozen=True)
class SurveyFile:
    points: SurveyPoints
    satisfaction: dict[str, Decimal]  # unit → its satisfaction rate (%), the unit's satisfaction index
    left_out: list[str] = field(default_factory=list)  # "SNV 1.6.1 (nhóm 3)": groups without ballots, left out


def parse_survey(sheets: list[Sheet], catalogue: Catalogue, problems: FormProblems) -> SurveyFile:
    found: SurveyPoints = defaultdict(dict)
    _direct_points(sheets, catalogue, problems, found)
    shares = _ballot_shares(sheets, catalogue, problems)
    rates = _satisfaction(sheets, catalogue, problems)
    left_out: list[str] = []
    for tree, nodes in catalogue.trees.items():
        for leaf, unit in ((leaf, unit) for leaf in nodes.values() if leaf.method == "survey"
                           for unit in catalogue.units if catalogue.tree_of(unit) == tree):
            if leaf.code in found.get(unit, {}):
                continue
            if (unit, leaf.code) in shares:
                share = _mean_share(unit, leaf, shares[(unit, leaf.code)], catalogue, problems, sheets, left_out)
                if share is not None:
                    found[unit][leaf.code] = _share(leaf.max_points, share)
            elif unit in rates and takes_rate(leaf, catalogue, unit):
                found[unit][leaf.code] = _share(leaf.max_points, Fraction(rates[unit]) / 100)
    return SurveyFile(dict(found), rates, left_out)


def takes_rate(leaf: CriterionDef, catalogue: Catalogue, unit: str) -> bool:
    """Whether the leaf is asked only of the unit's satisfaction groups: its rate scores it, never ballots."""
    groups = catalogue.satisfaction_groups[catalogue.units[unit].block]
    return bool(groups) and set(leaf.respondents) <= groups


def _mean_share(unit: str, leaf: CriterionDef, by_group: dict[int, list[Decimal]], catalogue: Catalogue,
                problems: FormProblems, sheets: list[Sheet], left_out: list[str]) -> Fraction | None:
    """The leaf's mean share for the unit, as the criteria set averages ballots; None when refused."""
    asked = [g for g in leaf.respondents if g <= catalogue.respondent_groups[catalogue.units[unit].block]]
    silent = [g for g in asked if g not in by_group]
    if silent and catalogue.group_without_ballots == "refused":
        sheet = next((s.name for s in sheets if s.layout is BALLOT_LAYOUT), "")
        problems.add("group-without-ballots", word("form.group_without_ballots", unit=unit, leaf=leaf.code,
                                                   groups=", ".join(map(str, silent)),
                                                   asked=", ".join(map(str, asked))),
                     sheet=sheet, column=GROUP.header)
        return None
    if silent:
        left_out.append(word("survey.left_out", unit=unit, leaf=leaf.code, groups=", ".join(map(str, silent))))
    if catalogue.ballot_average == "group":
        means = [sum(map(Fraction, values), Fraction(0)) / len(values) for values in by_group.values()]
        return sum(means, Fraction(0)) / len(means)
    pooled = [Fraction(value) for values in by_group.values() for value in values]
    return sum(pooled, Fraction(0)) / len(pooled)


def _share(maximum: Decimal, share: Fraction) -> Decimal:
    """maximum × share, rounded once, half up, to the three decimals points are kept with."""
    return round_half_up(Fraction(maximum) * share, 3)


def _direct_points(sheets: list[Sheet], catalogue: Catalogue, problems: FormProblems, found: SurveyPoints) -> None:
    first: dict[tuple[str, str], int] = {}
    for row in rows_of(sheets, SURVEY_POINTS_LAYOUT):
        if is_blank(row.values.get(POINTS.key)):
            continue  # not given in this file: a template row left empty
        unit = unit_of(row, catalogue, problems)
        leaf = leaf_of(row, catalogue, "survey", problems, unit)
        if unit is None or leaf is None:
            continue
        if not first_time(first, (unit, leaf.code), row, problems, f"{unit} {leaf.code}"):
            continue
        value = checked(row, POINTS.key, problems, points, leaf.max_points)
        if value is not None:
            found[unit][leaf.code] = value


def _ballot_shares(sheets: list[Sheet], catalogue: Catalogue,
                   problems: FormProblems) -> dict[tuple[str, str], dict[int, list[Decimal]]]:
    """(unit, leaf) → respondent group → the share each of its ballots gives."""
    shares: dict[tuple[str, str], dict[int, list[Decimal]]] = defaultdict(lambda: defaultdict(list))
    seen: dict[tuple[str, str], int] = {}
    ballot_unit: dict[str, tuple[str, int]] = {}
    weights = catalogue.answer_weights
    for row in rows_of(sheets, BALLOT_LAYOUT):
        ballot = text(row.values.get(BALLOT.key))
        unit = unit_of(row, catalogue, problems)
        leaf = leaf_of(row, catalogue, "survey", problems, unit)
        groups = catalogue.respondent_groups[catalogue.units[unit].block] if unit is not None else \
            max(catalogue.respondent_groups.values())
        group = checked(row, GROUP.key, problems, lambda v, high=groups: whole_number(v, low=1, high=high))
        answer = text(row.values.get(ANSWER.key)).upper()
        if not ballot:
            add(problems, row, BALLOT.key, "required", word("form.ballot_missing"))
        if answer not in weights:
            add(problems, row, ANSWER.key, "unknown-answer",
                word("form.unknown_answer", answer=answer or word("form.blank"), answers=", ".join(sorted(weights))))
        if not ballot or unit is None or leaf is None or group is None or answer not in weights:
            continue
        if group not in leaf.respondents:
            add(problems, row, GROUP.key, "wrong-group", word("form.wrong_group", leaf=leaf.code,
                                                              groups=", ".join(map(str, leaf.respondents)),
                                                              group=group))
            continue
        if takes_rate(leaf, catalogue, unit):
            add(problems, row, ANSWER.key, "rate-leaf", word("form.rate_leaf", leaf=leaf.code,
                                                            groups=", ".join(map(str, leaf.respondents))))
            continue
        owner = ballot_unit.setdefault(ballot, (unit, row.number))
        if owner[0] != unit:
            add(problems, row, UNIT.key, "ballot-unit", word("form.ballot_unit", ballot=ballot, unit=owner[0],
                                                                row=owner[1]))
            continue
        if not first_time(seen, (ballot, leaf.code), row, problems, partial(word, "form.ballot_answer", ballot=ballot,
                                                                           leaf=leaf.code)):
            continue
        shares[(unit, leaf.code)][group].append(weights[answer])
    return shares


def _satisfaction(sheets: list[Sheet], catalogue: Catalogue, problems: FormProblems) -> dict[str, Decimal]:
    rates: dict[str, Decimal] = {}
    first: dict[str, int] = {}
    for row in rows_of(sheets, SATISFACTION_LAYOUT):
        if is_blank(row.values.get(SATISFACTION.key)):
            continue
        unit = unit_of(row, catalogue, problems)
        rate = checked(row, SATISFACTION.key, problems, percentage)
        if unit is None or rate is None:
            continue
        if not first_time(first, unit, row, problems, unit, UNIT.key):
            continue
        rates[unit] = rate
    return rates
