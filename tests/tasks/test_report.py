"""The results report: results.xlsx with its columns in order, one sheet per block; report.html self-contained."""

import re
import zipfile
from datetime import UTC, datetime
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
        report, xlsx, html = produce_report(session, "hanoi-2023", tmp_path / "out", at=datetime.now(UTC))
        results = session.execute(select(UnitResult)).scalars().all()
        written = datetime(2024, 2, 20, 2, 0, tzinfo=UTC)  # 09:00 on 20/02/2024 in Hà Nội: the report's date
        _, _, dated = produce_report(session, "hanoi-2023", tmp_path / "dated", at=written)
    assert "Hà Nội, ngày 20 tháng 02 năm 2024" in dated.read_text(encoding="utf-8")
    book = load_workbook(xlsx)
    assert book.sheetnames == ["Khối Sở", "Lĩnh vực - Khối Sở", "Khối quận, huyện, thị xã",
                               "Lĩnh vực - Khối quận, huyện", "Xếp loại", "Khen thưởng",
                               "Trách nhiệm người đứng đầu", "So với năm trước"]
    so = book["Khối Sở"]
    assert [so[f"A{row}"].value for row in (1, 3, 4)] == [
        "Phụ lục I", "(Kèm theo Quyết định số ……/QĐ-…… ngày …/…/…… của UBND Thành phố Hà Nội)",
        "Kết quả chưa được Hội đồng thẩm định thông qua"]
    assert so["A2"].value == "XẾP HẠNG KHỐI SỞ — CHỈ SỐ CẢI CÁCH HÀNH CHÍNH NĂM 2023"
    assert book["Xếp loại"]["A1"].value == "Phụ lục V"
    header = [cell.value for cell in so[HEADER_ROW]]
    assert header == ["TT", "Đơn vị", "Điểm thẩm định (tối đa 70)", "Điểm ĐTXHH (tối đa 30)", "Tổng điểm (tối đa 100)",
                      "Chỉ số (%)", "Hạng trong khối", "Xếp loại", "Mã đơn vị"]
    assert so.column_dimensions["I"].hidden and not so.column_dimensions["B"].hidden  # codes: the last column, hidden
    fields = [cell.value for cell in book["Lĩnh vực - Khối Sở"][HEADER_ROW]]
    maxima = [format(report.maxima[code].normalize(), "f").replace(".", ",") for code, _ in report.fields]
    assert fields[2:-1] == [f"{code}. {title} (%; tối đa {points} điểm)"
                            for (code, title), points in zip(report.fields, maxima, strict=True)]
    assert "14,5" in maxima and "10" in maxima
    assert all(so.cell(HEADER_ROW, column).alignment.wrap_text for column in range(1, 10))
    assert so.freeze_panes == f"C{HEADER_ROW + 1}" and so.print_title_rows == f"${HEADER_ROW}:${HEADER_ROW}"
    assert {cell.font.name for row in so.iter_rows() for cell in row if cell.value is not None} == {"Times New Roman"}
    setup = so.page_setup
    assert (setup.orientation, setup.paperSize, setup.fitToWidth, setup.fitToHeight) == ("landscape", 9, 1, 0)
    first = so[HEADER_ROW + 1]
    assert [cell.number_format for cell in first[:8]] == ["0", "@", *["[$-42A]#,##0.00"] * 3, "[$-42A]0.00%", "@", "@"]
    rows = {row[-1]: row for row in so.iter_rows(min_row=HEADER_ROW + 1, values_only=True)}
    assert len(rows) == 23 and so.max_row == HEADER_ROW + 23  # 22 units and the block's mean
    assert rows[None][1] == "Trung bình Khối Sở" and rows[None][5] == float(report.blocks[0].mean_index / 100)
    assert [row[0] for row in so.iter_rows(min_row=HEADER_ROW + 1, max_row=HEADER_ROW + 22, values_only=True)] == \
        list(range(1, 23))  # TT
    stp = next(u for u in report.blocks[0].units if u.code == "STP")
    assert rows["STP"][1] == stp.name and rows["STP"][5] == float(stp.index / 100)
    sheet_xml = zipfile.ZipFile(xlsx).read("xl/worksheets/sheet1.xml").decode()
    assert f"<v>{stp.index / 100}</v>" in sheet_xml  # exact decimals: 0.9773, never 0.9772999999999999
    assert not re.search(r"<v>-?\d+\.\d{5,}</v>", sheet_xml)
    changes = book["So với năm trước"]
    assert changes.cell(HEADER_ROW + 1, 1).value == "Khối Sở"  # a block's heading, then its units
    assert [cell.value for cell in changes[HEADER_ROW + 2]][1] == stp.name
    tied = [row for code, row in rows.items() if code in TIED]
    assert tied[0][6] == tied[1][6] == f"{int(tied[0][6].split()[0])} (đồng hạng)" and tied[0][5] == tied[1][5]
    ranks = sorted(int(str(row[6]).split()[0]) for code, row in rows.items() if code)
    tied_rank = int(tied[0][6].split()[0])
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
        report, _, _ = produce_report(session, "hanoi-2023", tmp_path / "vi", at=datetime.now(UTC))
    xlsx, html = write_report(report, tmp_path / "en", "en")
    page = html.read_text(encoding="utf-8")
    assert '<html lang="en">' in page and "Khối Sở: ranking" in page and "Units eligible for a reward" in page
    assert "xếp hạng" not in page and "Đơn vị đủ điều kiện" not in page  # only the data is Vietnamese
    assert re.search(r"<td><strong>\d+\.\d\d</strong></td>", page)  # English numbers: a decimal point
    book = load_workbook(xlsx)
    assert book.sheetnames[1:2] + book.sheetnames[4:] == ["Fields - Khối Sở", "Bands", "Rewards", "Accountability"]
    assert [cell.value for cell in book["Khối Sở"][HEADER_ROW]][:3] == ["No.", "Unit", "Appraisal points (at most 70)"]
    assert book["Khối Sở"].cell(HEADER_ROW + 1, 6).number_format == "[$-809]0.00%"
    assert book["Khối Sở"]["A1"].value == "Annex I"
