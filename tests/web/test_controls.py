"""A control appears only while its stage takes input: the self-assessment upload while the intake would take it
(first, or again before the appraisal), not after (every upload would then be refused)."""

from __future__ import annotations

import re

from sqlalchemy import select

from models.cycle_context import load_context
from models.db import session_scope
from models.tables import Criterion, ScoreKind
from tasks.inputs.intake import ScoreSheet, record_scores
from tests.web.conftest import PortalWorld
from tests.web.test_authorisation import sign_in_unit


def test_the_self_assessment_upload_is_offered_only_while_it_can_be_taken(client, world: PortalWorld) -> None:
    sign_in_unit(client, world, "SNV")
    home = client.get("/unit").text
    task = re.search(r'href="(/unit/tasks/\d+)"', home).group(1)
    assert 'id="upload-self-assessment"' in home and 'id="upload-self-assessment"' in client.get(task).text
    with session_scope(world.engine) as session:
        ctx = load_context(session, world.cycle_id)
        leaves = session.execute(select(Criterion.code, Criterion.max_points).where(
            Criterion.cycle_id == world.cycle_id, Criterion.method == "appraisal")).all()
        own = {leaf: (maximum, "VB", "") for leaf, maximum in leaves}
        record_scores(session, ctx, kind=ScoreKind.SELF_ASSESSED, sheets=[ScoreSheet("SNV", own)], at=world.at,
                      actor="unit:SNV", source="t")
    assert 'id="upload-self-assessment"' in client.get("/unit").text  # sent: it may still send a corrected one
    with session_scope(world.engine) as session:
        record_scores(session, load_context(session, world.cycle_id), kind=ScoreKind.APPRAISED_ROUND1,
                      sheets=[ScoreSheet("SNV", own)], at=world.at, actor="body:to_cong_tac", source="t")
    home = client.get("/unit").text
    assert 'id="upload-self-assessment"' not in home and 'id="upload-self-assessment"' not in client.get(task).text
    assert "/unit/form/self-assessment" in home  # its form can still be read
