"""Evidence files a unit attaches to criteria: type and size checked by content, stored by sha256, listed in
the database and recorded in the history."""

from __future__ import annotations

import hashlib
import io
import os
import zipfile
from datetime import datetime
from pathlib import Path

from sqlalchemy import func, select
from sqlmodel import Session

from models.cycle_context import CycleContext
from models.history import HistoryDraft, append_history
from models.refusals import NotFound, Refused
from models.tables import Criterion, EvidenceFile, Unit, assignee_for_unit
from models.words import word

MAX_EVIDENCE_BYTES = 20 * 1024 * 1024
MAX_FILENAME = 200
OFFICE = {"word/": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", ".docx"),
          "xl/": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", ".xlsx"),
          "ppt/": ("application/vnd.openxmlformats-officedocument.presentationml.presentation", ".pptx")}
ODF = {b"application/vnd.oasis.opendocument.text": ".odt",
       b"application/vnd.oasis.opendocument.spreadsheet": ".ods"}
ACCEPTED = "PDF, PNG, JPEG, DOCX, XLSX, PPTX, ODT, ODS, DOC, XLS"


class EvidenceRefused(Refused):
    """A file that is not evidence parindex keeps: too large, empty, or of a type it does not accept; `rule`
    names which (evidence-empty, evidence-too-large, evidence-type, evidence-criterion)."""

    def __init__(self, rule: str, message: str) -> None:
        super().__init__(message)
        self.rule = rule


MIMETYPE_BYTES = 100  # the longest ODF type is 47 characters

def content_type_of(data: bytes) -> tuple[str, str]:
    """(MIME type, extension) from the file's bytes, never from its name or the browser's claim."""
    if data.startswith(b"%PDF-"):
        return "application/pdf", ".pdf"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png", ".png"
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg", ".jpg"
    if data.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):  # the OLE container of .doc and .xls
        return "application/x-ole-storage", ".doc"
    if data.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                names = archive.namelist()
                if "mimetype" in names:
                    mimetype = _odf_mimetype(archive)
                    if mimetype in ODF:
                        return mimetype.decode("ascii"), ODF[mimetype]
                if "[Content_Types].xml" in names:
                    for prefix, found in OFFICE.items():
                        if any(name.startswith(prefix) for name in names):
                            return found
        except (zipfile.BadZipFile, OSError, KeyError, ValueError):
            pass
    raise EvidenceRefused("evidence-type", word("form.evidence_type", accepted=ACCEPTED))


def _odf_mimetype(archive: zipfile.ZipFile) -> bytes:
    """An ODF file's first member, `mimetype`, which the standard stores uncompressed: read only so, and only its
    first bytes, whatever its size fields say (a compressed one could be a decompression bomb)."""
    info = archive.getinfo("mimetype")
    if info.compress_type != zipfile.ZIP_STORED:
        return b""
    with archive.open(info) as member:
        return member.read(MIMETYPE_BYTES).strip()


def store(folder: Path, data: bytes) -> str:
    """Write the bytes under their sha256 (once: the same file twice is one file); returns the digest."""
    digest = hashlib.sha256(data).hexdigest()
    target = folder / digest[:2] / digest
    if not target.exists():
        target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        temporary = target.with_suffix(f".{os.getpid()}.part")
        handle = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)  # parindex's own, no one else's
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        os.replace(temporary, target)
    return digest


SAME_CONTENT = {".jpg": (".jpg", ".jpeg"), ".doc": (".doc", ".xls", ".ppt")}  # one content, several names


def _named_for_its_content(name: str, extension: str) -> str:
    """The name a download is given: the sender's, ending in the extension its content has (poly.pdf.html, whose
    bytes are a PDF, is handed back as poly.pdf.pdf, never as a page a browser would open)."""
    if not name:
        return f"evidence{extension}"
    if name.lower().endswith(SAME_CONTENT.get(extension, (extension,))):
        return name
    stem = name.rsplit(".", 1)[0] if "." in name.lstrip(".") else name
    return f"{stem}{extension}"


def _within_quota(session: Session, ctx: CycleContext, unit: Unit, filename: str, size: int) -> None:
    """A unit keeps at most the cycle's quota of evidence (files, and megabytes in all)."""
    quota = ctx.spec.evidence
    files, used = session.execute(select(func.count(), func.coalesce(func.sum(EvidenceFile.size), 0))
                                  .where(EvidenceFile.unit_id == unit.id)).one()
    if files + 1 > quota.files_per_unit or used + size > quota.mb_per_unit * 1024 * 1024:
        raise EvidenceRefused("evidence-quota", word("err.evidence_quota", file=filename, files=files,
                                                     mb=round(used / (1024 * 1024), 1),
                                                     most_files=quota.files_per_unit, most_mb=quota.mb_per_unit))


def stored_path(folder: Path, digest: str) -> Path:
    if len(digest) != 64 or any(ch not in "0123456789abcdef" for ch in digest):
        raise NotFound(word("err.no_such_evidence"))
    return folder / digest[:2] / digest


def record_evidence(session: Session, ctx: CycleContext, *, unit_code: str, criterion_code: str, filename: str,
                    data: bytes, actor: str, at: datetime, folder: Path) -> EvidenceFile:
    """Check, store and record one file for one criterion of one unit."""
    if not data:
        raise EvidenceRefused("evidence-empty", word("form.evidence_empty", file=filename))
    if len(data) > MAX_EVIDENCE_BYTES:
        raise EvidenceRefused("evidence-too-large", word("form.evidence_too_large", file=filename,
                                                         mb=MAX_EVIDENCE_BYTES // (1024 * 1024)))
    content_type, extension = content_type_of(data)
    unit = session.scalar(select(Unit).where(Unit.cycle_id == ctx.cycle_id, Unit.code == unit_code))
    criterion = session.scalar(select(Criterion).where(Criterion.cycle_id == ctx.cycle_id,
                                                       Criterion.tree == ctx.tree_of(unit.block if unit else ""),
                                                       Criterion.code == criterion_code,
                                                       Criterion.method.is_not(None)))
    if unit is None or criterion is None:
        raise EvidenceRefused("evidence-criterion", word("form.evidence_criterion", code=repr(criterion_code),
                                                         cycle=ctx.cycle_id))
    name = _named_for_its_content(Path(filename.replace("\\", "/")).name[:MAX_FILENAME], extension)
    digest = hashlib.sha256(data).hexdigest()
    existing = session.scalar(select(EvidenceFile).where(EvidenceFile.unit_id == unit.id,
                                                         EvidenceFile.criterion_code == criterion_code,
                                                         EvidenceFile.sha256 == digest))
    if existing is not None:
        return existing
    _within_quota(session, ctx, unit, filename, len(data))  # before a byte is written
    store(folder, data)
    row = EvidenceFile(cycle_id=ctx.cycle_id, unit_id=unit.id, criterion_code=criterion_code, sha256=digest,
                       filename=name, content_type=content_type, size=len(data), actor=actor, uploaded_at=at)
    session.add(row)
    session.flush()
    append_history(session, cycle_id=ctx.cycle_id, drafts=[HistoryDraft(
        entity="evidence", subject=assignee_for_unit(unit_code), event="evidence_attached", actor=actor, at=at,
        reason=name, details={"criterion": criterion_code, "sha256": digest, "size": len(data),
                              "content_type": content_type})])
    return row


def evidence_of(session: Session, cycle_id: str, unit_code: str) -> list[EvidenceFile]:
    return list(session.execute(
        select(EvidenceFile).join(Unit, Unit.id == EvidenceFile.unit_id)
        .where(EvidenceFile.cycle_id == cycle_id, Unit.code == unit_code)
        .order_by(EvidenceFile.criterion_code, EvidenceFile.id)).scalars())


def remove_evidence(session: Session, ctx: CycleContext, *, unit_code: str, evidence_id: int, actor: str,
                    at: datetime, reason: str = "") -> EvidenceFile:
    """Take one of the unit's files off its list (the stored bytes stay: another row may share them, and the
    history keeps their digest); recorded in the history. NotFound when the file is not this unit's."""
    row = session.scalar(select(EvidenceFile).join(Unit, Unit.id == EvidenceFile.unit_id).where(
        EvidenceFile.id == evidence_id, EvidenceFile.cycle_id == ctx.cycle_id, Unit.code == unit_code))
    if row is None:
        raise NotFound(word("err.no_such_evidence"))
    append_history(session, cycle_id=ctx.cycle_id, drafts=[HistoryDraft(
        entity="evidence", subject=assignee_for_unit(unit_code), event="evidence_removed", actor=actor, at=at,
        reason=reason or row.filename, details={"criterion": row.criterion_code, "sha256": row.sha256,
                                                "size": row.size, "filename": row.filename})])
    session.delete(row)
    session.flush()
    return row
