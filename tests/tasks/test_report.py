"""The results report: results.xlsx with its columns in order, one sheet per block; report.html self-contained."""

import re
from decimal import Decimal

from openpyxl import load_workbook
from sqlalchemy import select

from models.db import session_scope
from models.tables import UnitResult
from notifications.workbook import HEADER_ROW
from tasks.engine.events import unit_of_work
from tasks.inputs.imports import Inputs, import_prior_results
from tasks.reads.reporting import produce_report
from tests.seasons import SCORED_AT, TIED, drive_to_scored


def test_the_report_has_every_block_ranked_and_opens_offline(loaded_hanoi, db, tmp_path):
    prior = tmp_path / "2022.csv"
    prior.write_text("Chu kỳ,Mã đơn vị,Chỉ số (%),Hạng,Xếp loại\nhanoi-2023,STP,90.5,3,Tốt\n", encoding="utf-8")
    with unit_of_work(db) as session:
        import_prior_results(session, prior, 2022, Inputs("t", SCORED_AT))
    drive_to_scored(db)
    with session_scope(db) as session:
        report, xlsx, html = produce_report(session, "hanoi-2023", tmp_path / "out")
        results = session.execute(select(UnitResult)).scalars().all()
    book = load_workbook(xlsx)
    assert book.sheetnames == ["Khối Sở", "Khối quận, huyện, thị xã", "Xếp loại", "Khen thưởng",
                               "Trách nhiệm người đứng đầu", "So với năm trước"]
    so = book["Khối Sở"]
    assert so["A1"].value == report.title and "Chỉ số cải cách hành chính năm 2023" in so["A2"].value
    assert so["A3"].value == "Kết quả chưa được Hội đồng thẩm định thông qua"
    header = [cell.value for cell in so[HEADER_ROW]]
    assert header[:8] == ["Hạng", "Mã đơn vị", "Đơn vị", "Điểm thẩm định", "Điểm ĐTXHH", "Tổng điểm", "Chỉ số (%)",
                          "Xếp loại"]
    assert header[8:] == [f"{code}. {title} (%)" for code, title in report.fields] and len(header) == 16
    assert all(so.cell(HEADER_ROW, column).alignment.wrap_text for column in range(1, 17))
    assert so.freeze_panes == f"D{HEADER_ROW + 1}" and so.print_title_rows == f"${HEADER_ROW}:${HEADER_ROW}"
    setup = so.page_setup
    assert (setup.orientation, setup.paperSize, setup.fitToWidth, setup.fitToHeight) == ("landscape", 9, 1, 0)
    first = so[HEADER_ROW + 1]
    assert [cell.number_format for cell in first[:8]] == ["0", "@", "@", *["[$-42A]#,##0.00"] * 3, "[$-42A]0.00%", "@"]
    rows = {row[1]: row for row in so.iter_rows(min_row=HEADER_ROW + 1, values_only=True)}
    assert len(rows) == 22 and so.max_row == HEADER_ROW + 22
    stp_row = rows["STP"]
    assert abs(stp_row[6] - float(next(u.index for u in report.blocks[0].units if u.code == "STP")) / 100) < 1e-9
    changes = book["So với năm trước"]
    assert [cell.value for cell in changes[HEADER_ROW + 1]][2] == "STP"
    assert rows[TIED[0]][0] == rows[TIED[1]][0] and rows[TIED[0]][6] == rows[TIED[1]][6]  # đồng hạng
    ranks = sorted(row[0] for row in rows.values())
    tied_rank = rows[TIED[0]][0]
    assert tied_rank + 1 not in ranks and tied_rank + 2 in ranks  # the next rank skips
    assert sum(1 for _ in results) == 52
    page = html.read_text(encoding="utf-8")
    assert page.count("<svg") == 4 and "đồng hạng" in page and "Khối quận, huyện, thị xã" in page
    assert not re.search(r"<(script|link|img)\b[^>]*(src|href)=", page)  # nothing to fetch: opens offline
    assert "Kết quả chưa được Hội đồng thẩm định thông qua" in page
    stp = next(unit for block in report.blocks for unit in block.units if unit.code == "STP")
    assert (stp.last_year, stp.change) == (Decimal("90.50"), stp.index - Decimal("90.50"))
    assert "<td>90,50</td>" in page and "Năm 2022" in page  # Vietnamese numbers: a decimal comma
    assert not re.search(r">\d+\.\d\d<", page)  # no 97.73 left anywhere
    stp_name = stp.name
    assert f'text-anchor="end">{stp_name}</text>' in page  # the bar chart names its units
    assert f'<tr><td class="l">{stp_name}</td>' in page  # and so does the heat map


def test_the_report_and_workbook_in_english_on_request(loaded_hanoi, db, tmp_path):
    from notifications.report import write_report

    drive_to_scored(db)
    with session_scope(db) as session:
        report, _, _ = produce_report(session, "hanoi-2023", tmp_path / "vi")
    xlsx, html = write_report(report, tmp_path / "en", "en")
    page = html.read_text(encoding="utf-8")
    assert '<html lang="en">' in page and "Khối Sở: ranking" in page and "Units eligible for a reward" in page
    assert "xếp hạng" not in page and "Đơn vị đủ điều kiện" not in page  # only the data is Vietnamese
    assert re.search(r"<td><strong>\d+\.\d\d</strong></td>", page)  # English numbers: a decimal point
    book = load_workbook(xlsx)
    assert book.sheetnames[2:] == ["Bands", "Rewards", "Accountability"]
    assert [cell.value for cell in book["Khối Sở"][HEADER_ROW]][:3] == ["Rank", "Unit code", "Unit"]
    assert book["Khối Sở"].cell(HEADER_ROW + 1, 7).number_format == "[$-809]0.00%"
