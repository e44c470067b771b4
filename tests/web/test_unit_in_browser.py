"""A unit's first minutes, in Debian's chromium: the link from its opening mail (.eml), its form downloaded,
filled with openpyxl and uploaded, a broken file refused row by row with the database unchanged, evidence
attached; the coordinator sees the unit's cell change; then the round-1 draft explained line by line."""

from __future__ import annotations

import io
import re
import shutil
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect
from sqlalchemy import func, select, update

from models.cycle_context import load_context
from models.db import session_scope
from models.scores import latest_lines
from models.stages import Stage
from models.tables import (
    UNITS_OWNER,
    Assignment,
    Criterion,
    EvidenceFile,
    HistoryEntry,
    ScoreKind,
    ScoreLine,
    ScoreVersion,
    Unit,
)
from tasks.engine.assignments import reconcile_stage
from tasks.engine.stage_steps import send_drafts
from tasks.inputs.intake import ScoreSheet, record_scores
from tests.forms.conftest import fill
from tests.web.conftest import CYCLE, PASSWORD, PortalWorld

pytestmark = [pytest.mark.browser]
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def counts(world: PortalWorld) -> tuple[int, int, int]:
    with session_scope(world.engine) as session:
        return (session.scalar(select(func.count()).select_from(ScoreVersion)),
                session.scalar(select(func.count()).select_from(ScoreLine)),
                session.scalar(select(func.count()).select_from(HistoryEntry)))


def sign_in_from_mail(page, world: PortalWorld, code: str, kind: str = "opened") -> None:  # type: ignore[no-untyped-def]
    unit = world.unit(code)
    page.goto(world.link_in(world.mail_to(unit.email, kind)))
    page.click("#open-session")
    expect(page).to_have_url(re.compile(r"/unit(/|$)"))  # the session opened: the link's target, not the sign-in page


def staff_page(browser, served: str, username: str):  # type: ignore[no-untyped-def]
    """A browser context of its own, signed in as this staff member."""
    page = browser.new_context().new_page()
    page.goto(f"{served}/staff/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("main button")
    expect(page).to_have_url(re.compile(r"/staff$"))  # signed in: the login page sends staff to their home
    return page


def test_a_unit_sends_its_self_assessment_from_its_mail(world: PortalWorld, served: str, page, browser,
                                                         tmp_path: Path) -> None:
    unit = world.unit("SNV")
    mail = world.mail_to(unit.email)
    attached = [part for part in mail.walk() if part.get_filename()]
    # the deadline as a calendar entry, and the prefilled form
    assert [part.get_filename() for part in attached] == ["han-chot.ics", f"tu-danh-gia-{CYCLE}-SNV.xlsx"]
    assert b"BEGIN:VEVENT" in attached[0].get_payload(decode=True)
    assert load_workbook(io.BytesIO(attached[1].get_payload(decode=True))).worksheets[0]["A2"].value

    sign_in_from_mail(page, world, "SNV")
    assert "/unit/tasks/" in page.url
    assert "Tự đánh giá" in page.inner_text("h1")
    assert "21/12/2021" in page.inner_text("main")

    page.goto(f"{served}/unit")
    with page.expect_download() as download:
        page.click("text=Tải biểu mẫu tự đánh giá")
    form = tmp_path / download.value.suggested_filename
    download.value.save_as(form)
    assert form.name == f"tu-danh-gia-{CYCLE}-SNV.xlsx"
    filled = fill(form)

    broken = tmp_path / "broken.xlsx"
    shutil.copy(filled, broken)
    book = load_workbook(broken)
    sheet = book.worksheets[0]
    headers = [cell.value for cell in sheet[2]]
    leaf = next(row for row in sheet.iter_rows(min_row=3) if not row[0].font.bold)
    leaf[headers.index("Điểm")].value = 999
    book.save(broken)
    before = counts(world)
    page.set_input_files("#upload-self-assessment input[type=file]", str(broken))
    page.click("#upload-self-assessment button")
    expect(page.locator("#refused")).to_be_visible()  # waits for the answer to the upload, not the page before it
    problems = page.inner_text("#problems")
    assert str(leaf[0].row) in problems and "Điểm" in problems
    assert "Điểm lớn hơn điểm tối đa của tiêu chí" in problems and "above-maximum" not in problems  # words, no code
    expect(page.locator("#upload-again input[type=file]")).to_be_visible()  # the form to try again, on the page
    assert "incomplete" not in problems  # the refused row is named once, not again as a criterion without points
    assert counts(world) == before  # refused whole: not a row written
    assert str(tmp_path) not in page.content() and "/tmp/" not in page.content()

    page.goto(f"{served}/unit")
    page.set_input_files("#upload-self-assessment input[type=file]", str(filled))
    page.click("#upload-self-assessment button")
    expect(page.locator("#accepted")).to_be_visible()
    with session_scope(world.engine) as session:
        version = session.scalar(select(ScoreVersion).where(ScoreVersion.kind == ScoreKind.SELF_ASSESSED.value))
        assert (version.actor, version.source) == ("unit:SNV", form.name)

    page.goto(f"{served}/unit/evidence")
    page.select_option("select[name=criterion]", index=0)
    criterion = page.input_value("select[name=criterion]")
    (tmp_path / "quyet-dinh.pdf").write_bytes(PDF)
    (tmp_path / "not-a-pdf.pdf").write_bytes(b"MZ\x90\x00 an executable")
    page.set_input_files("input[name=files]", [str(tmp_path / "quyet-dinh.pdf"), str(tmp_path / "not-a-pdf.pdf")])
    page.click("#evidence-form button")
    expect(page.locator("#evidence")).to_contain_text("quyet-dinh.pdf")
    expect(page.locator("main")).to_contain_text("not-a-pdf.pdf: Không phải loại tệp được nhận làm tài liệu kiểm chứng")
    with session_scope(world.engine) as session:
        (kept,) = session.execute(select(EvidenceFile)).scalars().all()
        assert (kept.criterion_code, kept.content_type, kept.actor) == (criterion, "application/pdf", "unit:SNV")
        assert session.scalar(select(HistoryEntry.event).where(HistoryEntry.event == "evidence_attached"))
    assert (Path(world.settings.evidence_dir) / kept.sha256[:2] / kept.sha256).read_bytes() == PDF

    # the coordinator, in a browser of their own, sees the unit's self-assessment cell done
    coordinator = staff_page(browser, served, "coordinator1")
    coordinator.goto(f"{served}/staff/{CYCLE}")
    cell = coordinator.locator("#matrix tr[data-unit=SNV] td[data-stage=self_assessment]")
    assert "done" in cell.get_attribute("class")
    other = coordinator.locator("#matrix tr[data-unit=VPUB] td[data-stage=self_assessment]")
    assert "open" in other.get_attribute("class")
    coordinator.context.close()

    # an operator extends VPUB's deadline with a reason; VPUB's page says when and why
    operator = staff_page(browser, served, "operator1")
    operator.goto(f"{served}/staff/{CYCLE}/units/VPUB")
    task = world.unit_task_number("VPUB")
    operator.select_option("#extend-form select[name=task]", str(task))  # picked from the unit's open tasks
    operator.fill("#extend-form input[name=until]", "2021-12-28")  # a date field
    operator.fill("#extend-form input[name=reason]", "Đơn vị đề nghị do thay đổi nhân sự")
    operator.click("#extend-form button")
    expect(operator.locator("#notice")).to_contain_text("28/12/2021")
    expect(operator.locator("#history")).to_contain_text("operator:operator1")
    operator.context.close()
    unit_page = browser.new_context().new_page()
    sign_in_from_mail(unit_page, world, "VPUB")
    unit_page.goto(f"{served}/unit")
    row = unit_page.inner_text("#tasks")
    assert "28/12/2021" in row and "thay đổi nhân sự" in row
    unit_page.context.close()


@pytest.mark.parametrize("world", ["hcmc-2021"], indirect=True)
def test_a_unit_explains_its_draft_line_by_line(world: PortalWorld, served: str, page) -> None:
    """Hồ Chí Minh City's plan sends round-1 drafts; its mail lists each changed criterion and leads to the
    draft page, where the unit explains a line and proposes points."""
    cycle, code = world.cycle_id, "SNV"
    lowered = send_a_draft(world, code)
    with session_scope(world.engine) as session:
        ctx = load_context(session, cycle)
    world.deliver()
    letter = world.mail_to(world.unit(code).email, "draft")
    text = next(p for p in letter.walk() if p.get_content_type() == "text/plain").get_payload(decode=True)
    assert f"Tiêu chí {lowered} (" in text.decode("utf-8") and "Các tiêu chí có điểm thay đổi: 1." in text.decode()
    assert "Lý do của Tổ công tác: Chưa có kế hoạch năm" in text.decode()  # the group's reason beside the line

    page.goto(world.link_in(letter))
    page.click("#open-session")
    expect(page).to_have_url(re.compile(r"/unit/draft$"))
    row = page.locator(f"#draft section[data-code='{lowered}']")
    assert "changed" in row.get_attribute("class")
    assert page.locator("#draft section.changed").count() == 1
    row.locator("textarea").fill("Đơn vị đã ban hành kế hoạch số 12/KH-SNV, gửi kèm tài liệu.")
    row.locator("input").fill("1")
    page.click("#draft-form button")
    expect(page.locator("#accepted")).to_be_visible()
    with session_scope(world.engine) as session:
        lines = latest_lines(session, cycle_id=cycle, unit_codes=[code], kinds=[ScoreKind.EXPLAINED])[code]
        explained = session.scalar(select(ScoreLine.explanation).join(
            ScoreVersion, ScoreVersion.id == ScoreLine.score_version_id).where(
            ScoreLine.criterion_code == lowered, ScoreVersion.kind == ScoreKind.EXPLAINED.value))
    assert lines[lowered] == Decimal(1) and "12/KH-SNV" in explained
    # the window stays open until the deadline: the unit comes back, changes its mind and sends again
    page.goto(f"{served}/unit/draft")
    assert "lần 1" in page.inner_text("#receipt") and "1 tiêu chí có giải trình" in page.inner_text("#receipt")
    row = page.locator(f"#draft section[data-code='{lowered}']")
    assert "Chưa có kế hoạch năm" in row.locator(".group-reason").inner_text()  # the group's reason beside it
    assert "12/KH-SNV" in row.locator("textarea").input_value()  # what it sent, back in its box
    row = page.locator(f"#draft section[data-code='{lowered}']")
    row.locator("textarea").fill("")
    row.locator("input").fill("0.5")
    page.click("#draft-form button")  # points proposed without a reason: refused, in words, on its own box
    expect(page.locator("#error-summary")).to_be_visible()
    assert "phải nêu lý do" in page.inner_text("#error-summary")
    row = page.locator(f"#draft section[data-code='{lowered}']")
    assert "phải nêu lý do" in row.inner_text() and row.locator("input").input_value() == "0.5"  # typed, kept
    page.click("#error-summary a")
    expect(page).to_have_url(re.compile(r"#explain-"))
    row.locator("textarea").fill("Bổ sung: kế hoạch 12/KH-SNV mới ban hành một phần.")
    row.locator("input").fill("0.5")
    page.click("#draft-form button")
    expect(page.locator("#accepted")).to_be_visible()
    with session_scope(world.engine) as session:
        lines = latest_lines(session, cycle_id=cycle, unit_codes=[code], kinds=[ScoreKind.EXPLAINED])[code]
        versions = session.scalar(select(func.count()).select_from(ScoreVersion).where(
            ScoreVersion.kind == ScoreKind.EXPLAINED.value))
        due = session.scalar(select(Assignment.due_at).join(Unit, Unit.id == Assignment.unit_id).where(
            Unit.code == code, Assignment.plan_task_id == ctx.unit_task(Stage.EXPLANATIONS).id))
    assert lines[lowered] == Decimal("0.5") and versions == 2
    world.at = due + timedelta(minutes=1)  # past the deadline: the page no longer takes explanations
    page.goto(f"{served}/unit/draft")
    assert page.locator("#draft-form button").count() == 0


def send_a_draft(world: PortalWorld, code: str) -> str:
    """The unit's self-assessment (full points), the working group's round-1 draft lowering one criterion with
    its reason, and the draft sent: the unit is explaining. Returns the lowered criterion."""
    cycle = world.cycle_id
    with session_scope(world.engine) as session:
        ctx = load_context(session, cycle)
        leaves = session.execute(select(Criterion.code, Criterion.max_points).where(
            Criterion.cycle_id == cycle, Criterion.method == "appraisal")).all()
        own = {leaf: (maximum, "VB", "") for leaf, maximum in leaves}
        record_scores(session, ctx, kind=ScoreKind.SELF_ASSESSED, sheets=[ScoreSheet(code, own)], at=world.at,
                      actor=f"unit:{code}", source="t")
        lowered = sorted(leaves)[0][0]
        record_scores(session, ctx, kind=ScoreKind.APPRAISED_ROUND1, at=world.at, actor="body:to_cong_tac",
                      sheets=[ScoreSheet(code, {**own, lowered: (Decimal(0), "", "Chưa có kế hoạch năm")})], source="t")
        # the working group's draft task is open (its own date in the plan is weeks later)
        draft_tasks = [t.id for t in ctx.tasks_of_stage(Stage.SEND_DRAFT) if t.owner != UNITS_OWNER]
        session.execute(update(Assignment).where(Assignment.plan_task_id.in_(draft_tasks)).values(status="open"))
        reconcile_stage(session, ctx, stage=Stage.EXPLANATIONS.value, at=world.at, actor="t", flow_run_id=None)
        assert send_drafts(session, ctx, world.settings, at=world.at, actor="t", flow_run_id=None)
    return lowered
