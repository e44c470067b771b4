"""Writing a cycle's results report from the database."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from sqlmodel import Session

from models.anchoring import announced_checkpoint, digest, latest_checkpoint
from models.cycle_context import load_context
from models.refusals import NotFound
from models.report_data import CycleReport, cycle_report
from models.settings import get_settings
from models.words import word
from notifications.report import write_report


def produce_report(session: Session, cycle_id: str, folder: Path, *,
                   at: datetime) -> tuple[CycleReport, Path, Path]:
    """`results.xlsx` and `report.html` in `folder`, dated `at`; refused while no unit has a result."""
    report = cycle_report(session, load_context(session, cycle_id), at=at)
    checkpoint = announced_checkpoint(session, cycle_id) or latest_checkpoint(session, cycle_id)
    if checkpoint is not None:
        report.history_digest, report.history_key = digest(checkpoint), checkpoint.public_key
    if not report.blocks:
        raise NotFound(word("err.no_results", cycle=cycle_id))
    xlsx, html = write_report(report, folder, get_settings().language)
    return report, xlsx, html
