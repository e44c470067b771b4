"""The survey online in the season, on haiphong-2025 through real tick flows: its links take no answer before the
plan's fieldwork opens; the tick at the opening mails each unit its open links (not the officials' coded ones);
a reminder on the ladder reaches the units still short and no other; the tick at the plan's closing instant
closes the survey, reports the fieldwork done and records the survey version, which equals the results computed
by hand from the exported responses; after it, the links take nothing."""

from __future__ import annotations

import email
from collections import Counter
from datetime import UTC, datetime, timedelta
from email import policy

import pytest
from sqlalchemy import select, update

from flows.season import run_tick_flow
from models.cycle_context import load_context
from models.cycle_store import insert_cycle
from models.db import session_scope
from models.definition.loader import load_cycle
from models.refusals import Refused
from models.scores import latest_lines, latest_versions
from models.tables import Assignment, ScoreKind, SurveyLink, SurveyRound, Unit
from tasks.engine.schedule_data import upcoming_checkpoints
from tasks.mail.survey_links import survey_reminders
from tasks.simulation.respondents import SurveyCrowd, answer_directly
from tasks.survey.export import responses_csv
from tasks.survey.online import close_on_plan_date, open_link, start_response
from tasks.survey.window import due_to_close, survey_window
from tests.conftest import ROOT
from tests.survey_by_hand import survey_by_hand

pytestmark = [pytest.mark.flow, pytest.mark.usefixtures("prefect_harness")]
CYCLE = "haiphong-2025"


@pytest.fixture
def haiphong(db):
    definition = load_cycle(ROOT / "calendar" / CYCLE)
    with session_scope(db) as session:
        insert_cycle(session, definition, at=datetime(2025, 10, 1, tzinfo=UTC), actor="test")
    return definition


def mails_of_kind(smtp, kind: str) -> list[email.message.EmailMessage]:
    found = [email.message_from_bytes(path.read_bytes(), policy=policy.default) for path in smtp.messages()]
    return [mail for mail in found if mail["X-Parindex-Kind"] == kind]


def test_the_survey_opens_reminds_and_closes_on_the_plans_dates(haiphong, db, database_url, smtp, tmp_path):
    with session_scope(db) as session:
        ctx = load_context(session, CYCLE)
        window = survey_window(session, ctx)
        links = session.execute(select(SurveyLink.token, SurveyLink.group_no, Unit.code, Unit.block)
                                .join(Unit, Unit.id == SurveyLink.unit_id)).all()
        early = open_link(session, links[-1].token, at=window.opens - timedelta(hours=1))
        with pytest.raises(Refused, match="chưa bắt đầu"):
            start_response(session, early, at=window.opens - timedelta(hours=1))
    coded = {(block, group) for block, groups in ctx.survey["codes"].items() for group in groups}
    circulated = {token: code for token, group, code, block in links if (block, group) not in coded}

    run_tick_flow(CYCLE, database_url, window.opens)
    opened = mails_of_kind(smtp, "survey_links")
    assert len(opened) == len(set(circulated.values())) == 44  # every department and commune, once
    for mail in opened:
        text = mail.get_body(("plain",)).get_content()
        own = [token for token, code in circulated.items() if f"/khao-sat/{token}" in text]
        assert own and {circulated[token] for token in own} == {mail["X-Parindex-Key"].split("|")[1][5:]}
        assert not any(f"/khao-sat/{token}" in text for token, *_ in links if token not in circulated)
        assert "đến hết ngày Thứ Sáu 19/12/2025" in text and "mã riêng" in text and "/thong-bao" in text

    with session_scope(db) as session:  # people answer, a few at each link, the officials with their codes
        crowd = SurveyCrowd(session, load_context(session, CYCLE), 11, {}, per_link=(3, 3))
        crowd.hand_out_codes(session, window.opens)
    answering = answer_directly(db)
    outcomes: Counter[str] = Counter()
    for day in crowd.by_day().values():
        outcomes += answering(crowd.respondents(day))
    assert outcomes["counted"] > 500 and set(outcomes) <= {"counted", "set_aside"}
    full = next(iter(set(circulated.values())))
    with session_scope(db) as session:  # one unit's open links have all they need: it is not reminded
        session.execute(update(SurveyLink).where(SurveyLink.token.in_(
            [token for token, code in circulated.items() if code == full])).values(quota=1))

    with session_scope(db) as session:
        last_rung = survey_reminders(session, ctx)[-1]
    run_tick_flow(CYCLE, database_url, last_rung)
    reminded = {mail["To"] for mail in mails_of_kind(smtp, "survey_behind")}
    with session_scope(db) as session:
        emails = dict(session.execute(select(Unit.code, Unit.email).where(Unit.cycle_id == CYCLE)).all())
        unit_ids = dict(session.execute(select(Unit.id, Unit.code).where(Unit.cycle_id == CYCLE)).all())
        checkpoints = upcoming_checkpoints(session, load_context(session, CYCLE), after=last_rung)
    assert reminded == {emails[code] for code in set(circulated.values()) - {full}}
    assert any(point.at == window.closes and "survey_close" in point.reasons for point in checkpoints)

    result = run_tick_flow(CYCLE, database_url, window.closes)
    assert "survey" in result["stages"]
    export = tmp_path / "phieu.csv"
    with session_scope(db) as session:
        assert session.scalar(select(SurveyRound.closed_by)) == "parindex-tick"
        fieldwork = session.scalar(select(Assignment.status).where(Assignment.plan_task_id == window.task.id))
        export.write_bytes(responses_csv(session, load_context(session, CYCLE)))
        lines = latest_lines(session, cycle_id=CYCLE, unit_codes=list(emails), kinds=[ScoreKind.SURVEY])
        rates = {unit_ids[unit]: version.satisfaction_percent for (unit, _), version in latest_versions(
            session, cycle_id=CYCLE, kinds=[ScoreKind.SURVEY]).items()}
        late = open_link(session, links[0].token, at=window.closes + timedelta(hours=1))
    assert fieldwork == "done" and late.closed
    by_hand = survey_by_hand(export, haiphong)
    assert len(by_hand) == 44
    for unit, (points, rate) in by_hand.items():
        assert lines[unit] == points, unit
        assert rates[unit] == rate, unit


def test_a_close_the_rules_refuse_leaves_the_survey_open(haiphong, db):
    with session_scope(db) as session:  # nobody answered: a group the rules need has no ballot
        ctx = load_context(session, CYCLE)
        closes = survey_window(session, ctx).closes
        assert close_on_plan_date(session, ctx, None, at=closes, actor="parindex-tick", flow_run_id=None) == []
        assert session.scalar(select(SurveyRound.id)) is None and due_to_close(session, ctx, closes)


def test_an_extension_of_the_fieldwork_moves_the_close_and_the_links_follow(haiphong, db):
    """The operator extends the fieldwork task (parindex extend): the survey closes at the new deadline, not the
    plan's, and a link answers in between."""
    from datetime import date

    from tasks.operations.extensions import extend_deadline

    with session_scope(db) as session:
        ctx = load_context(session, CYCLE)
        window = survey_window(session, ctx)
        extend_deadline(session, ctx, task_number=window.task.number, unit_codes=None, until=date(2025, 12, 26),
                        reason="Nhiều xã chưa đủ phiếu", actor="operator1", at=window.opens)
    with session_scope(db) as session:
        ctx = load_context(session, CYCLE)
        moved = survey_window(session, ctx).closes
        token = session.scalar(select(SurveyLink.token))
        between = open_link(session, token, at=window.closes + timedelta(days=2))
        assert not due_to_close(session, ctx, window.closes) and due_to_close(session, ctx, moved)
    assert moved > window.closes and moved.date() == date(2025, 12, 26) and not between.closed
    assert between.closes == moved
