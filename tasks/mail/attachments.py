"""Files a message carries, made when it is sent: a unit's prefilled form, as it stands at that moment.

A self-assessment form differs from unit to unit of a block only in the unit's code and name (a block has
its own criteria tree): it is written once per block of a cycle (and definition) with placeholders, and each
unit's copy is that workbook with its code and name put in (tasks.mail.form_copies: under a millisecond,
where writing a workbook takes fifty: ten thousand opening mails are not ten minutes of openpyxl)."""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from pathlib import Path
from xml.sax.saxutils import escape

from sqlalchemy import select
from sqlalchemy.engine import Engine

from models.db import session_scope
from models.refusals import NotFound
from models.tables import Cycle, OutboxMessage, Unit
from models.words import word
from notifications.mime import FilePart
from tasks.inputs.form_templates import write_template
from tasks.mail.form_copies import WorkbookCopies

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORM_FILE_NAMES = {"self-assessment": "tu-danh-gia", "explanation": "giai-trinh"}
SHARED_KIND = "self-assessment"  # the same for every unit but its code and name: one workbook, copied
CODE_MARK, NAME_MARK = "PARINDEXUNITCODE0", "PARINDEXUNITNAME0"
_blank_forms: dict[tuple[str, str, str], WorkbookCopies] = {}  # (cycle, hash, block) → the form, placeholders in


def form_attachment(kind: str, unit_code: str) -> str:
    """The descriptor an outbox row keeps for a unit's prefilled form."""
    return f"form:{kind}:{unit_code}"


def _form_of(message: OutboxMessage) -> tuple[str, str] | None:
    """(kind, unit code) of the form a message carries, or None."""
    what, _, rest = message.attachment.partition(":")
    if what != "form":
        return None
    kind, _, unit_code = rest.partition(":")
    return kind, unit_code


class BatchFiles:
    """The files of a batch of messages being sent: the units' names and the shared forms read once for the
    batch, each unit's copy made when its message goes."""

    def __init__(self, engine: Engine, messages: Sequence[OutboxMessage]) -> None:
        self.engine = engine
        wanted = {(m.cycle_id, form[1]) for m in messages if (form := _form_of(m)) and form[0] == SHARED_KIND}
        self.names: dict[tuple[str, str], tuple[str, str]] = {}  # (cycle, unit) → (name, block)
        self.blanks: dict[tuple[str, str], WorkbookCopies] = {}
        if wanted:
            cycles = sorted({cycle_id for cycle_id, _ in wanted})
            with session_scope(engine) as session:
                rows = session.execute(select(Unit.cycle_id, Unit.code, Unit.name, Unit.block).where(
                    Unit.cycle_id.in_(cycles), Unit.code.in_(sorted({code for _, code in wanted})))).all()
                self.names = {(cycle_id, code): (name, block) for cycle_id, code, name, block in rows}
                self.blanks = {(cycle_id, block): _blank(session, cycle_id, block)
                               for cycle_id, block in sorted({(c, b) for c, _, _, b in rows})}

    def of(self, message: OutboxMessage) -> list[FilePart]:
        """The message's files; NotFound when its unit is gone."""
        form = _form_of(message)
        if form is None:
            return []
        kind, unit_code = form
        if kind != SHARED_KIND:
            return [prefilled_form(self.engine, message.cycle_id, kind, unit_code)]
        found = self.names.get((message.cycle_id, unit_code))
        if found is None:
            raise _no_such_unit(message.cycle_id, unit_code)
        name, block = found
        return [_unit_copy(self.blanks[(message.cycle_id, block)], kind, message.cycle_id, unit_code, name)]


def prefilled_form(engine: Engine, cycle_id: str, kind: str, unit_code: str) -> FilePart:
    """A unit's form (self-assessment or explanation) as an .xlsx file's bytes, named for the unit."""
    with session_scope(engine) as session:
        if kind == SHARED_KIND:
            unit = session.execute(select(Unit.name, Unit.block).where(Unit.cycle_id == cycle_id,
                                                                      Unit.code == unit_code)).first()
            if unit is None:
                raise _no_such_unit(cycle_id, unit_code)
            return _unit_copy(_blank(session, cycle_id, unit.block), kind, cycle_id, unit_code, unit.name)
        return FilePart(_file_name(kind, cycle_id, unit_code), XLSX, _written(session, kind, cycle_id, unit_code))


def _no_such_unit(cycle_id: str, unit_code: str) -> NotFound:
    return NotFound(word("err.not_a_unit", unit=unit_code, cycle=cycle_id))


def _file_name(kind: str, cycle_id: str, unit_code: str) -> str:
    return f"{FORM_FILE_NAMES[kind]}-{cycle_id}-{unit_code}.xlsx"


def _blank(session, cycle_id: str, block: str) -> WorkbookCopies:
    """The shared form of a block of the cycle (its criteria tree), written once per definition."""
    key = (cycle_id, session.scalar(select(Cycle.definition_hash).where(Cycle.id == cycle_id)) or "", block)
    if key not in _blank_forms:
        _blank_forms[key] = WorkbookCopies(_written(session, SHARED_KIND, cycle_id, None, block),
                                           (CODE_MARK.encode(), NAME_MARK.encode()))
    return _blank_forms[key]


def _unit_copy(blank: WorkbookCopies, kind: str, cycle_id: str, unit_code: str, unit_name: str) -> FilePart:
    """The shared workbook with the unit's code and name where the placeholders are."""
    data = blank.copy({CODE_MARK.encode(): escape(unit_code).encode(), NAME_MARK.encode(): escape(unit_name).encode()})
    return FilePart(_file_name(kind, cycle_id, unit_code), XLSX, data)


def _written(session, kind: str, cycle_id: str, unit_code: str | None, block: str = "") -> bytes:
    """The workbook write_template makes; for no unit, the one of a placeholder unit of the block."""
    with tempfile.TemporaryDirectory(prefix="parindex-form-") as folder:
        out = Path(folder) / "form.xlsx"
        if unit_code is None:
            from tasks.inputs.form_templates import PREFILL_KINDS

            assert PREFILL_KINDS[kind] == (), "only a form with nothing of the unit's own can be shared"
            write_template(session, kind=kind, cycle_id=cycle_id, out=out, unit=CODE_MARK,
                           placeholder=(CODE_MARK, NAME_MARK, block))
        else:
            write_template(session, kind=kind, cycle_id=cycle_id, out=out, unit=unit_code)
        return out.read_bytes()
