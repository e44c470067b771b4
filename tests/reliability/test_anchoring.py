"""Anchored history: an administrator who edits a row and recomputes every hash after it leaves a chain that
verifies, but not one that matches the checkpoints signed (Ed25519, key outside the database) before."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from sqlalchemy import select, text

from models.db import session_scope
from models.history import GENESIS_HASH, row_hash
from models.tables import HistoryEntry
from tests.cli.runner import run
from tests.tasks.test_extensions import MONDAY, advance

pytestmark = pytest.mark.reliability


def rewrite_and_rechain(db, seq: int) -> None:  # type: ignore[no-untyped-def]
    """Change row `seq`'s actor, then recompute every prev_hash and hash after it, as a careful attacker would."""
    with session_scope(db) as session:
        session.execute(text(f"UPDATE historyentry SET actor = 'someone else' WHERE seq = {seq}"))
        previous = GENESIS_HASH
        for entry in session.scalars(select(HistoryEntry).order_by(HistoryEntry.seq)):
            row = entry.model_dump()
            row["prev_hash"] = previous
            entry.prev_hash, entry.hash = previous, row_hash(row)
            previous = entry.hash


@pytest.fixture
def signed(opened, database_url, tmp_path, monkeypatch):
    monkeypatch.setenv("PARINDEX_SIGNING_KEY_FILE", str(tmp_path / "keys" / "history.pem"))
    advance(opened, MONDAY)
    out = tmp_path / "checkpoints.jsonl"
    result = run("audit", "checkpoints", "--cycle", "hanoi-2023", "--sign", "-o", str(out), "--at",
                 MONDAY.isoformat(), "--db", database_url)
    assert result.returncode == 0 and "1 mốc ký số của" in result.stdout, result.stderr
    assert (tmp_path / "keys" / "history.pem").stat().st_mode & 0o077 == 0  # readable by its owner only
    return out


def test_a_rewritten_and_rechained_history_is_caught_by_its_signed_checkpoint(opened, database_url, signed):
    intact = run("audit", "verify", "--checkpoints", str(signed), "--db", database_url)
    assert intact.returncode == 0 and "1 mốc ký số vẫn là phần đầu của lịch sử" in intact.stdout, intact.stdout
    rewrite_and_rechain(opened, 10)
    chain_only = run("audit", "verify", "--db", database_url)
    assert chain_only.returncode == 0 and "nguyên vẹn" in chain_only.stdout  # the chain alone cannot tell
    caught = run("audit", "verify", "--checkpoints", str(signed), "--db", database_url)
    assert caught.returncode == 1 and "BỊ VIẾT LẠI" in caught.stdout
    assert "lịch sử đã bị viết lại đến dòng này" in caught.stdout and "rewritten" not in caught.stdout
    english = run("audit", "verify", "--checkpoints", str(signed), "--db", database_url,
                  env={**os.environ, "PARINDEX_LANGUAGE": "en"})
    assert english.returncode == 1 and "the history was rewritten up to this row" in english.stdout, english.stdout


def test_a_forged_checkpoint_or_another_key_is_refused(opened, database_url, signed, tmp_path):
    record = json.loads(signed.read_text(encoding="utf-8"))
    forged = tmp_path / "forged.jsonl"
    forged.write_text(json.dumps({**record, "seq": record["seq"] - 1}) + "\n", encoding="utf-8")
    result = run("audit", "verify", "--checkpoints", str(forged), "--db", database_url)
    assert result.returncode == 1 and "chữ ký không khớp với khoá công khai" in result.stdout
    another = Ed25519PrivateKey.generate().public_key().public_bytes(Encoding.Raw, PublicFormat.Raw).hex()
    other = run("audit", "verify", "--checkpoints", str(signed), "--key", another, "--db", database_url)
    assert other.returncode == 1 and "chữ ký không khớp với khoá công khai được tin cậy" in other.stdout
    pinned = run("audit", "verify", "--checkpoints", str(signed), "--key", record["public_key"], "--db", database_url)
    assert pinned.returncode == 0, pinned.stdout + pinned.stderr


@pytest.mark.parametrize("given", ["an empty file", "a device", "a folder", "garbage", "a record without fields",
                                   "a text file"])
def test_a_checkpoints_file_that_proves_nothing_is_refused(opened, database_url, signed, tmp_path, given):
    path = {"an empty file": tmp_path / "empty.jsonl", "a device": Path("/dev/zero"), "a folder": tmp_path,
            "garbage": tmp_path / "garbage.jsonl", "a record without fields": tmp_path / "bare.jsonl",
            "a text file": tmp_path / "notes.md"}[given]
    if given == "an empty file":
        path.write_text("\n\n", encoding="utf-8")
    if given == "garbage":
        path.write_bytes(b'{"seq": 1}\n\x00\xff not json\n')
    if given == "a record without fields":
        path.write_text('{"seq": 1}\n', encoding="utf-8")
    if given == "a text file":  # no line of it is a record: refused as a whole, not line by line
        path.write_text("# Ghi chú\n\n" + "một dòng chữ\n" * 40, encoding="utf-8")
    result = run("audit", "verify", "--checkpoints", str(path), "--db", database_url)
    assert result.returncode == 1 and "Traceback" not in result.stderr + result.stdout
    assert "BỊ VIẾT LẠI" not in result.stdout  # nothing was shown rewritten: the file is refused or invalid
    said = {"an empty file": "tệp không có mốc ký số nào", "a device": "không phải tệp mốc ký số",
            "a folder": "không phải tệp mốc ký số", "garbage": "không đọc được tệp",
            "a record without fields": "không phải tệp mốc ký số", "a text file": "không phải tệp mốc ký số"}[given]
    assert said in result.stdout + result.stderr, result.stdout + result.stderr
    assert len((result.stdout + result.stderr).strip().splitlines()) <= 2  # one refusal, not a line per line
