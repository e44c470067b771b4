"""Files a message carries, made when it is sent: a unit's prefilled form, as it stands at that moment."""

from __future__ import annotations

import tempfile
from pathlib import Path

from sqlalchemy.engine import Engine

from models.db import session_scope
from models.tables import OutboxMessage
from notifications.mime import FilePart
from tasks.form_templates import write_template

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORM_FILE_NAMES = {"self-assessment": "tu-danh-gia", "explanation": "giai-trinh"}


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
    with tempfile.TemporaryDirectory(prefix="parindex-form-") as folder, session_scope(engine) as session:
        out = Path(folder) / "form.xlsx"
        write_template(session, kind=kind, cycle_id=cycle_id, out=out, unit=unit_code)
        return FilePart(name, XLSX, out.read_bytes())
