"""The evidence units attached, as the working group reads it: per unit and criterion the unit's own
reference ("Tài liệu kiểm chứng" in its self-assessment) and its files; a zip of a unit's or a block's."""

from __future__ import annotations

import csv
import io
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select
from sqlmodel import Session

from models.cycle_context import unit_tree
from models.scores import latest_versions
from models.tables import Criterion, EvidenceFile, ScoreKind, ScoreLine, Unit
from tasks.inputs.evidence import stored_path

CHUNK = 1024 * 1024


@dataclass
class CriterionEvidence:
    code: str
    title: str
    required: bool
    reference: str  # what the unit wrote in its self-assessment's evidence column
    files: list[EvidenceFile] = field(default_factory=list)


def unit_evidence(session: Session, cycle_id: str, unit: Unit) -> list[CriterionEvidence]:
    """Every appraised criterion with the unit's reference and files, in the criteria's order."""
    version = latest_versions(session, cycle_id=cycle_id, unit_ids=[unit.id],
                              kinds=[ScoreKind.SELF_ASSESSED]).get((unit.id, ScoreKind.SELF_ASSESSED))
    references: dict[str, str] = dict(session.execute(select(ScoreLine.criterion_code, ScoreLine.evidence_ref).where(
        ScoreLine.score_version_id == version.id)).all()) if version else {}
    tree = unit_tree(session, cycle_id, unit.block)
    criteria = sorted(session.execute(select(Criterion).where(Criterion.cycle_id == cycle_id, Criterion.tree == tree,
                                                              Criterion.method == "appraisal")).scalars(),
                      key=lambda c: c.position)
    found = {c.code: CriterionEvidence(c.code, c.title, c.evidence_required, references.get(c.code, ""))
             for c in criteria}
    for row in session.execute(select(EvidenceFile).where(EvidenceFile.unit_id == unit.id)
                               .order_by(EvidenceFile.criterion_code, EvidenceFile.id)).scalars():
        if row.criterion_code in found:
            found[row.criterion_code].files.append(row)
    return list(found.values())


def write_evidence_zip(session: Session, cycle_id: str, units: list[Unit], folder: Path, target: Path) -> int:
    """A zip of these units' evidence: `<code> - <name>/<criterion>/<file>` with a list (danh-muc.csv) of every
    criterion's reference and files; files are copied a megabyte at a time. Returns the number of files."""
    count = 0
    listing = io.StringIO()
    writer = csv.writer(listing)
    writer.writerow(["Mã đơn vị", "Đơn vị", "Mã tiêu chí", "Tiêu chí", "Tài liệu kiểm chứng (đơn vị ghi)", "Tệp",
                     "Dung lượng (byte)", "Gửi lúc (UTC)", "SHA-256"])
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED, allowZip64=True) as archive:
        for unit in units:
            top = _safe(f"{unit.code} - {unit.name}")
            for item in unit_evidence(session, cycle_id, unit):
                if not item.files:
                    writer.writerow([unit.code, unit.name, item.code, item.title, item.reference, "", "", "", ""])
                for index, row in enumerate(item.files, start=1):
                    name = f"{top}/{_safe(item.code)}/{index:02d}-{_safe(row.filename)}"
                    source = stored_path(folder, row.sha256)
                    if source.is_file():
                        with source.open("rb") as reading, archive.open(name, "w", force_zip64=True) as out:
                            while chunk := reading.read(CHUNK):
                                out.write(chunk)
                        count += 1
                    writer.writerow([unit.code, unit.name, item.code, item.title, item.reference, name, row.size,
                                     row.uploaded_at.isoformat(timespec="seconds"), row.sha256])
        archive.writestr("danh-muc.csv", "\ufeff" + listing.getvalue())
    return count


def _safe(text: str) -> str:
    return "".join("_" if ch in '/\\:*?"<>|\0' else ch for ch in text).strip(" .")[:120] or "_"
