"""Signed checkpoints: the head of a cycle's history signed with an Ed25519 key kept outside the database.

The hash chain (models.history) catches an edited row, but an administrator who edits a row and recomputes
every hash after it leaves a chain that verifies. A checkpoint signs (cycle, seq, head hash, instant) with a key
the database never holds; checkpoints are made at every announcement and daily, printed as a short digest in
each result letter and in the report, and exported (`parindex audit checkpoints`). `verify_checkpoints` proves
each is still a prefix of today's history: its row still carries the hash that was signed.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from sqlalchemy import select
from sqlmodel import Session

from models.history import chain_tail
from models.tables import HistoryCheckpoint, HistoryEntry
from models.words import word

DAILY = timedelta(days=1)


def load_signing_key(path: Path) -> Ed25519PrivateKey:
    """The key at `path`, created (readable by its owner only) the first time."""
    if path.exists():
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
        if not isinstance(key, Ed25519PrivateKey):
            raise ValueError(f"{path} is not an Ed25519 private key")
        return key
    key = Ed25519PrivateKey.generate()
    path.parent.mkdir(parents=True, exist_ok=True)
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption())
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(pem)
    return key


def public_hex(key: Ed25519PrivateKey | Ed25519PublicKey) -> str:
    public = key.public_key() if isinstance(key, Ed25519PrivateKey) else key
    return public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw).hex()


def signed_text(cycle_id: str, seq: int, head_hash: str, at: datetime) -> bytes:
    """What is signed: the cycle, the row, its hash and the instant in UTC to the microsecond (as stored)."""
    instant = at.astimezone(UTC).isoformat(timespec="microseconds")
    return f"parindex-history-checkpoint\n{cycle_id}\n{seq}\n{head_hash}\n{instant}".encode()


def digest(checkpoint: HistoryCheckpoint | dict[str, Any]) -> str:
    """The short form printed in letters and reports: the row it covers and the head hash's first 16 digits."""
    row = checkpoint if isinstance(checkpoint, dict) else checkpoint.__dict__
    head = row["head_hash"]
    return f"#{row['seq']} {head[:4]}-{head[4:8]}-{head[8:12]}-{head[12:16]}"


def sign_checkpoint(session: Session, *, cycle_id: str, at: datetime, reason: str,
                    key: Ed25519PrivateKey) -> HistoryCheckpoint | None:
    """Sign the chain's head now (None for an empty chain)."""
    session.flush()
    seq, head = chain_tail(session, cycle_id=cycle_id)
    if seq == 0:
        return None
    checkpoint = HistoryCheckpoint(cycle_id=cycle_id, seq=seq, head_hash=head, at=at, reason=reason,
                                   public_key=public_hex(key),
                                   signature=key.sign(signed_text(cycle_id, seq, head, at)).hex())
    session.add(checkpoint)
    session.flush()
    return checkpoint


def latest_checkpoint(session: Session, cycle_id: str) -> HistoryCheckpoint | None:
    return session.scalars(select(HistoryCheckpoint).where(HistoryCheckpoint.cycle_id == cycle_id)
                           .order_by(HistoryCheckpoint.at.desc(), HistoryCheckpoint.id.desc()).limit(1)).first()


def announced_checkpoint(session: Session, cycle_id: str) -> HistoryCheckpoint | None:
    """The checkpoint signed when the results were announced: the code every result letter carries (a later
    daily checkpoint has another)."""
    return session.scalars(select(HistoryCheckpoint).where(HistoryCheckpoint.cycle_id == cycle_id,
                                                           HistoryCheckpoint.reason == "announcement")
                           .order_by(HistoryCheckpoint.at.desc(), HistoryCheckpoint.id.desc()).limit(1)).first()


def daily_due(session: Session, cycle_id: str, at: datetime) -> bool:
    """Whether the chain grew since the last checkpoint and that one is a day old (or there is none)."""
    last = latest_checkpoint(session, cycle_id)
    seq, _ = chain_tail(session, cycle_id=cycle_id)
    return seq > 0 and (last is None or (seq > last.seq and at - last.at >= DAILY))


def exported(checkpoint: HistoryCheckpoint) -> dict[str, Any]:
    return {"cycle_id": checkpoint.cycle_id, "seq": checkpoint.seq, "head_hash": checkpoint.head_hash,
            "at": checkpoint.at.astimezone(UTC).isoformat(timespec="microseconds"), "reason": checkpoint.reason,
            "public_key": checkpoint.public_key,
            "signature": checkpoint.signature, "digest": digest(checkpoint)}


@dataclass(frozen=True)
class CheckpointProblem:
    line: int
    seq: int | None
    problem: str
    rewritten: bool = False  # the history no longer matches a valid checkpoint (else: the record is not valid)

    def __str__(self) -> str:
        if self.seq is None:  # not a record: no history row to name
            return word("checkpoint.problem_line_no_row", line=self.line, problem=self.problem)
        return word("checkpoint.problem_line", line=self.line, seq=self.seq, problem=self.problem)


def verify_checkpoints(session: Session, lines: list[str],
                       trusted_key: str | None) -> tuple[int, list[CheckpointProblem]]:
    """Each exported checkpoint: signed by the trusted key (or the one it names), and still a prefix of today's
    history (its row carries the hash that was signed). Returns how many held and the problems."""
    held, problems = 0, []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
            cycle_id, seq, head = str(record["cycle_id"]), int(record["seq"]), str(record["head_hash"])
            at, signature = datetime.fromisoformat(record["at"]), bytes.fromhex(record["signature"])
        except (ValueError, KeyError, TypeError) as error:
            problems.append(CheckpointProblem(number, None, word("checkpoint.not_a_record", error=error)))
            continue
        try:
            _public_key(trusted_key or str(record.get("public_key", ""))).verify(
                signature, signed_text(cycle_id, seq, head, at))
        except (InvalidSignature, ValueError):
            problems.append(CheckpointProblem(number, seq, word(
                "checkpoint.bad_signature_trusted" if trusted_key else "checkpoint.bad_signature_own")))
            continue
        row = session.scalars(select(HistoryEntry.hash).where(HistoryEntry.cycle_id == cycle_id,
                                                              HistoryEntry.seq == seq)).first()
        if row is None:
            problems.append(CheckpointProblem(number, seq, word("checkpoint.row_removed"), rewritten=True))
        elif row != head:
            problems.append(CheckpointProblem(number, seq, word("checkpoint.rewritten", signed=digest(record),
                                                                   now=row[:16]), rewritten=True))
        else:
            held += 1
    return held, problems


def _public_key(text: str) -> Ed25519PublicKey:
    return Ed25519PublicKey.from_public_bytes(bytes.fromhex(text))
