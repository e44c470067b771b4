"""Signing the history's head: at every announcement, and daily while the season runs (models.anchoring)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlmodel import Session

from models.anchoring import daily_due, load_signing_key, sign_checkpoint
from models.settings import get_settings
from models.tables import HistoryCheckpoint


def signing_key() -> Ed25519PrivateKey:
    return load_signing_key(Path(get_settings().signing_key_file))


def sign_if_a_day_passed(session: Session, cycle_id: str, at: datetime) -> HistoryCheckpoint | None:
    if not daily_due(session, cycle_id, at):
        return None
    return sign_checkpoint(session, cycle_id=cycle_id, at=at, reason="daily", key=signing_key())


def sign_announcement(session: Session, cycle_id: str, at: datetime) -> HistoryCheckpoint | None:
    return sign_checkpoint(session, cycle_id=cycle_id, at=at, reason="announcement", key=signing_key())
