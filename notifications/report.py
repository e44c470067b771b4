"""The results report: `results.xlsx` (one sheet per block) and `report.html` (self-contained, offline)."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from models.formatting import day, number, percent, signed
from models.report_data import BlockReport, CycleReport, group_in_sentence, group_title, mean_index, short_department
from models.words import edge_sentences, words_in
from notifications.narrative import narrative
from notifications.render import environment
from notifications.workbook import write_results_xlsx

BAND_COLOURS = ("2E7D32", "1565C0", "EF6C00", "C62828", "6A1B9A", "455A64")


def render_report_html(report: CycleReport, language: str = "vi") -> str:
    colours = {band: f"#{BAND_COLOURS[i % len(BAND_COLOURS)]}" for i, band in enumerate(report.bands)}
    names = {unit.code: unit.name for block in report.blocks for unit in block.units}
    return environment().get_template("report/report.html").render(
        report=report, colours=colours, heat=heat_colour, day=day, lang=language, t=words_in(language),
        edges=lambda notes: edge_sentences(notes, language, names),
        num=lambda value: number(value, language, 2), idx=lambda value: number(value, language, report.index_places),
        pct=lambda value: percent(value, language, report.index_places),
        chg=lambda value: signed(value, language, report.index_places),
        group_title=lambda name: group_title(name, language), story=narrative(report, language),
        group_sentence=lambda name: group_in_sentence(name, language),
        short_department=short_department(report.department),
        signer_title=report.signer[0], signer_name=report.signer[1], axis_floor=axis_floor,
        group_mean=lambda units: mean_index(units, report.index_places))


def axis_floor(block: BlockReport) -> int:
    """Where a block's bar chart starts: 5 points below its lowest index, on a multiple of 5 (84,41 → 80), so
    that 84 and 99 do not look alike; 0 when an index is under 10."""
    lowest = min((float(unit.index) for unit in block.units), default=0)
    return max(0, int(lowest // 5) * 5 - 5) if lowest >= 10 else 0


def heat_colour(value: Decimal) -> str:
    """60 % and below red, 100 % green, through yellow."""
    hue = max(0, min(120, int((float(value) - 60) / 40 * 120)))
    return f"hsl({hue}, 70%, 80%)"


def write_report(report: CycleReport, folder: Path, language: str = "vi") -> tuple[Path, Path]:
    folder.mkdir(parents=True, exist_ok=True)
    xlsx, html = folder / "results.xlsx", folder / "report.html"
    write_results_xlsx(report, xlsx, language)
    html.write_text(render_report_html(report, language), encoding="utf-8")
    return xlsx, html


def write_report_pdf(html: Path, pdf: Path) -> Path:
    """report.html as A4 pages (WeasyPrint, on Debian's pango): what the council is handed."""
    from weasyprint import HTML

    HTML(filename=str(html), base_url=str(html.parent)).write_pdf(str(pdf))
    return pdf
