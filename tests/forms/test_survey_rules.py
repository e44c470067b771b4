"""The survey's written rules (criteria.toml [survey]): how ballots are averaged, what a group without
ballots counts for, and that a satisfaction rate is never overridden by ballots. Issue 19's cases, rebuilt."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from models.cycle_store import insert_cycle
from models.db import session_scope
from models.definition.loader import load_cycle
from models.forms.problems import FormRejected
from models.tables import ScoreLine, ScoreVersion, Unit
from tasks.engine.events import unit_of_work
from tasks.inputs.imports import Inputs, import_survey
from tests.conftest import LOADED_AT
from tests.forms.conftest import SUBMITTED, database_state, template

WEIGHTS = {"A": Decimal(1), "B": Decimal("0.6"), "C": Decimal("0.2"), "D": Decimal(0)}  # hanoi's criteria.toml
# Leaf 1.6.1 (2 points, groups 1–3) for SNV: group 1 answers A four times, groups 2 and 3 answer C once each.
UNEVEN = [("P-1", "SNV", 1, "1.6.1", "A"), ("P-2", "SNV", 1, "1.6.1", "A"), ("P-3", "SNV", 1, "1.6.1", "A"),
          ("P-4", "SNV", 1, "1.6.1", "A"), ("P-5", "SNV", 2, "1.6.1", "C"), ("P-6", "SNV", 3, "1.6.1", "C")]


def registered(db, folder: Path, **rules: str):  # type: ignore[no-untyped-def]
    """hanoi-2023 (a copy) with these [survey] rules written instead of its own, registered."""
    criteria = folder / "criteria.toml"
    text = criteria.read_text(encoding="utf-8")
    for key, value in rules.items():
        text = "\n".join(f'{key} = "{value}"' if line.startswith(f"{key} = ") else line for line in text.split("\n"))
    criteria.write_text(text, encoding="utf-8")
    with session_scope(db) as session:
        insert_cycle(session, load_cycle(folder), at=LOADED_AT, actor="test")
    return db


def ballots(db, tmp_path: Path, rows, rate: float | None = None) -> Path:  # type: ignore[no-untyped-def]
    path = template(db, tmp_path, "survey")
    book = load_workbook(path)
    del book["Điểm ĐTXHH"]
    for row in rows:
        book["Phiếu"].append(["hanoi-2023", *row, None])
    if rate is not None:
        next(r for r in book["Hài lòng"].iter_rows(min_row=3) if r[1].value == "SNV")[2].value = rate
    book.save(path)
    return path


def points(db, code: str, leaf: str) -> Decimal | None:
    with session_scope(db) as session:
        return session.scalar(select(ScoreLine.points).join(ScoreVersion).join(Unit, Unit.id == ScoreVersion.unit_id)
                              .where(Unit.code == code, ScoreLine.criterion_code == leaf))


def record(db, path: Path):  # type: ignore[no-untyped-def]
    with unit_of_work(db) as session:
        return import_survey(session, path, Inputs("", SUBMITTED))


def test_ballots_pooled_per_respondent_by_default(db, cycle_copy, tmp_path):
    registered(db, cycle_copy)
    record(db, ballots(db, tmp_path, UNEVEN))
    pooled = (4 * WEIGHTS["A"] + 2 * WEIGHTS["C"]) / 6  # every ballot counts once: 0.7333…
    assert points(db, "SNV", "1.6.1") == (2 * pooled).quantize(Decimal("0.001")) == Decimal("1.467")


def test_ballots_averaged_per_group_when_the_set_says_so(db, cycle_copy, tmp_path):
    registered(db, cycle_copy, ballot_average="group")
    record(db, ballots(db, tmp_path, UNEVEN))
    by_group = (WEIGHTS["A"] + WEIGHTS["C"] + WEIGHTS["C"]) / 3  # each group's mean counts alike: 0.4666…
    assert points(db, "SNV", "1.6.1") == (2 * by_group).quantize(Decimal("0.001")) == Decimal("0.933")


def test_a_group_without_ballots_is_refused_naming_unit_leaf_and_group(db, cycle_copy, tmp_path):
    registered(db, cycle_copy)
    before = database_state(db)
    with pytest.raises(FormRejected) as refused:
        record(db, ballots(db, tmp_path, UNEVEN[:5]))  # group 3 sent none
    (problem,) = refused.value.problems
    assert problem.rule == "group-without-ballots" and "SNV 1.6.1" in problem.message and "nhóm đối tượng 3" in \
        problem.message and problem.sheet == "Phiếu"
    assert database_state(db) == before


def test_a_group_without_ballots_is_left_out_when_the_set_says_so(db, cycle_copy, tmp_path):
    registered(db, cycle_copy, group_without_ballots="left_out")
    imported = record(db, ballots(db, tmp_path, UNEVEN[:5]))
    assert imported.left_out == ["SNV 1.6.1 (nhóm 3)"] and "SNV 1.6.1 (nhóm 3)" in imported.summary()  # named
    assert points(db, "SNV", "1.6.1") == (2 * (4 * WEIGHTS["A"] + WEIGHTS["C"]) / 5).quantize(Decimal("0.001"))


def test_ballots_never_override_a_satisfaction_rate(db, cycle_copy, tmp_path):
    """Two ballots from group 5 answering D on leaf 8.4.1 (groups 4–5): refused, the rate stands."""
    registered(db, cycle_copy)
    before = database_state(db)
    with pytest.raises(FormRejected) as refused:
        record(db, ballots(db, tmp_path, [("P-1", "SNV", 5, "8.4.1", "D"), ("P-2", "SNV", 5, "8.4.1", "D")],
                           rate=87.35))
    assert [p.rule for p in refused.value.problems] == ["rate-leaf", "rate-leaf"]
    assert refused.value.problems[0].row is not None and "8.4.1" in refused.value.problems[0].message
    assert database_state(db) == before
    record(db, ballots(db, tmp_path, [], rate=87.35))
    assert points(db, "SNV", "8.4.1") == Decimal("3.057")  # 3.5 × 87.35 % = 3.05725
