"""The working group and the operators on the portal, without CLI words: a unit's evidence listed with its
references and downloaded (one file, the unit's zip, the block's zip); a unit removes and replaces a file while
its stage is open (in the history); a re-run asks first and says what it withdraws; a block's or all units'
task extended from a list and a date field; the outbox paged, filtered and each message read."""

from __future__ import annotations

import csv
import io
import zipfile

from sqlalchemy import func, select

from models.db import session_scope
from models.tables import Assignment, EvidenceFile, HistoryEntry, OutboxMessage, Unit
from tests.web.conftest import PortalWorld
from tests.web.test_authorisation import PDF, _criterion, _snv_form, csrf_of, sign_in_staff, sign_in_unit

PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 64


def test_a_unit_removes_and_replaces_a_file_and_the_working_group_downloads_it(client, world: PortalWorld) -> None:
    criterion = _criterion(world)
    csrf = sign_in_unit(client, world, "SNV")
    page = client.post("/unit/evidence", data={"csrf": csrf, "criterion": criterion},
                       files=[("files", ("qd.pdf", PDF, "application/pdf")), ("files", ("anh.png", PNG, "image/png"))])
    assert page.status_code == 200 and f'value="{criterion}" selected' in page.text  # the criterion stays chosen
    with session_scope(world.engine) as session:
        pdf_id, png_id = (session.scalar(select(EvidenceFile.id).where(EvidenceFile.filename == name))
                          for name in ("qd.pdf", "anh.png"))
    removed = client.post(f"/unit/evidence/{png_id}/remove", data={"csrf": csrf}, files={"file": ("", b"")})
    assert removed.status_code == 200 and "Đã xoá tệp" in removed.text and "anh.png" not in removed.text
    replaced = client.post(f"/unit/evidence/{pdf_id}/remove", data={"csrf": csrf},
                           files={"file": ("qd-ban-ky.pdf", PDF + b"% signed\n", "application/pdf")})
    assert replaced.status_code == 200 and "Đã thay tệp" in replaced.text
    assert "qd-ban-ky.pdf" in replaced.text and ">qd.pdf<" not in replaced.text
    with session_scope(world.engine) as session:
        files = session.execute(select(EvidenceFile.filename, EvidenceFile.criterion_code)).all()
        events = session.execute(select(HistoryEntry.event).where(HistoryEntry.entity == "evidence")
                                 .order_by(HistoryEntry.seq)).scalars().all()
    assert files == [("qd-ban-ky.pdf", criterion)]
    assert events == ["evidence_attached", "evidence_attached", "evidence_removed", "evidence_removed",
                      "evidence_attached"]

    client.cookies.clear()
    sign_in_staff(client, "coordinator")
    listing = client.get(f"/staff/{world.cycle_id}/units/SNV/evidence")
    assert listing.status_code == 200 and "qd-ban-ky.pdf" in listing.text and "sha256" not in listing.text
    (file_id,) = [f for f in _ids(world)]
    download = client.get(f"/staff/{world.cycle_id}/units/SNV/evidence/{file_id}")
    assert download.status_code == 200 and download.content == PDF + b"% signed\n"
    assert client.get(f"/staff/{world.cycle_id}/units/VPUB/evidence/{file_id}").status_code == 404  # not VPUB's
    for query in ("unit=SNV", f"block={world.unit('SNV').block}"):
        archive = zipfile.ZipFile(io.BytesIO(client.get(f"/staff/{world.cycle_id}/evidence.zip?{query}").content))
        names = archive.namelist()
        pdfs = [name for name in names if name.endswith("qd-ban-ky.pdf")]
        assert len(pdfs) == 1 and pdfs[0].startswith("SNV - ") and f"/{criterion}/" in pdfs[0]
        assert archive.read(pdfs[0]) == PDF + b"% signed\n"
        rows = list(csv.reader(io.StringIO(archive.read("danh-muc.csv").decode("utf-8-sig"))))
        assert rows[0][4] == "Tài liệu kiểm chứng (đơn vị ghi)" and any(row[5] == pdfs[0] for row in rows)


def _ids(world: PortalWorld) -> list[int]:
    with session_scope(world.engine) as session:
        return list(session.execute(select(EvidenceFile.id)).scalars())


def test_a_rerun_asks_first_and_says_what_it_withdraws(client, world: PortalWorld, tmp_path) -> None:
    csrf = sign_in_unit(client, world, "SNV")
    form = _snv_form(world, tmp_path)  # the unit's own form, filled in
    sent = client.post("/unit/upload/self-assessment", data={"csrf": csrf},
                       files={"file": ("snv.xlsx", form.read_bytes())})
    assert sent.status_code == 200, sent.text
    assert world.unit("SNV").state == "self_assessed"
    client.cookies.clear()
    csrf = sign_in_staff(client, "operator")
    before = _history_count(world)
    asked = client.post(f"/staff/{world.cycle_id}/rerun", data={
        "csrf": csrf, "unit": "SNV", "stage": "self_assessment", "reason": "Đơn vị nộp nhầm biểu mẫu"})
    assert asked.status_code == 200 and 'id="rerun-confirm"' in asked.text
    assert "Chưa có gì thay đổi" in asked.text and "đã gửi tự đánh giá" in asked.text
    assert _history_count(world) == before and world.unit("SNV").state == "self_assessed"  # nothing done yet
    done = client.post(f"/staff/{world.cycle_id}/rerun", data={
        "csrf": csrf, "unit": "SNV", "stage": "self_assessment", "reason": "Đơn vị nộp nhầm biểu mẫu",
        "confirmed": "yes"})
    assert done.status_code == 200 and "Đã mở lại giai đoạn" in done.text
    assert world.unit("SNV").state == "self_assessing"
    assert "mở lại để sửa" in client.get(f"/staff/{world.cycle_id}/units/SNV").text  # the task reads reopened


def _history_count(world: PortalWorld) -> int:
    with session_scope(world.engine) as session:
        return session.scalar(select(func.count()).select_from(HistoryEntry)) or 0


def test_a_blocks_task_is_extended_from_the_matrix(client, world: PortalWorld) -> None:
    csrf = sign_in_staff(client, "operator")
    matrix = client.get(f"/staff/{world.cycle_id}").text
    assert 'id="extend-many"' in matrix and 'type="date"' in matrix and "--all" not in matrix
    block = world.unit("SNV").block
    number = world.unit_task_number("SNV")
    answer = client.post(f"/staff/{world.cycle_id}/extend", data={
        "csrf": csrf, "task": str(number), "scope": f"block:{block}", "until": "2021-12-28",
        "reason": "Thông báo số 12/TB-SNV"})
    assert answer.status_code == 200 and "28/12/2021" in answer.text
    with session_scope(world.engine) as session:
        days = dict(session.execute(select(Unit.block, func.max(Assignment.last_day)).join(
            Unit, Unit.id == Assignment.unit_id).group_by(Unit.block)).all())
    assert str(days[block]) == "2021-12-28" and all(str(day) != "2021-12-28" for b, day in days.items() if b != block)
    answer = client.post(f"/staff/{world.cycle_id}/extend", data={
        "csrf": csrf, "task": str(number), "scope": "all", "until": "2021-12-30", "reason": "Công văn 99/SNV"})
    with session_scope(world.engine) as session:
        days = set(session.execute(select(Assignment.last_day).join(Unit, Unit.id == Assignment.unit_id)
                                   .where(Assignment.status.in_(("open", "overdue")))).scalars())
    assert {str(day) for day in days} == {"2021-12-30"}


def test_the_outbox_is_paged_filtered_and_each_message_read(client, world: PortalWorld) -> None:
    sign_in_staff(client, "coordinator")
    with session_scope(world.engine) as session:
        total = session.scalar(select(func.count()).select_from(OutboxMessage)) or 0
        newest = session.scalar(select(OutboxMessage).order_by(OutboxMessage.id.desc()).limit(1))
    page = client.get(f"/staff/{world.cycle_id}/outbox", params={"kind": "opened", "status": "sent"})
    assert page.status_code == 200 and f"{total} thư khớp bộ lọc" in page.text
    assert client.get(f"/staff/{world.cycle_id}/outbox", params={"status": "failed"}).text.count("<tr>") == 2
    unit = client.get(f"/staff/{world.cycle_id}/outbox", params={"unit": "SNV"}).text
    assert "1 thư khớp bộ lọc" in unit
    message = client.get(f"/staff/{world.cycle_id}/outbox/{newest.id}")
    assert message.status_code == 200 and newest.subject in message.text and 'id="message-text"' in message.text
    assert client.get(f"/staff/{world.cycle_id}/outbox/{newest.id + 999}").status_code == 404


def test_pages_of_the_outbox(client, world: PortalWorld, monkeypatch) -> None:
    from web import staff_pages

    monkeypatch.setattr(staff_pages, "OUTBOX_PAGE", 10)
    sign_in_staff(client, "coordinator")
    first = client.get(f"/staff/{world.cycle_id}/outbox").text
    assert 'id="next-page"' in first and "trang 1/" in first
    second = client.get(f"/staff/{world.cycle_id}/outbox", params={"page": 2}).text
    subjects = [line for line in first.split("<tr>")[2:]]
    assert subjects and not any(row in second for row in subjects)  # page 2 shows other messages
    assert csrf_of(first)


def test_the_appraisal_form_carries_the_units_references_and_links(client, world: PortalWorld, tmp_path) -> None:
    """The working group's appraisal workbook shows, beside each leaf, what the unit cited and a link to each
    file it attached; the link opens the file for staff."""
    from tasks.inputs.form_templates import write_template
    from tests.forms.conftest import rows_of_sheet

    criterion = _criterion(world)
    csrf = sign_in_unit(client, world, "SNV")
    sent = client.post("/unit/upload/self-assessment", data={"csrf": csrf},
                       files={"file": ("snv.xlsx", _snv_form(world, tmp_path).read_bytes())})
    assert sent.status_code == 200
    client.post("/unit/evidence", data={"csrf": csrf, "criterion": criterion},
                files=[("files", ("qd.pdf", PDF, "application/pdf"))])
    out = tmp_path / "tham-dinh.xlsx"
    with session_scope(world.engine) as session:
        write_template(session, kind="appraisal", cycle_id=world.cycle_id, out=out,
                       block=world.unit("SNV").block)
    rows = [row for row in rows_of_sheet(out) if row["Mã đơn vị"] == "SNV"]
    line = next(row for row in rows if row["Mã tiêu chí"] == criterion)
    assert line["Tài liệu kiểm chứng đơn vị ghi"] == f"VB-{criterion}"
    (file_id,) = _ids(world)
    link = line["Tệp đơn vị đính kèm (liên kết)"]
    assert link.startswith("qd.pdf: ") and link.endswith(f"/staff/{world.cycle_id}/units/SNV/evidence/{file_id}")
    client.cookies.clear()
    sign_in_staff(client, "coordinator")
    path = link.split(": ", 1)[1].split("://", 1)[1].split("/", 1)[1]
    assert client.get("/" + path).content == PDF


def test_a_stale_result_is_flagged_to_the_unit_and_to_staff(client, world: PortalWorld) -> None:
    """A result a re-run made stale reads "đang tính lại" on the unit's result page and on the staff's page of
    the unit, never as final."""
    from datetime import timedelta
    from decimal import Decimal

    from models.tables import UnitResult

    unit = world.unit("SNV")
    with session_scope(world.engine) as session:
        session.add(UnitResult(cycle_id=world.cycle_id, unit_id=unit.id, appraisal_points=Decimal(60),
                               survey_points=Decimal(25), total_points=Decimal(85), index_percent=Decimal("85.5"),
                               rank_in_block=3, rank_in_group=1, band="Tốt", computed_at=world.at, stale=False))
        session.add(OutboxMessage(cycle_id=world.cycle_id, idempotency_key="t|result|SNV", kind="result",
                                  assignee="unit:SNV", to_address=unit.email, subject="Kết quả Chỉ số CCHC",
                                  body_text="Kính gửi …", created_at=world.at + timedelta(hours=1)))
    csrf = sign_in_unit(client, world, "SNV")
    assert csrf and 'id="stale"' not in client.get("/unit/result").text
    with session_scope(world.engine) as session:
        session.execute(UnitResult.__table__.update().values(stale=True))
    page = client.get("/unit/result").text
    assert 'id="stale"' in page and "đang được tính lại" in page
    client.cookies.clear()
    sign_in_staff(client, "coordinator")
    assert "đang tính lại" in client.get(f"/staff/{world.cycle_id}/units/SNV").text


def test_past_the_last_page_and_a_page_that_is_not_a_number(client, world: PortalWorld) -> None:
    sign_in_staff(client, "coordinator")
    far = client.get(f"/staff/{world.cycle_id}/outbox", params={"page": "99"})
    assert far.status_code == 200 and "trang 1/1" in far.text and "trang 99" not in far.text
    assert client.get(f"/staff/{world.cycle_id}/outbox", params={"page": "abc"}).status_code == 200


def test_evidence_is_taken_only_while_its_stage_is_open_and_a_reload_sends_nothing(client, world: PortalWorld) -> None:
    csrf = sign_in_unit(client, world, "SNV")
    criterion = _criterion(world)
    attached = client.post("/unit/evidence", data={"csrf": csrf, "criterion": criterion},
                           files=[("files", ("qd.pdf", PDF, "application/pdf"))], follow_redirects=False)
    assert attached.status_code == 303 and attached.headers["location"] == "/unit/evidence"  # post, then get
    page = client.get("/unit/evidence").text
    assert "Đã đính kèm: 1" in page and f'value="{criterion}" selected' in page
    assert "Đã đính kèm" not in client.get("/unit/evidence").text  # said once
    with session_scope(world.engine) as session:
        session.execute(Unit.__table__.update().where(Unit.code == "SNV").values(state="appraised_round1"))
    closed = client.get("/unit/evidence").text
    assert 'id="evidence-form"' not in closed and 'id="evidence-closed"' in closed and "remove-file" not in closed
    refused = client.post("/unit/evidence", data={"csrf": csrf, "criterion": criterion},
                          files=[("files", ("them.pdf", PDF + b"%x\n", "application/pdf"))])
    assert refused.status_code == 409 and len(_ids(world)) == 1
    (file_id,) = _ids(world)
    kept = client.post(f"/unit/evidence/{file_id}/remove", data={"csrf": csrf}, files={"file": ("", b"")})
    assert kept.status_code == 409 and _ids(world) == [file_id]  # nor removed once the stage is closed
