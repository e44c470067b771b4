"""Hải Phòng 2021 (QĐ 903/QĐ-UBND): the quận and huyện of one block ranked as two groups. With indexes in the
published order (the decision publishes ranks, not scores: the indexes below are made up to match them), the
quận group's top three come out as published: Dương Kinh 1, Ngô Quyền 2, Hồng Bàng and Hải An "đồng hạng 3";
the next quận is 5th; the huyện group has its own ranking, Tiên Lãng, Thủy Nguyên and Kiến Thụy above 90 %."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

from models.definition.loader import load_cycle
from models.scoring import UnitInput, score_block
from tests.conftest import ROOT

HAIPHONG = load_cycle(ROOT / "calendar" / "haiphong-2021")
INDEXES = {  # % (made up, in the published order)
    "Q-DUONGKINH": "93.20", "Q-NGOQUYEN": "92.75", "Q-HONGBANG": "92.10", "Q-HAIAN": "92.10", "Q-LECHAN": "90.40",
    "Q-KIENAN": "88.35", "Q-DOSON": "86.10",
    "H-TIENLANG": "94.05", "H-THUYNGUYEN": "93.60", "H-KIENTHUY": "91.25", "H-ANDUONG": "88.90", "H-ANLAO": "87.15",
    "H-VINHBAO": "85.40", "H-CATHAI": "83.70", "H-BACHLONGVI": "79.95",
}


def unit_at(code: str, index: str) -> UnitInput:
    """A unit whose every field scores `index` % of its appraised and its surveyed maximum."""
    share = Decimal(index) / 100
    appraisal, survey = {}, {}
    for leaf in (c for c in HAIPHONG.criteria if c.method):
        field = leaf.code.split(".")[0]
        target = appraisal if leaf.method == "appraisal" else survey
        target[field] = target.get(field, Decimal(0)) + leaf.max_points * share
    unit = next(u for u in HAIPHONG.units if u.code == code)
    return UnitInput(code, unit.block, unit.group, appraisal, survey)


def test_the_quan_group_ranks_as_qd_903_publishes_with_a_tie_for_third():
    results = {r.code: r for r in score_block([unit_at(code, index) for code, index in INDEXES.items()],
                                              HAIPHONG.criteria, HAIPHONG.criteria_set, Fraction(1, 3))}
    quan = sorted((r.rank_in_group, r.code) for r in results.values() if r.code.startswith("Q-"))
    assert quan[:5] == [(1, "Q-DUONGKINH"), (2, "Q-NGOQUYEN"), (3, "Q-HAIAN"), (3, "Q-HONGBANG"), (5, "Q-LECHAN")]
    huyen = sorted((r.rank_in_group, r.code) for r in results.values() if r.code.startswith("H-"))
    assert huyen[:3] == [(1, "H-TIENLANG"), (2, "H-THUYNGUYEN"), (3, "H-KIENTHUY")]
    assert [code for code, r in results.items() if r.code.startswith("H-") and r.index_percent > 90] == \
        ["H-TIENLANG", "H-THUYNGUYEN", "H-KIENTHUY"]
    assert results["Q-HONGBANG"].rank_in_block == results["Q-HAIAN"].rank_in_block  # tied in the block too
