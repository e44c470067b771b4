"""What an auditor reads: a unit's history with its messages, every cycle's chain verified, exports."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import or_, select
from sqlmodel import Session

from models.anchoring import CheckpointProblem, exported, public_hex, sign_checkpoint, verify_checkpoints
from models.cycle_context import load_context
from models.history import ChainBreak, verify_chain
from models.refusals import NotFound, Refused
from models.settings import get_settings
from models.tables import Cycle, HistoryCheckpoint, HistoryEntry, OutboxMessage, Unit, assignee_for_unit
from models.transitions import canonical_codes
from models.words import word
from tasks.engine.anchoring import signing_key

MAX_CHECKPOINT_BYTES = 64 * 1024 * 1024
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")  # a CSV cell starting so is a formula to a spreadsheet


def _inert(value: Any) -> Any:
    """A text cell a spreadsheet would run as a formula, kept as text (a leading apostrophe, as OWASP advises)."""
    return "'" + value if isinstance(value, str) and value.startswith(FORMULA_START) else value


EXPORT_FIELDS = ("cycle_id", "seq", "at", "entity", "subject", "event", "from_state", "to_state", "actor", "reason",
                 "flow_run_id", "details", "prev_hash", "hash")


def unit_history(session: Session, cycle_id: str, unit_code: str) -> list[dict[str, Any]]:
    """Every history row about the unit (transitions, assignments, deadlines, scores, re-runs) and every
    message sent or queued to it, in time order."""
    if session.get(Cycle, cycle_id) is None:
        raise NotFound(word("refused.unknown_cycle", cycle=cycle_id))
    (unit_code,) = canonical_codes(session, cycle_id, [unit_code])
    assignee = assignee_for_unit(unit_code)
    rows = [{
        "at": entry.at.isoformat(), "seq": entry.seq, "entity": entry.entity, "event": entry.event,
        "from": entry.from_state, "to": entry.to_state, "actor": entry.actor, "reason": entry.reason,
        "flow_run_id": entry.flow_run_id, "details": json.loads(entry.details),
    } for entry in session.execute(select(HistoryEntry).where(
        HistoryEntry.cycle_id == cycle_id, or_(HistoryEntry.subject == unit_code, HistoryEntry.subject == assignee))
        .order_by(HistoryEntry.seq)).scalars()]
    rows += [{
        "at": message.created_at.isoformat(), "seq": None, "entity": "message", "event": f"{message.kind}_queued",
        "from": None, "to": message.status, "actor": "parindex", "reason": message.subject, "flow_run_id": None,
        "details": {"to": message.to_address, "cc": message.cc_addresses, "attempts": message.attempts,
                    "sent_at": message.sent_at.isoformat() if message.sent_at else None,
                    "last_error": message.last_error or None, "key": message.idempotency_key},
    } for message in session.execute(select(OutboxMessage).where(
        OutboxMessage.cycle_id == cycle_id, OutboxMessage.assignee == assignee)).scalars()]
    return sorted(rows, key=lambda row: (row["at"], row["seq"] is None, row["seq"] or 0))


def actor_names(session: Session, cycle_id: str) -> dict[str, str]:
    """The names behind a cycle's codes in its history: "unit:SXD", "body:to_cong_tac", "block:so",
    "group:quan"."""
    ctx = load_context(session, cycle_id)
    names = {f"unit:{code}": name for code, name in session.execute(
        select(Unit.code, Unit.name).where(Unit.cycle_id == cycle_id)).all()}
    names |= {f"body:{body.code}": body.name for body in ctx.spec.bodies}
    names |= {f"block:{block.code}": block.name for block in ctx.spec.blocks}
    return names | {f"group:{code}": name for code, name in ctx.spec.groups.items()}


@dataclass(frozen=True)
class CycleVerdict:
    cycle_id: str
    rows: int
    broken: ChainBreak | None


def verify_cycles(session: Session, cycle_id: str | None = None) -> list[CycleVerdict]:
    ids = [cycle_id] if cycle_id else list(session.execute(select(Cycle.id).order_by(Cycle.id)).scalars())
    known = set(session.execute(select(Cycle.id)).scalars())
    verdicts = []
    for cid in ids:
        if cid not in known:
            raise NotFound(word("refused.unknown_cycle", cycle=cid))
        count = session.scalar(select(HistoryEntry.seq).where(HistoryEntry.cycle_id == cid)
                               .order_by(HistoryEntry.seq.desc()).limit(1)) or 0
        verdicts.append(CycleVerdict(cid, count, verify_chain(session, cycle_id=cid)))
    return verdicts


def history_rows(session: Session, cycle_id: str) -> Iterator[dict[str, Any]]:
    for entry in session.execute(select(HistoryEntry).where(HistoryEntry.cycle_id == cycle_id)
                                 .order_by(HistoryEntry.seq)).scalars():
        row = {name: getattr(entry, name) for name in EXPORT_FIELDS}
        row["at"] = entry.at.isoformat()
        yield row


def export_history(session: Session, cycle_id: str, out: Path, fmt: str) -> int:
    """The cycle's whole chain, hashes included, so an auditor can re-verify it with their own tools."""
    if session.get(Cycle, cycle_id) is None:
        raise NotFound(word("refused.unknown_cycle", cycle=cycle_id))
    rows = history_rows(session, cycle_id)
    count = 0
    if fmt == "csv":
        with out.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, fieldnames=EXPORT_FIELDS)
            writer.writeheader()
            for row in rows:  # for spreadsheets: no cell runs as a formula (hashes: re-verify from the JSON)
                writer.writerow({key: _inert(value) for key, value in row.items()})
                count += 1
    else:
        with out.open("w", encoding="utf-8") as handle:
            handle.write("[")
            for row in rows:
                handle.write(("," if count else "") + "\n" + json.dumps(row, ensure_ascii=False))
                count += 1
            handle.write("\n]\n")
    return count


def export_checkpoints(session: Session, cycle_id: str, out: Path, *, sign_now: bool, at: datetime) -> int:
    """Every signed checkpoint of the cycle as JSON lines (with the public key), for an auditor to keep apart
    from the database; `sign_now` signs today's head first."""
    if session.get(Cycle, cycle_id) is None:
        raise NotFound(word("refused.unknown_cycle", cycle=cycle_id))
    if sign_now:
        sign_checkpoint(session, cycle_id=cycle_id, at=at, reason="manual", key=signing_key())
    rows = session.scalars(select(HistoryCheckpoint).where(HistoryCheckpoint.cycle_id == cycle_id)
                           .order_by(HistoryCheckpoint.seq, HistoryCheckpoint.id)).all()
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text("".join(json.dumps(exported(row), ensure_ascii=False) + "\n" for row in rows), encoding="utf-8")
    return len(rows)


def check_checkpoints(session: Session, path: Path, key: str | None) -> tuple[int, list[CheckpointProblem]]:
    """The exported checkpoints in `path` against today's history; `key` (hex or a file holding it) pins the
    signer, else the configured signing key's public half."""
    try:
        if not path.is_file() or path.stat().st_size > MAX_CHECKPOINT_BYTES:
            raise Refused(word("checkpoint.not_a_file", path=path, mb=MAX_CHECKPOINT_BYTES // (1024 * 1024)))
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as error:
        raise Refused(word("checkpoint.unreadable", path=path, error=error)) from None
    if not any(line.strip() for line in lines):
        raise Refused(word("checkpoint.empty_file", path=path))
    if key and Path(key).is_file():
        key = Path(key).read_text(encoding="utf-8").strip()
    if not key:
        own = Path(get_settings().signing_key_file)
        if not own.is_file():
            raise Refused(word("checkpoint.no_key", path=own))
    trusted = key or public_hex(signing_key())
    if len(trusted) != 64 or any(c not in "0123456789abcdef" for c in trusted.lower()):
        raise Refused(word("checkpoint.bad_key", key=key))
    held, problems = verify_checkpoints(session, lines, trusted.lower())
    if not held and all(problem.seq is None for problem in problems):  # not one line is a checkpoint record
        raise Refused(word("checkpoint.not_a_file", path=path, mb=MAX_CHECKPOINT_BYTES // (1024 * 1024)))
    return held, problems
