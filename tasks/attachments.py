"""Files a message carries, made when it is sent: a unit's prefilled form, as it stands at that moment.

A self-assessment form differs from unit to unit only in the unit's code and name: it is written once per
cycle (and definition) with placeholders, and each unit's copy is that workbook with its code and name put in
(a few milliseconds, where writing a workbook takes fifty: ten thousand opening mails are not ten minutes of
openpyxl)."""

from __future__ import annotations

import io
import tempfile
import zipfile
from pathlib import Path
from xml.sax.saxutils import escape

from sqlalchemy import select
from sqlalchemy.engine import Engine

from models.db import session_scope
from models.tables import Cycle, OutboxMessage, Unit
from notifications.mime import FilePart
from tasks.form_templates import write_template

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORM_FILE_NAMES = {"self-assessment": "tu-danh-gia", "explanation": "giai-trinh"}
CODE_MARK, NAME_MARK = "PARINDEXUNITCODE0", "PARINDEXUNITNAME0"
_blank_forms: dict[tuple[str, str], bytes] = {}  # (cycle, definition hash) → the form with placeholders


def form_attachment(kind: str, unit_code: str) -> str:
    """The descriptor an outbox row keeps for a unit's prefilled form."""
    return f"form:{kind}:{unit_code}"


def files_of(engine: Engine, message: OutboxMessage) -> list[FilePart]:
    """The files of a message's descriptor; none when it has none."""
    what, _, rest = message.attachment.partition(":")
    if what != "form":
        return []
    kind, _, unit_code = rest.partition(":")
    return [prefilled_form(engine, message.cycle_id, kind, unit_code)]


def prefilled_form(engine: Engine, cycle_id: str, kind: str, unit_code: str) -> FilePart:
    """A unit's form (self-assessment or explanation) as an .xlsx file's bytes, named for the unit."""
    name = f"{FORM_FILE_NAMES[kind]}-{cycle_id}-{unit_code}.xlsx"
    if kind == "self-assessment":
        with session_scope(engine) as session:
            unit_name = session.scalar(select(Unit.name).where(Unit.cycle_id == cycle_id, Unit.code == unit_code))
            if unit_name is None:
                raise LookupError(f"{unit_code!r} is not a unit of {cycle_id}")
            key = (cycle_id, session.scalar(select(Cycle.definition_hash).where(Cycle.id == cycle_id)) or "")
            if key not in _blank_forms:
                _blank_forms[key] = _written(session, kind, cycle_id, None)
        return FilePart(name, XLSX, _with_unit(_blank_forms[key], unit_code, unit_name))
    with session_scope(engine) as session:
        return FilePart(name, XLSX, _written(session, kind, cycle_id, unit_code))


def _written(session, kind: str, cycle_id: str, unit_code: str | None) -> bytes:  # type: ignore[no-untyped-def]
    """The workbook write_template makes; for no unit, the one of a placeholder unit."""
    with tempfile.TemporaryDirectory(prefix="parindex-form-") as folder:
        out = Path(folder) / "form.xlsx"
        if unit_code is None:
            from tasks.form_templates import PREFILL_KINDS

            assert PREFILL_KINDS[kind] == (), "only a form with nothing of the unit's own can be shared"
            write_template(session, kind=kind, cycle_id=cycle_id, out=out, unit=CODE_MARK,
                           placeholder=(CODE_MARK, NAME_MARK))
        else:
            write_template(session, kind=kind, cycle_id=cycle_id, out=out, unit=unit_code)
        return out.read_bytes()


def _with_unit(blank: bytes, code: str, name: str) -> bytes:
    """The shared workbook with the unit's code and name where the placeholders are."""
    marks = {CODE_MARK.encode(): escape(code).encode(), NAME_MARK.encode(): escape(name).encode()}
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(blank)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            data = source.read(item)
            if item.filename.endswith(".xml"):
                for mark, value in marks.items():
                    data = data.replace(mark, value)
            target.writestr(item, data)
    return out.getvalue()
