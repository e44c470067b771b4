"""The survey online (haiphong-2025 runs it: survey.toml): respondents answer a commune's questionnaire at its
anonymous links page by page, resume on the same device, a speed-run is set aside, a met quota takes no more;
the survey's page counts them; closing it records the survey version `import survey` would, which equals the
figures computed by hand from the responses."""

from __future__ import annotations

import csv
import io
import re
from datetime import datetime, timedelta
from decimal import Decimal
from fractions import Fraction

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy import select

from models.cycle_context import load_context
from models.db import session_scope
from models.scores import latest_lines, latest_versions
from models.scoring import round_half_up
from models.tables import HistoryEntry, ScoreKind, SurveyLink, SurveyResponse, Unit
from tasks.operations.accounts import add_staff_user
from tasks.simulation.respondents import Respondent, answer_directly, links_to_answer
from tasks.survey.online import issue_codes
from tasks.survey.window import survey_window
from tests.web.conftest import PASSWORD, PortalWorld
from tests.web.test_authorisation import csrf_of, sign_in_staff

pytestmark = [pytest.mark.parametrize("world", ["haiphong-2025"], indirect=True),
              pytest.mark.usefixtures("surveying")]
UNIT = "X-ANLAO"


def token_of(world: PortalWorld, unit: str, group: int) -> str:
    with session_scope(world.engine) as session:
        return session.scalar(select(SurveyLink.token).join(Unit, Unit.id == SurveyLink.unit_id)
                              .where(Unit.code == unit, SurveyLink.group_no == group))


def codes_of(world: PortalWorld) -> dict[tuple[str, int], list[str]]:
    """The single-use codes the survey body prints (parindex survey codes), by unit and group."""
    found: dict[tuple[str, int], list[str]] = {}
    with session_scope(world.engine) as session:
        for issued in issue_codes(session, load_context(session, world.cycle_id), at=world.at):
            found.setdefault((issued.unit_code, issued.group_no), []).append(issued.code)
    return found


def respond(app, world: PortalWorld, token: str, answer: str, *, seconds: int = 300, code: str = "") -> TestClient:
    """A respondent on their own device: opens the link, starts (with the code an official was handed), answers
    every page with `answer`, sends after `seconds`; returns the device (its cookie holds its key)."""
    device = TestClient(app, base_url=world.settings.public_url)
    intro = device.get(f"/khao-sat/{token}")
    assert intro.status_code == 200 and "Bắt đầu trả lời" in intro.text
    page = device.post(f"/khao-sat/{token}", data={"csrf": csrf_of(intro.text), "action": "start", "code": code})
    started = world.at
    while True:
        assert page.status_code == 200, page.text[-800:]
        number = int(re.search(r'name="page" value="(\d+)"', page.text).group(1))
        codes = sorted(set(re.findall(r'name="a_([\d.]+)"', page.text)))
        last = 'value="send"' in page.text
        if last:
            world.at = started + timedelta(seconds=seconds)
        page = device.post(f"/khao-sat/{token}", data={"csrf": csrf_of(page.text), "page": str(number),
                                                       "move": "send" if last else "next",
                                                       **{f"a_{code}": answer for code in codes}})
        if last:
            assert page.status_code == 200 and 'id="thanks"' in page.text, page.text[-800:]
            return device


def every_silent_link_answered(world: PortalWorld, tickets: dict[tuple[str, int], list[str]]) -> None:
    """One respondent answers B to everything at each link with no counted answer yet (the other units: the
    close needs an answer from every group), through the functions the pages call."""
    with session_scope(world.engine) as session:
        links = links_to_answer(session, load_context(session, world.cycle_id))
        answered = set(session.scalars(select(SurveyLink.token).join(SurveyResponse, SurveyResponse.link_id ==
                                                                     SurveyLink.id)
                                       .where(SurveyResponse.status == "counted")))
    answer_directly(world.engine)([
        Respondent(link.token, tickets[(link.unit_code, link.group_no)].pop() if link.coded else "",
                   [{code: "B" for code in page} for page in link.pages], world.at, world.at + timedelta(minutes=5))
        for link in links if link.token not in answered])


def test_respondents_answer_page_by_page_and_closing_records_what_their_answers_give(app, client,
                                                                                   world: PortalWorld) -> None:
    ballots_1, ballots_2, people = token_of(world, UNIT, 1), token_of(world, UNIT, 2), token_of(world, UNIT, 4)
    tickets = codes_of(world)  # groups 1 and 2 of a commune are officials: a code each
    with session_scope(world.engine) as session:
        quota = session.scalar(select(SurveyLink.quota).where(SurveyLink.token == ballots_1))
    assert len(tickets[(UNIT, 1)]) == quota and (UNIT, 4) not in tickets  # as many as the quota; residents: open links
    stranger = TestClient(app, base_url=world.settings.public_url)
    intro = stranger.get(f"/khao-sat/{ballots_1}")
    refused = stranger.post(f"/khao-sat/{ballots_1}", data={"csrf": csrf_of(intro.text), "action": "start",
                                                            "code": "ABCD-EFGH"})
    assert refused.status_code == 422 and "mã phiếu không đúng" in refused.text
    device = respond(app, world, ballots_1, "A", code=tickets[(UNIT, 1)][0].lower())  # typed in any case
    used = TestClient(app, base_url=world.settings.public_url)
    intro = used.get(f"/khao-sat/{ballots_1}")
    assert "mã phiếu này đã được dùng" in used.post(f"/khao-sat/{ballots_1}", data={
        "csrf": csrf_of(intro.text), "action": "start", "code": tickets[(UNIT, 1)][0]}).text
    again = device.get(f"/khao-sat/{ballots_1}")
    assert 'id="thanks"' in again.text and "Bắt đầu" not in again.text  # sent once from this device
    respond(app, world, ballots_2, "C", code=tickets[(UNIT, 2)][0])
    phone = TestClient(app, base_url=world.settings.public_url)  # an official starts on a phone, stops at page 1
    intro = phone.get(f"/khao-sat/{ballots_2}")
    first = phone.post(f"/khao-sat/{ballots_2}", data={"csrf": csrf_of(intro.text), "action": "start",
                                                       "code": tickets[(UNIT, 2)][1]})
    phone.post(f"/khao-sat/{ballots_2}", data={"csrf": csrf_of(first.text), "page": "1", "move": "next", **{
        f"a_{code}": "B" for code in set(re.findall(r'name="a_([\d.]+)"', first.text))}})
    desk = TestClient(app, base_url=world.settings.public_url)  # ... and goes on at a desk with the same code
    intro = desk.get(f"/khao-sat/{ballots_2}")
    went_on = desk.post(f"/khao-sat/{ballots_2}", data={"csrf": csrf_of(intro.text), "action": "start",
                                                        "code": tickets[(UNIT, 2)][1]})
    assert 'name="page" value="2"' in desk.get(f"/khao-sat/{ballots_2}").text and went_on.status_code == 200
    respond(app, world, people, "B")
    respond(app, world, people, "D")
    respond(app, world, people, "A", seconds=20)  # faster than survey.toml's 90 s: set aside, not counted
    with session_scope(world.engine) as session:
        stored = session.execute(select(SurveyResponse.status, SurveyResponse.set_aside_reason)).all()
        columns = set(SurveyResponse.__table__.columns.keys())
    assert sorted(stored) == [("counted", "")] * 4 + [("draft", ""), ("set_aside", "speed")]  # the desk: unfinished
    assert not {"ip", "address", "name", "user_agent"} & columns  # nothing that names a person

    with session_scope(world.engine) as session:  # the survey body keys in a paper ballot of group 2, all A
        add_staff_user(session, username="survey1", name="Viện", role="survey", password=PASSWORD, at=world.at)
    body = TestClient(app, base_url=world.settings.public_url)
    sign_in_staff(body, "survey")
    listed = body.get("/staff/haiphong-2025/survey")
    paper = body.post(f"/staff/haiphong-2025/survey/paper/{ballots_2}", data={"csrf": csrf_of(listed.text)})
    while 'id="thanks"' not in paper.text:
        codes = sorted(set(re.findall(r'name="a_([\d.]+)"', paper.text)))
        number = re.search(r'name="page" value="(\d+)"', paper.text).group(1)
        move = "send" if 'value="send"' in paper.text else "next"
        paper = body.post(f"/khao-sat/{ballots_2}", data={"csrf": csrf_of(paper.text), "page": number, "move": move,
                                                         **{f"a_{code}": "A" for code in codes}})
    assert "Về trang khảo sát trực tuyến" in paper.text  # keyed in at once: no speed floor for typing

    sign_in_staff(client, "coordinator")
    page = client.get("/staff/haiphong-2025/survey")
    assert page.status_code == 200
    row = re.search(rf'<tr data-unit="{UNIT}" data-group="4">(.*?)</tr>', page.text, re.S).group(1)
    assert re.search(r"<td class=\"nowrap\">2 <progress", row) and "<td>1</td>" in row  # 2 counted, 1 set aside
    asked = client.post("/staff/haiphong-2025/survey/close", data={"csrf": csrf_of(page.text)})
    assert "phiếu đang trả lời dở sẽ không được tính" in asked.text  # said first, nothing done yet
    with session_scope(world.engine) as session:
        assert not session.scalar(select(HistoryEntry.id).where(HistoryEntry.event == "close_survey"))
    refused = client.post("/staff/haiphong-2025/survey/close", data={"csrf": csrf_of(page.text), "confirmed": "1"},
                          follow_redirects=True)  # other units' groups have no answer yet: said on the survey page
    problem = refused.text.split('id="problem">', 1)[1].split("</p>", 1)[0]
    assert "chưa thể kết thúc khảo sát: 44 đơn vị còn nhóm" in problem and "(nhóm 1, 2, 3, 4, 5)" in problem
    assert "và 36 đơn vị khác. Đề nghị nhập phiếu giấy" in problem
    with session_scope(world.engine) as session:
        assert not session.scalar(select(HistoryEntry.id).where(HistoryEntry.event == "close_survey"))
    every_silent_link_answered(world, tickets)
    confirm = client.post("/staff/haiphong-2025/survey/close", data={"csrf": csrf_of(page.text)})
    assert 'id="silent"' not in confirm.text
    closed = client.post("/staff/haiphong-2025/survey/close", data={"csrf": csrf_of(page.text), "confirmed": "1"},
                         follow_redirects=True)
    assert "Đã kết thúc khảo sát: kết quả điều tra của 44 đơn vị đã được ghi." in closed.text
    with session_scope(world.engine) as session:
        lines = latest_lines(session, cycle_id="haiphong-2025", unit_codes=[UNIT], kinds=[ScoreKind.SURVEY])[UNIT]
        unit_id = session.scalar(select(Unit.id).where(Unit.code == UNIT))
        version = latest_versions(session, cycle_id="haiphong-2025", unit_ids=[unit_id],
                                  kinds=[ScoreKind.SURVEY])[(unit_id, ScoreKind.SURVEY)]
        events = set(session.scalars(select(HistoryEntry.event).where(HistoryEntry.entity == "cycle")))
    # by hand, from the exported responses: 1.5.1 (2 points, groups 1-2) pools its ballots' weights (A = 1,
    # C = 0,2: 2 × 0,6 = 1,2); 3.4.1 (3 points, groups 3-4) takes the satisfaction rate, the share of groups 3
    # and 4's answers weighed at least one half
    qr = client.get(f"/staff/haiphong-2025/survey/qr/{people}.svg")  # for the paper notice a unit puts up
    assert qr.status_code == 200 and qr.headers["content-type"].startswith("image/svg+xml") and "<svg" in qr.text
    stranger = TestClient(app, base_url=world.settings.public_url)  # the unit prints its notice: no account
    posted = stranger.get(f"/khao-sat/{people}/thong-bao")
    assert posted.status_code == 200 and f'src="/khao-sat/{people}/qr.svg"' in posted.text
    assert f"{world.settings.public_url}/khao-sat/{people}" in posted.text and "quét mã QR" in posted.text
    assert stranger.get(f"/khao-sat/{people}/qr.svg").text == qr.text
    book = load_workbook(io.BytesIO(client.get("/staff/haiphong-2025/survey/responses.xlsx").content))
    export = client.get("/staff/haiphong-2025/survey/responses.csv")
    rows = list(csv.DictReader(io.StringIO(export.content.decode("utf-8-sig"))))
    assert book.active.max_row == len(rows) + 1  # the same rows in the workbook, under the same header
    assert isinstance(book.active["I2"].value, datetime) and book.active.freeze_panes == "A2"  # dates that sort
    counted = [row for row in rows if row["Tình trạng"] == "được tính"]  # the survey body's words, not codes
    assert {row["Lý do không tính"] for row in rows if row["Tình trạng"] == "không tính"} == {"trả lời quá nhanh"}
    weights = {"A": Fraction(1), "B": Fraction(3, 5), "C": Fraction(1, 5), "D": Fraction(0)}
    own = [row for row in counted if row["Mã đơn vị"] == UNIT]
    pooled = [weights[row["Trả lời"]] for row in own if row["Mã tiêu chí"] == "1.5.1"]
    rated = [weights[row["Trả lời"]] >= Fraction(1, 2) for row in own if row["Nhóm"] in ("3", "4")]
    assert {row["Hình thức"] for row in own if row["Nhóm"] == "2"} == {"trực tuyến", "phiếu giấy"}
    assert lines["1.5.1"] == round_half_up(2 * sum(pooled) / len(pooled), 3) == Decimal("1.467")  # A, C, A
    rate = round_half_up(Fraction(100 * sum(rated), len(rated)), 2)
    assert version.satisfaction_percent == rate and 50 < rate < 100  # group 4's B and D, group 3's all B
    assert lines["3.4.1"] == round_half_up(3 * Fraction(rate) / 100, 3)
    assert "close_survey" in events
    late = TestClient(app, base_url=world.settings.public_url).get(f"/khao-sat/{people}")
    assert "Đợt khảo sát đã kết thúc" in late.text and "Bắt đầu trả lời" not in late.text


def test_a_met_quota_takes_no_more_and_a_device_resumes_where_it_stopped(app, world: PortalWorld) -> None:
    token = token_of(world, UNIT, 1)
    tickets = codes_of(world)
    with session_scope(world.engine) as session:
        session.execute(SurveyLink.__table__.update().where(SurveyLink.token == token).values(quota=1))
    device = TestClient(app, base_url=world.settings.public_url)
    intro = device.get(f"/khao-sat/{token}")
    first = device.post(f"/khao-sat/{token}", data={"csrf": csrf_of(intro.text), "action": "start",
                                                     "code": tickets[(UNIT, 1)][0]})
    codes = sorted(set(re.findall(r'name="a_([\d.]+)"', first.text)))
    device.post(f"/khao-sat/{token}", data={"csrf": csrf_of(first.text), "page": "1", "move": "next",
                                            **{f"a_{code}": "B" for code in codes}})
    resumed = device.get(f"/khao-sat/{token}")  # the device comes back: the first page it has not answered
    assert 'name="page" value="2"' in resumed.text
    back = device.get(f"/khao-sat/{token}?trang=1")
    assert all(f'name="a_{code}" value="B" checked' in back.text for code in codes)  # kept
    respond(app, world, token, "A", code=tickets[(UNIT, 1)][1])  # another respondent fills the quota
    full = TestClient(app, base_url=world.settings.public_url).get(f"/khao-sat/{token}")
    assert "đã nhận đủ số phiếu" in full.text and "Bắt đầu trả lời" not in full.text
    elsewhere = TestClient(app, base_url=world.settings.public_url)  # the first official, on another device
    intro = elsewhere.get(f"/khao-sat/{token}")
    assert "đã nhận đủ số phiếu" in intro.text  # the quota is met: nothing opens, not even a resumption
    sign_in_staff(elsewhere, "operator")
    listed = elsewhere.get("/staff/haiphong-2025/survey")
    refused = elsewhere.post("/staff/haiphong-2025/survey/close", data={"csrf": csrf_of(listed.text),
                                                                        "confirmed": "1"}, follow_redirects=True)
    assert "chưa thể kết thúc khảo sát: 44 đơn vị còn nhóm" in refused.text  # group 2 sent no ballot, nor others
    assert "parindex-survey" not in refused.text  # no path of the server's
    assert TestClient(app, base_url=world.settings.public_url).get("/khao-sat/khong-co-ma-nay").status_code == 404


def test_past_its_date_the_links_take_nothing_online_and_the_survey_body_keys_paper_until_it_closes(
        app, client, world: PortalWorld) -> None:
    """The plan's date passed and the tick could not close it (nobody answered some group): the survey's page
    says so, a resident is turned away, and the survey body still keys in the paper ballots it collected."""
    token = token_of(world, UNIT, 4)
    with session_scope(world.engine) as session:
        world.at = survey_window(session, load_context(session, world.cycle_id)).closes + timedelta(hours=2)
        add_staff_user(session, username="survey1", name="Viện", role="survey", password=PASSWORD, at=world.at)
    late = TestClient(app, base_url=world.settings.public_url).get(f"/khao-sat/{token}")
    assert "Đợt khảo sát đã kết thúc" in late.text and "Bắt đầu trả lời" not in late.text
    body = TestClient(app, base_url=world.settings.public_url)
    sign_in_staff(body, "survey")
    listed = body.get("/staff/haiphong-2025/survey")
    assert "Đã đến hạn đóng khảo sát theo kế hoạch nhưng kết quả chưa được chuyển" in listed.text
    assert 'id="close-survey"' in listed.text  # it can still be closed by hand
    paper = body.post(f"/staff/haiphong-2025/survey/paper/{token}", data={"csrf": csrf_of(listed.text)})
    assert paper.status_code == 200 and 'name="page" value="1"' in paper.text
