"""Plan shapes generated from the stage registry replay to announcement through the production flows: the
fast test (tests/models/test_stage_registry.py) shows every shape either loads or is refused with a sentence;
here a few of the shapes `cycle check` accepts are played as a season, chosen by Hypothesis from all of them."""

from __future__ import annotations

import itertools
import shutil

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from models.definition.loader import load_cycle
from models.lifecycle import FINAL_STATE, missing_stages
from models.stages import STAGES
from tests.conftest import HANOI, empty_tables
from tests.flows.test_other_plans import replayed
from tests.models.test_stage_registry import without_stages

# Played once, in the PostgreSQL pass, the shorter of the two: a season each.
pytestmark = [pytest.mark.flow, pytest.mark.slow, pytest.mark.one_pass, pytest.mark.usefixtures("prefect_harness")]
OPTIONAL = ("appraisal_round1", "send_draft", "explanations", "appraisal_round2", "analysis_report")
ALL = frozenset(spec.stage.value for spec in STAGES)
ACCEPTED = [frozenset(removed) for size in range(1, len(OPTIONAL) + 1)
            for removed in itertools.combinations(OPTIONAL, size) if not missing_stages(ALL - frozenset(removed))]


def test_the_accepted_shapes_are_more_than_one():
    assert len(ACCEPTED) > 3, ACCEPTED


@settings(max_examples=2, derandomize=True, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(removed=st.sampled_from(ACCEPTED))
def test_a_shape_cycle_check_accepts_replays_to_announcement(removed, db, database_url, smtp, tmp_path_factory):
    folder = tmp_path_factory.mktemp("shape") / "hanoi-2023"
    shutil.copytree(HANOI, folder)
    without_stages(folder, set(removed))
    definition = load_cycle(folder)
    empty_tables(db)  # each example starts from an empty database (the fixture empties it once a test)
    refused, states = replayed(db, database_url, definition, seed=11)
    assert refused == []
    assert states == {FINAL_STATE.value: len(definition.units)}, sorted(removed)
