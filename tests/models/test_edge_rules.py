"""The rules at the edges, by hand: each case of issue 19 gives the outcome criteria.toml's rule says.

A block's units here have one appraised field of 100 points, so a unit's points are its exact index."""

from decimal import Decimal
from fractions import Fraction

import pytest

from models.definition.cycle import CriterionDef
from models.scoring import LastYear, UnitInput, round_half_up, score_block
from tests.models.test_scoring import RULES

D = Decimal
CRITERIA = [CriterionDef("1", None, "Field", D(100), None, False, ()),
            CriterionDef("1.1", "1", "a", D(100), "appraisal", True, ())]


def rules(compare: str = "published", ties: object = "all_out"):  # type: ignore[no-untyped-def]
    return RULES.model_copy(update={
        "ranking": RULES.ranking.model_copy(update={"compare": compare}),
        "reward": RULES.reward.model_copy(update={"ties_at_cap": ties})})


def block(points: dict[str, str], survey: dict[str, str] | None = None) -> list[UnitInput]:
    survey = survey or {}
    return [UnitInput(code, "so", "so", {"1": D(p) - D(survey.get(code, "0"))}, {"1": D(survey.get(code, "0"))})
            for code, p in points.items()]


def scores(points, survey=None, last_year=None, **kw):  # type: ignore[no-untyped-def]
    return {r.code: r for r in score_block(block(points, survey), CRITERIA, rules(**kw), Fraction(1, 3),
                                           last_year)}


def descending(count: int, start: int = 99) -> dict[str, str]:
    return {f"U{n:02d}": str(start - n) for n in range(1, count + 1)}


def test_rounding_is_half_up_once_from_the_exact_value():
    assert round_half_up(Fraction(89995, 1000), 2) == D("90.00")
    assert round_half_up(Fraction(89265, 1000), 2) == D("89.27")
    assert round_half_up(Fraction(2, 3) * 100, 2) == D("66.67")
    assert round_half_up(Fraction(-2775, 1000), 2) == D("-2.78")


@pytest.mark.parametrize("size, tied_at", [(22, 7), (30, 10)])
def test_a_tie_straddling_the_reward_cap_never_exceeds_it(size, tied_at):
    """QĐ 4000: "Tốt" and at most one third of the block. With all_out, both tied units are left out."""
    points = {f"U{n:02d}": str(99 - n * 0.25) for n in range(1, size + 1)}
    points[f"U{tied_at + 1:02d}"] = points[f"U{tied_at:02d}"]  # a tie at rank `tied_at`
    results = scores(points)
    cap = size // 3
    rewarded = sorted(c for c, r in results.items() if r.reward_eligible)
    assert len(rewarded) == cap - 1 <= cap  # never more than the cap: the tie takes both out
    tied = [results[f"U{tied_at:02d}"], results[f"U{tied_at + 1:02d}"]]
    assert [r.rank_in_block for r in tied] == [tied_at, tied_at]
    for r in tied:
        assert not r.reward_eligible
        (note,) = [n for n in r.decided_by if n["rule"] == "cap_tie_out"]
        assert (note["rank"], note["cap"], note["count"], note["share"]) == (tied_at, cap, size, "1/3")


def test_a_written_tie_break_settles_the_tie_within_the_cap():
    points = {f"U{n:02d}": str(99 - n * 0.25) for n in range(1, 23)}
    points["U08"] = points["U07"]
    survey = {"U07": "20", "U08": "25"}  # same total: U07 has more appraisal points
    results = scores(points, survey, ties=["appraisal_points", "survey_points"])
    assert sum(r.reward_eligible for r in results.values()) == 7
    assert results["U07"].reward_eligible and not results["U08"].reward_eligible
    assert [n["won"] for n in results["U08"].decided_by if n["rule"] == "cap_tie_break"] == [False]
    # still tied after the tie-break: both out
    results = scores(points, {"U07": "20", "U08": "20"}, ties=["appraisal_points", "survey_points"])
    assert sum(r.reward_eligible for r in results.values()) == 6


def test_a_unit_in_the_top_band_beyond_the_cap_is_told_why():
    results = scores({f"U{n}": str(96 - n * 0.1) for n in range(1, 7)})  # six units, all Tốt, cap 2
    assert [c for c, r in sorted(results.items()) if r.reward_eligible] == ["U1", "U2"]
    assert [n["rule"] for n in results["U3"].decided_by] == ["cap_out"]


def test_published_precision_decides_band_and_says_so():
    results = scores({"A": "89.995", "B": "79.995", "C": "50"})
    assert (results["A"].index_percent, results["A"].band) == (D("90.00"), "Tốt")
    assert results["A"].decided_by[0]["rule"] == "band_rounded"
    assert results["B"].band == "Khá"


def test_exact_comparison_decides_band_ties_and_accountability():
    last = {"B": LastYear("Khá", 1)}
    results = scores({"A": "89.995", "B": "79.995", "C": "89.265", "D": "89.27", "E": "50"}, last_year=last,
                     compare="exact")
    a, b, c, d = (results[k] for k in "ABCD")
    assert (a.index_percent, a.band) == (D("90.00"), "Khá")  # published 90,00 but exact 89,995
    assert [n["rule"] for n in a.decided_by] == ["band_exact"]
    assert b.band == "Trung bình" and b.accountability  # a head two years low is flagged
    assert c.index_percent == d.index_percent == D("89.27") and d.rank_in_block < c.rank_in_block
    assert any(n["rule"] == "order_exact" for n in c.decided_by)
    published = scores({"C": "89.265", "D": "89.27"})
    assert published["C"].rank_in_block == published["D"].rank_in_block == 1
    assert published["C"].decided_by[0] == {"rule": "tie", "rank": 1, "others": ["D"], "index": "89.27",
                                            "rounded": True, "places": 2}
