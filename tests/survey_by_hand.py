"""The survey's results computed by hand from its exported responses (the CSV the survey body downloads, or
`parindex survey export`), independently of the import's code: for each unit, a ballot leaf's points are its
maximum × the mean weight of the counted answers to it (pooled over its groups: criteria.toml's
ballot_average = "respondent"), rounded half up to three decimals; the satisfaction rate is the share of the
satisfaction groups' counted answers weighed at least one half, to two decimals; a leaf asked only of those
groups takes maximum × rate."""

from __future__ import annotations

import csv
from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from pathlib import Path

from models.definition.cycle import CycleDefinition
from models.definition.specs import satisfaction_groups


def _rounded(value: Fraction, places: int) -> Decimal:
    return (Decimal(value.numerator) / Decimal(value.denominator)).quantize(Decimal(1).scaleb(-places),
                                                                            rounding=ROUND_HALF_UP)


def survey_by_hand(export: Path, definition: CycleDefinition, *, counted: str = "được tính") \
        -> dict[str, tuple[dict[str, Decimal], Decimal | None]]:
    """unit → (leaf → points, satisfaction rate %), from the export's counted rows."""
    assert definition.criteria_set.survey.ballot_average == "respondent", "this hand computation pools ballots"
    weights = {answer: Fraction(str(weight)) for answer, weight in definition.criteria_set.survey.answer_weights.items()}
    block_of = {unit.code: unit.block for unit in definition.units}
    blocks = {block.code: block for block in definition.spec.blocks}
    answers: dict[tuple[str, str], list[Fraction]] = defaultdict(list)
    rated: dict[str, list[bool]] = defaultdict(list)
    with export.open(encoding="utf-8-sig", newline="") as handle:
        for row in csv.DictReader(handle):
            if row["Tình trạng"] != counted:
                continue
            unit, group = row["Mã đơn vị"], int(row["Nhóm"])
            weight = weights[row["Trả lời"]]
            if group in satisfaction_groups(blocks[block_of[unit]], definition.criteria_set):
                rated[unit].append(weight >= Fraction(1, 2))
            else:
                answers[(unit, row["Mã tiêu chí"])].append(weight)
    found: dict[str, tuple[dict[str, Decimal], Decimal | None]] = {}
    for unit, block in block_of.items():
        rate = _rounded(Fraction(sum(rated[unit]), len(rated[unit])) * 100, 2) if rated[unit] else None
        rated_groups = satisfaction_groups(blocks[block], definition.criteria_set)
        points = {}
        for leaf in definition.criteria_of(block):
            if leaf.method != "survey":
                continue
            if rated_groups and set(leaf.respondents) <= rated_groups:
                if rate is not None:
                    points[leaf.code] = _rounded(Fraction(leaf.max_points) * Fraction(rate) / 100, 3)
            elif answers[(unit, leaf.code)]:
                mean = sum(answers[(unit, leaf.code)], Fraction(0)) / len(answers[(unit, leaf.code)])
                points[leaf.code] = _rounded(Fraction(leaf.max_points) * mean, 3)
        found[unit] = (points, rate)
    return found
