"""The workbook and the report as the Department prints them: LibreOffice turns results.xlsx into a PDF,
WeasyPrint report.html; each page is read back with pypdf."""

from __future__ import annotations

import math
import os
import re
import shutil
import subprocess
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from models.cycle_context import load_context
from models.db import session_scope
from notifications.report import write_report_pdf
from notifications.workbook import HEADER_ROW, write_results_xlsx
from tasks.engine.events import unit_of_work
from tasks.inputs.intake import approve_results
from tasks.reads.reporting import produce_report
from tests.seasons import SCORED_AT, drive_to_scored

pytestmark = pytest.mark.once  # the files do not depend on the database's kind

A4_LANDSCAPE = (842, 595)  # points, ±1


@pytest.fixture
def printed(loaded_hanoi, db, tmp_path):  # type: ignore[no-untyped-def]
    drive_to_scored(db)
    with unit_of_work(db) as session:
        approve_results(session, load_context(session, "hanoi-2023"), at=SCORED_AT, actor="Nguyễn Văn Chủ Tịch",
                        reason="Quyết định số 15/QĐ-HĐTĐ")
    with session_scope(db) as session:
        report, xlsx, html = produce_report(session, "hanoi-2023", tmp_path / "out", at=datetime.now(UTC))
    return report, xlsx, html


def soffice() -> str:
    found = shutil.which("soffice") or shutil.which("libreoffice")
    if not found:
        pytest.skip("LibreOffice (Debian's libreoffice-calc-nogui) is not installed: `make test` installs it")
    return found


def to_pdf(xlsx: Path, folder: Path) -> Path:
    profile = folder / "lo-profile"
    subprocess.run([soffice(), f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to", "pdf",
                    "--outdir", str(folder), str(xlsx)], check=True, capture_output=True, timeout=300,
                   env={**os.environ, "HOME": str(folder)})
    return folder / (xlsx.stem + ".pdf")


def test_the_printed_workbook_is_the_decisions_annexes_read_page_by_page(printed, tmp_path):
    report, xlsx, _ = printed
    book = load_workbook(xlsx)
    assert book["Khối Sở"]["A4"].value == "Hội đồng thẩm định thông qua ngày 25/01/2024 (Quyết định số 15/QĐ-HĐTĐ)"
    pages = assert_printed_pages(xlsx, tmp_path / "hanoi", report)
    assert pages["Phụ lục I"] == 1 and pages["Phụ lục III"] <= 2  # 22 units on a page; 30 on at most two
    # a province eight times Hà Nội's size: its block sheets run over several pages
    large = replace(report, blocks=[replace(block, units=[replace(unit, code=f"{unit.code}{copy}")
                                                          for copy in range(8) for unit in block.units])
                                    for block in report.blocks])
    write_results_xlsx(large, tmp_path / "large.xlsx")
    pages = assert_printed_pages(tmp_path / "large.xlsx", tmp_path / "large", large)
    assert pages["Phụ lục III"] >= 3 and pages["Phụ lục I"] >= 2  # continued, header and all


def words(page) -> str:  # type: ignore[no-untyped-def]
    return " ".join(page.extract_text().split())


def printed_sizes(page) -> list[float]:  # type: ignore[no-untyped-def]
    """The size, in points, at which each run of text is printed (its font size through both matrices)."""
    sizes: list[float] = []

    def visit(text, cm, tm, font, size):  # type: ignore[no-untyped-def]
        if text.strip():
            sizes.append(size * math.hypot(tm[2], tm[3]) * math.hypot(cm[2], cm[3]))

    page.extract_text(visitor_text=visit)
    return sizes


def assert_printed_pages(xlsx: Path, folder: Path, report) -> dict[str, int]:  # type: ignore[no-untyped-def]
    return assert_printed_annexes(xlsx, folder, {u.code for b in report.blocks for u in b.units},
                                  [block.name for block in report.blocks])


def assert_printed_annexes(xlsx: Path, folder: Path, codes: set[str], blocks: list[str]) -> dict[str, int]:
    """Each printed page read as a clerk would: A4 landscape, "Trang n / N" and its annex at the foot, the
    header row whole on every page, one font at a readable size, no unit's code; each annex's first page
    with its caption, its whole title and the decision it is attached to."""
    folder.mkdir()
    book = load_workbook(xlsx)
    sheets = {sheet["A1"].value: sheet for sheet in book}
    headers = {annex: [cell.value for cell in sheet[HEADER_ROW] if cell.value][:-1] for annex, sheet in sheets.items()}
    pages = PdfReader(to_pdf(xlsx, folder)).pages
    per_annex: dict[str, int] = {}
    for number, page in enumerate(pages, start=1):
        width, height = float(page.mediabox.width), float(page.mediabox.height)
        assert abs(width - A4_LANDSCAPE[0]) <= 1 and abs(height - A4_LANDSCAPE[1]) <= 1, f"page {number}: not A4 landscape"
        text = words(page)
        footer = re.match(r"Trang (\d+) / (\d+) (Phụ lục [IVXLC]+) ", text)
        assert footer and int(footer.group(1)) == number and int(footer.group(2)) == len(pages), f"page {number}"
        annex = footer.group(3)
        per_annex[annex] = per_annex.get(annex, 0) + 1
        sheet = sheets[annex]
        if per_annex[annex] == 1:  # the annex's first page: caption, title, decision, approval, all whole
            for row in (1, 2, 3, 4):
                assert " ".join(sheet.cell(row, 1).value.split()) in text, f"page {number}: row {row} cut"
            assert "Kèm theo Quyết định số" in text
        header_words = [header.split()[0] for header in headers[annex]]
        # the header row repeats on every page, and every column of it is there: one page wide
        assert header_words[0] in text and header_words[-1] in text, f"page {number} ({annex}): header cut or missing"
        fonts = {str(font["/BaseFont"]).split("+")[-1].split("-")[0] for font in page["/Resources"]["/Font"].values()}
        assert len(fonts) == 1, f"page {number}: fonts {fonts}"  # one family: regular, bold and italic of it
        assert min(printed_sizes(page)) >= 7.5, f"page {number}: text printed at {min(printed_sizes(page)):.1f} pt"
        shown = codes & set(re.findall(r"[A-Z][A-Z0-9-]{2,}", text))
        assert not shown, f"page {number}: internal codes {sorted(shown)[:5]}"
        assert "mô phỏng" not in text and "parindex" not in text.lower()
    assert set(per_annex) == set(sheets)  # every sheet printed, no blank page
    # a list across blocks starts each block on a page of its own
    reward = [words(page) for page in pages if re.match(r"Trang \d+ / \d+ Phụ lục VI ", words(page))]
    assert [sum(block in text for text in reward) for block in blocks] == [1] * len(blocks)
    return per_annex


def test_the_report_prints_to_a4_pages_as_the_department_issues_it(printed, tmp_path):
    report, _, html = printed
    page_text = html.read_text(encoding="utf-8")
    legend, first_chart = page_text.index('class="legend"'), page_text.index("<svg")
    assert legend < first_chart  # the legend comes before the first chart
    pdf = write_report_pdf(html, tmp_path / "report.pdf")
    pages = PdfReader(pdf).pages
    assert len(pages) >= 2
    assert all(abs(float(page.mediabox.width) - 595) <= 1 for page in pages)  # A4 portrait
    first = words(pages[0])
    today = datetime.now(ZoneInfo("Asia/Ho_Chi_Minh")).date()
    for line in ("UBND THÀNH PHỐ HÀ NỘI SỞ NỘI VỤ", "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc",
                 f"Hà Nội, ngày {today:%d} tháng {today:%m} năm {today:%Y}", "BÁO CÁO Phân tích kết quả Chỉ số cải cách",
                 "Căn cứ kết quả thẩm định", "Viện Nghiên cứu phát triển kinh tế - xã hội Hà Nội", "I. KẾT QUẢ CHUNG",
                 "Dẫn đầu khối là", "Tăng nhiều nhất so với năm trước" if report.blocks[0].mean_last_year else "",
                 "Các lĩnh vực có chỉ số trung bình thấp nhất"):
        assert line in first, line  # the national header, number, place and date, and the summary first
    leader = report.blocks[0].units[0]
    assert f"{leader.name} ({str(leader.index).replace('.', ',')}%)" in first
    text = " ".join(words(page) for page in pages)
    for block in report.blocks:
        assert block.name in text
    assert "Nơi nhận:" in text and "GIÁM ĐỐC" in text and "Biểu đồ 1. Chỉ số cải cách hành chính năm 2023" in text
    assert "Nguồn: kết quả thẩm định" in text
    for gone in ("chu kỳ", "hanoi-2023", "Ed25519", "parindex", "criteria.toml", "97.73"):
        assert gone not in text, gone
    assert "," in text
    # no heading is the last line of a page: each is kept with what it heads
    headings = set(re.findall(r"<h[234][^>]*>([^<]+)</h[234]>", page_text))
    for number, page in enumerate(pages, start=1):
        lines = [line.strip() for line in page.extract_text().splitlines() if line.strip()]
        body = [line for line in lines if not re.fullmatch(r"Trang \d+ / \d+", line)]
        assert body and body[-1] not in headings, f"page {number} ends with the heading {body[-1]!r}"
