"""The workbook and the report as the Department prints them: LibreOffice turns results.xlsx into a PDF,
WeasyPrint report.html; each page is read back with pypdf."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from dataclasses import replace
from pathlib import Path

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
        report, xlsx, html = produce_report(session, "hanoi-2023", tmp_path / "out")
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


def test_the_printed_workbook_is_one_page_wide_with_its_header_and_title_on_every_page(printed, tmp_path):
    report, xlsx, _ = printed
    book = load_workbook(xlsx)
    assert "Quyết định số 15/QĐ-HĐTĐ" in book["Khối Sở"]["A3"].value
    assert "Nguyễn Văn Chủ Tịch" in book["Khối Sở"]["A3"].value and "25/01/2024" in book["Khối Sở"]["A3"].value
    # a province eight times Hà Nội's size: its block sheets run over several pages
    large = replace(report, blocks=[replace(block, units=[replace(unit, code=f"{unit.code}{copy}")
                                                          for copy in range(8) for unit in block.units])
                                    for block in report.blocks])
    assert set(assert_printed_pages(xlsx, tmp_path / "hanoi").values()) == {1}
    write_results_xlsx(large, tmp_path / "large.xlsx")
    pages = assert_printed_pages(tmp_path / "large.xlsx", tmp_path / "large")
    assert pages["Khối quận, huyện, thị xã"] >= 3 and pages["Khối Sở"] >= 2  # continued, header and all


def assert_printed_pages(xlsx: Path, folder: Path) -> dict[str, int]:
    folder.mkdir()
    book = load_workbook(xlsx)
    headers = {sheet.title: [cell.value for cell in sheet[HEADER_ROW] if cell.value] for sheet in book}
    pages = PdfReader(to_pdf(xlsx, folder)).pages
    per_sheet: dict[str, int] = {}
    for number, page in enumerate(pages, start=1):
        width, height = float(page.mediabox.width), float(page.mediabox.height)
        assert abs(width - A4_LANDSCAPE[0]) <= 1 and abs(height - A4_LANDSCAPE[1]) <= 1, f"page {number}: not A4 landscape"
        text = " ".join(page.extract_text().split())
        footer = re.match(r"Trang (\d+) / (\d+) ", text)
        assert footer and int(footer.group(1)) == number and int(footer.group(2)) == len(pages), f"page {number}"
        sheet = next(name for name in sorted(headers, key=len, reverse=True) if text[footer.end():].startswith(name))
        per_sheet[sheet] = per_sheet.get(sheet, 0) + 1
        words = [header.split()[0] for header in headers[sheet]]
        # the header row repeats on every page, and every column of it is there: one page wide
        assert words[0] in text and words[-1] in text, f"page {number} ({sheet}): header cut or missing"
        assert "Đơn vị" in text or "Khối" in text, f"page {number} ({sheet})"
    assert set(per_sheet) == set(headers)  # every sheet printed, no blank page
    return per_sheet


def test_the_report_prints_to_a4_pages_with_unit_names_and_the_legend_first(printed, tmp_path):
    report, _, html = printed
    page_text = html.read_text(encoding="utf-8")
    legend, first_chart = page_text.index('class="legend"'), page_text.index("<svg")
    assert legend < first_chart  # the legend comes before the first chart
    pdf = write_report_pdf(html, tmp_path / "report.pdf")
    pages = PdfReader(pdf).pages
    assert len(pages) >= 2
    text = " ".join(" ".join(page.extract_text().split()) for page in pages)
    for block in report.blocks:
        assert block.name in text
    assert all(abs(float(page.mediabox.width) - 595) <= 1 for page in pages)  # A4 portrait
    assert "97.73" not in text and "," in text
