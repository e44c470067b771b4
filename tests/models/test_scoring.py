"""Scoring by hand: totals, index, field sub-indexes, a tie sharing its rank, bands, reward cap."""

from decimal import Decimal
from fractions import Fraction

from models.definition.cycle import CriterionDef
from models.definition.specs import CriteriaSetSpec
from models.scoring import UnitInput, competition_ranks, score_block

D = Decimal
CRITERIA = [
    CriterionDef("1", None, "Field 1", D(60), None, False, ()),
    CriterionDef("1.1", "1", "a", D(60), "appraisal", True, ()),
    CriterionDef("2", None, "Field 2", D(40), None, False, ()),
    CriterionDef("2.1", "2", "b", D(40), "survey", False, (1,)),
]
RULES = CriteriaSetSpec.model_validate({
    "name": "t", "total_points": 100, "appraisal_points": 60, "survey_points": 40,
    "bands": [{"name": "Tốt", "min_percent": 90}, {"name": "Khá", "min_percent": 80},
              {"name": "Trung bình", "min_percent": 65}, {"name": "Yếu", "min_percent": 0}],
    "ranking": {"index_decimals": 2, "compare": "published"},
    "reward": {"band": "Tốt", "max_share_of_block": "1/3", "ties_at_cap": "all_out"},
    "accountability": {"band_this_year": ["Trung bình", "Yếu"],
                       "band_two_years_and_rank_drop": ["Khá", "Trung bình", "Yếu"]},
    "survey": {"answer_weights": {"A": 1.0}, "ballot_average": "respondent", "group_without_ballots": "refused",
               "satisfaction_groups": [4, 5]},
})


def unit(code: str, appraisal: str, survey: str, group: str = "quan") -> UnitInput:
    return UnitInput(code, "huyen", group, appraisal={"1": D(appraisal)}, survey={"2": D(survey)})


def test_competition_ranking_shares_a_rank_and_skips_the_next():
    assert competition_ranks({"A": D(95), "B": D(90), "C": D(90), "D": D(80)}) == {"A": 1, "B": 2, "C": 2, "D": 4}


def test_a_hand_computed_block():
    results = {r.code: r for r in score_block(
        [unit("A", "58", "37.5"), unit("B", "55", "36", "huyen"), unit("C", "56", "35", "huyen"),
         unit("D", "50", "20")], CRITERIA, RULES, Fraction(1, 3))}
    a, b, c, d = (results[k] for k in "ABCD")
    assert (a.appraisal_points, a.survey_points, a.total_points, a.index_percent) == (D(58), D("37.5"), D("95.5"),
                                                                                     D("95.50"))
    assert a.field_indexes == {"1": D("96.67"), "2": D("93.75")}
    assert (b.index_percent, c.index_percent) == (D("91.00"), D("91.00"))
    assert (a.rank_in_block, b.rank_in_block, c.rank_in_block, d.rank_in_block) == (1, 2, 2, 4)
    assert (b.rank_in_group, c.rank_in_group, a.rank_in_group, d.rank_in_group) == (1, 1, 1, 2)
    assert (a.band, b.band, d.band) == ("Tốt", "Tốt", "Trung bình")
    # 4 units: at most 4/3 may be proposed for reward, so rank 1 only.
    assert (a.reward_eligible, b.reward_eligible) == (True, False)
    assert d.accountability == "xếp loại Trung bình năm nay" and a.accountability == ""


def test_accountability_against_last_year_by_hand():
    """E and F are Khá both years; E drops from 2nd to 5th and is flagged, F climbs and is not."""
    from models.scoring import LastYear

    units = [unit("A", "58", "37.5"), unit("B", "55", "36"), unit("C", "56", "35"), unit("E", "52", "33"),
             unit("F", "53", "33")]
    last_year = {"E": LastYear("Khá", 2), "F": LastYear("Khá", 5), "A": LastYear("Trung bình", 4)}
    results = {r.code: r for r in score_block(units, CRITERIA, RULES, Fraction(1, 3), last_year)}
    e, f = results["E"], results["F"]
    assert (e.index_percent, e.band, e.rank_in_block) == (D("85.00"), "Khá", 5)
    assert (f.index_percent, f.band, f.rank_in_block) == (D("86.00"), "Khá", 4)
    assert e.accountability == "xếp loại Khá năm trước và Khá năm nay, tụt hạng 2 → 5"
    assert f.accountability == "" and results["A"].accountability == ""
    # 5 units: at most 5/3 may be proposed, so rank 1 only; B and C (91 %) are Tốt but not within the share.
    assert [code for code, r in sorted(results.items()) if r.reward_eligible] == ["A"]
