"""A tick by hand and an extension, as an operator types them, on Hải Phòng's 2021 plan: the tick says what it
did in Vietnamese and local time; the extension tells the unit at once and leaves its opening mail alone."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from tests.cli.runner import PARINDEX

pytestmark = pytest.mark.once  # its own SQLite file: the kind of the run's database does not matter
ROOT = Path(__file__).resolve().parents[2]
AT = "2021-12-15T09:00:00+07:00"  # inside the self-assessment window (task 3)


def parindex(*args: str, folder: Path) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PARINDEX_", "PREFECT_API_URL"))}
    env.update(PARINDEX_DATABASE_URL=f"sqlite:///{folder / 'hp.db'}", PARINDEX_SMTP_PORT="1", COLUMNS="200")
    return subprocess.run([PARINDEX, *args], capture_output=True, text=True, cwd=folder, env=env, timeout=300)


def test_a_tick_by_hand_then_an_extension_for_a_unit_typed_in_lower_case(tmp_path: Path) -> None:
    assert parindex("cycle", "load", str(ROOT / "calendar" / "haiphong-2021"), folder=tmp_path).returncode == 0
    tick = parindex("tick", "haiphong-2021", "--at", AT, folder=tmp_path)
    assert tick.returncode == 0, tick.stdout + tick.stderr
    assert "lượt chạy haiphong-2021 lúc 15/12/2021 09:00 +07:00: giai đoạn " in tick.stdout
    assert " · Tự đánh giá, chấm điểm · " in tick.stdout  # its stages by name
    assert "thư vào hàng đợi" in tick.stdout and "Traceback" not in tick.stderr
    extend = parindex("extend", "3", "--cycle", "haiphong-2021", "--unit", "stp", "--until", "31/12/2021",
                      "--reason", "mất điện", "--by", "Nguyễn Văn A", "--at", AT, folder=tmp_path)
    assert extend.returncode == 0, extend.stderr
    assert "Đã gia hạn nhiệm vụ 3 cho 1 đơn vị/cơ quan đến hết ngày 31/12/2021" in extend.stdout
    mails = json.loads(parindex("outbox", "--unit", "STP", "--json", folder=tmp_path).stdout)
    by_kind = {mail["kind"]: mail for mail in mails}
    assert by_kind["opened"]["status"] != "cancelled"  # the form and the first link still go out
    assert by_kind["extended"]["status"] in ("pending", "failed")  # the SMTP server is down here: it waits
