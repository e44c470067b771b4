"""The append-only, hash-chained history: writing rows and verifying a cycle's chain."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from json.encoder import encode_basestring  # the encoder's own, for ensure_ascii=False
from typing import Any

from sqlalchemy import select, text
from sqlmodel import Session

from models.bulk import insert_rows
from models.tables import HistoryEntry
from models.words import word

GENESIS_HASH = "0" * 64
_HASHED_FIELDS = ("cycle_id", "seq", "at", "entity", "subject", "event", "from_state", "to_state",
                  "actor", "reason", "flow_run_id", "details", "prev_hash")
# One encoder each, made once: json.dumps with options builds a new encoder on every call.
_HASH_JSON = json.JSONEncoder(sort_keys=True, ensure_ascii=False)
_DETAILS_JSON = json.JSONEncoder(sort_keys=True, ensure_ascii=False, default=str)


@dataclass(frozen=True)
class HistoryDraft:
    """A history row before it is numbered and chained."""

    entity: str
    subject: str
    event: str
    actor: str
    at: datetime
    from_state: str | None = None
    to_state: str | None = None
    reason: str = ""
    flow_run_id: str | None = None
    details: dict[str, Any] = field(default_factory=dict)


def row_hash(row: dict[str, Any]) -> str:
    """sha256 over the row's content and the previous row's hash, in a canonical form: the JSON text of its
    hashed fields, keys sorted (what `json.dumps(..., sort_keys=True, ensure_ascii=False)` writes), put
    together field by field. A state change of 10,000 units hashes 10,000 rows in a chain."""
    return _hash_of([row[name] for name in _SORTED_FIELDS])


def _hash_of(values: Sequence[Any]) -> str:
    """The hash of the hashed fields' values, in the order of their sorted names."""
    text = ", ".join([key + _json_value(value) for key, value in zip(_SORTED_KEYS, values, strict=True)])
    return hashlib.sha256(("{" + text + "}").encode()).hexdigest()


_SORTED_FIELDS = tuple(sorted(_HASHED_FIELDS))
_SORTED_KEYS = tuple(f'"{name}": ' for name in _SORTED_FIELDS)


def _json_value(value: Any) -> str:
    """One value as the JSON encoder writes it; an instant as its UTC text."""
    kind = type(value)
    if kind is str:
        return encode_basestring(value)
    if value is None:
        return "null"
    if kind is int:
        return int.__repr__(value)
    if isinstance(value, datetime):
        return encode_basestring(_utc_text(value))
    return _HASH_JSON.encode(value)


@lru_cache(maxsize=256)
def _utc_text(value: datetime) -> str:  # the rows of one change share their instant
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def hold_chain(session: Session, *, cycle_id: str) -> None:
    """On PostgreSQL, the cycle's chain held until this transaction ends, so that writers append one after
    another: two portal requests that read the same tail would both number their row seq + 1 and one would fail
    on (cycle_id, seq). SQLite needs nothing: its write transactions (BEGIN IMMEDIATE) already come one at a
    time."""
    if session.get_bind().dialect.name == "postgresql":
        key = int.from_bytes(hashlib.sha256(f"parindex history {cycle_id}".encode()).digest()[:8], "big", signed=True)
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})


def chain_tail(session: Session, *, cycle_id: str) -> tuple[int, str]:
    """The last sequence number and hash of a cycle's chain (0 and the genesis hash when empty)."""
    last = session.execute(
        select(HistoryEntry.seq, HistoryEntry.hash)
        .where(HistoryEntry.cycle_id == cycle_id)
        .order_by(HistoryEntry.seq.desc())
        .limit(1)
    ).first()
    return (last.seq, last.hash) if last else (0, GENESIS_HASH)


def append_history(session: Session, *, cycle_id: str, drafts: Sequence[HistoryDraft]) -> int:
    """Number, chain and insert rows in one statement; the caller commits with the change they record.
    Returns how many rows were written."""
    if not drafts:
        return 0
    hold_chain(session, cycle_id=cycle_id)
    seq, prev_hash = chain_tail(session, cycle_id=cycle_id)
    rows: list[tuple[Any, ...]] = []
    for draft in drafts:
        seq += 1
        # HISTORY_COLUMNS' order, the hash last: the row as it is inserted, no dict on the way
        values = (cycle_id, seq, draft.at, draft.entity, draft.subject, draft.event, draft.from_state,
                  draft.to_state, draft.actor, draft.reason, draft.flow_run_id, _DETAILS_JSON.encode(draft.details),
                  prev_hash)
        prev_hash = _hash_of([values[index] for index in _HASHED_AT])
        rows.append((*values, prev_hash))
    return insert_rows(session.connection(), HistoryEntry.__table__, HISTORY_COLUMNS,
                       rows)


HISTORY_COLUMNS = ("cycle_id", "seq", "at", "entity", "subject", "event", "from_state", "to_state", "actor", "reason",
                   "flow_run_id", "details", "prev_hash", "hash")
_HASHED_AT = tuple(HISTORY_COLUMNS.index(name) for name in _SORTED_FIELDS)  # where each hashed field sits in a row


@dataclass(frozen=True)
class ChainBreak:
    """The first place a chain stops verifying."""

    cycle_id: str
    seq: int
    row_id: int | None
    problem: str


def verify_chain(session: Session, *, cycle_id: str) -> ChainBreak | None:
    """Walk a cycle's chain in order; None when intact, else the first changed, inserted or removed row."""
    expected_prev, expected_seq = GENESIS_HASH, 1
    rows = session.execute(
        select(HistoryEntry).where(HistoryEntry.cycle_id == cycle_id).order_by(HistoryEntry.seq)
    ).scalars()
    for entry in rows:
        row = entry.model_dump()
        if entry.seq != expected_seq:
            return ChainBreak(cycle_id, expected_seq, entry.id,
                              word("chain.removed", expected=expected_seq, found=entry.seq))
        if entry.prev_hash != expected_prev:
            return ChainBreak(cycle_id, entry.seq, entry.id, word("chain.inserted"))
        if row_hash(row) != entry.hash:
            return ChainBreak(cycle_id, entry.seq, entry.id, word("chain.changed"))
        expected_prev, expected_seq = entry.hash, expected_seq + 1
    return None
