"""`parindex survey codes`: the officials' single-use codes written once to a CSV file, only their hashes kept;
the links the survey online gives each unit and group, written when the cycle is loaded."""

import csv

from sqlalchemy import func, select

from models.db import session_scope
from models.tables import SurveyCode, SurveyLink, Unit
from tests.cli.runner import run
from tests.conftest import ROOT

FOLDER = ROOT / "calendar" / "haiphong-2025"


def test_codes_are_written_once_for_the_officials_links_and_kept_only_as_hashes(db, database_url, tmp_path):
    loaded = run("cycle", "load", str(FOLDER), "--db", database_url)
    assert loaded.returncode == 0, loaded.stderr
    with session_scope(db) as session:
        links = session.scalar(select(func.count()).select_from(SurveyLink))
        officials = session.scalar(select(func.sum(SurveyLink.quota)).join(Unit, Unit.id == SurveyLink.unit_id).where(
            ((Unit.block == "so_nganh") & SurveyLink.group_no.in_([1, 2, 3]))
            | ((Unit.block == "xa") & SurveyLink.group_no.in_([1, 2]))))  # survey.toml [[codes]]
    assert links == 190  # `survey plan`: 44 units, 190 groups
    out = tmp_path / "ma-phieu.csv"
    written = run("survey", "codes", "haiphong-2025", "--out", str(out), "--db", database_url)
    assert written.returncode == 0, written.stderr
    rows = list(csv.DictReader(out.open(encoding="utf-8-sig")))
    assert rows and rows[0]["Mã phiếu (dùng một lần)"].count("-") == 1 and "/khao-sat/" in rows[0]["Đường dẫn phiếu"]
    assert {row["Nhóm đối tượng"].split(".")[0] for row in rows} == {"1", "2", "3"}
    with session_scope(db) as session:
        hashes = set(session.scalars(select(SurveyCode.code_hash)))
    assert len(rows) == len(hashes) == officials  # a code a respondent of each coded link's quota, kept hashed
    assert not any(row["Mã phiếu (dùng một lần)"].replace("-", "") in hashes for row in rows)  # never as written
    again = run("survey", "codes", "haiphong-2025", "--out", str(tmp_path / "lan-hai.csv"), "--db", database_url)
    assert again.returncode == 0 and "không có mã mới" in again.stdout and not (tmp_path / "lan-hai.csv").exists()
