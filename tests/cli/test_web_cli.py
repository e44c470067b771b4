"""`parindex user add` and `parindex web` as an administrator runs them: accounts made from standard input,
refused in one line; the portal served in Vietnamese (English on request), a staff member signs in, and
SIGTERM stops it."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from cli.orchestration import _free_port

ROOT = Path(__file__).resolve().parents[2]
PARINDEX = [sys.executable, "-c", "from cli.main import main; main()"]
PASSWORD = "mot-mat-khau-du-dai"


def environment(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PARINDEX_")}
    return {**env, "PYTHONPATH": str(ROOT), "COLUMNS": "200", "PARINDEX_WEB_SECRET_FILE": str(tmp_path / "secret"),
            **extra}


def parindex(*args: str, tmp_path: Path, stdin: str | None = None, **extra: str) -> subprocess.CompletedProcess:
    return subprocess.run([*PARINDEX, *args], cwd=tmp_path, env=environment(tmp_path, **extra), input=stdin,
                          capture_output=True, text=True, timeout=120)


@pytest.fixture
def loaded(database_url: str, db, tmp_path: Path) -> str:  # type: ignore[no-untyped-def]
    done = parindex("cycle", "load", str(ROOT / "calendar" / "hcmc-2021"), "--db", database_url, tmp_path=tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    return database_url


def test_user_add_makes_accounts_and_refuses_in_one_line(loaded: str, tmp_path: Path) -> None:
    made = parindex("user", "add", "dieu.phoi", "--role", "coordinator", "--name", "Nguyễn Văn A",
                    "--password-stdin", "--db", loaded, tmp_path=tmp_path, stdin=PASSWORD + "\n")
    assert made.returncode == 0 and "dieu.phoi (coordinator)" in made.stdout, made.stderr
    for args, stdin, why in (
            (("dieu.phoi", "--role", "operator"), PASSWORD, "đã có"),
            (("van.hanh", "--role", "operator"), "ngan", "ít nhất 12 ký tự"),
            (("van.hanh", "--role", "operator"), "matkhau12345", "quá dễ đoán"),  # long enough, and common
            (("van.hanh", "--role", "operator"), "van.hanh2024!", "quá dễ đoán"),  # its own name and a year
            (("van.hanh", "--role", "admin"), PASSWORD, "vai trò 'admin'"),
            (("van.hanh", "--role", "operator"), None, "--password-stdin")):
        extra = ("--password-stdin",) if stdin is not None else ()
        refused = parindex("user", "add", *args, *extra, "--db", loaded, tmp_path=tmp_path,
                           stdin=(stdin + "\n") if stdin is not None else "")
        assert refused.returncode == 1 and why in refused.stdout + refused.stderr, (args, refused.stderr)
        assert "Traceback" not in refused.stderr


@pytest.mark.parametrize("language, words", [("vi", "Đơn vị đăng nhập"), ("en", "Units sign in")])
def test_the_portal_serves_signs_staff_in_and_stops_on_sigterm(loaded: str, tmp_path: Path, language: str,
                                                               words: str) -> None:
    assert parindex("user", "add", "van.hanh", "--role", "operator", "--password-stdin", "--db", loaded,
                    tmp_path=tmp_path, stdin=PASSWORD + "\n").returncode == 0
    port = _free_port()
    server = subprocess.Popen([*PARINDEX, "web", "--port", str(port), "--db", loaded], cwd=tmp_path,
                              env=environment(tmp_path, PARINDEX_LANGUAGE=language,
                                              PARINDEX_PUBLIC_URL=f"http://127.0.0.1:{port}"),
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                home = httpx.get(base + "/", timeout=2)
                break
            except httpx.HTTPError:
                assert time.monotonic() < deadline and server.poll() is None, "the portal did not start"
                time.sleep(0.3)
        assert words in home.text
        with httpx.Client(base_url=base) as client:
            login = client.get("/staff/login")
            csrf = re.search(r'name="csrf" value="([^"]+)"', login.text).group(1)
            signed = client.post("/staff/login", data={"csrf": csrf, "username": "van.hanh", "password": PASSWORD})
            assert signed.status_code == 303
            cycles = client.get("/staff")
            assert "hcmc-2021" in cycles.text and str(tmp_path) not in cycles.text
    finally:
        server.send_signal(signal.SIGTERM)
        output, _ = server.communicate(timeout=30)
    assert server.returncode == 0 and "Traceback" not in output


def test_staff_accounts_are_listed_repassworded_moved_disabled_and_removed(loaded: str, tmp_path: Path) -> None:
    assert parindex("user", "add", "van.hanh", "--role", "operator", "--password-stdin", "--db", loaded,
                    tmp_path=tmp_path, stdin=PASSWORD + "\n").returncode == 0
    listed = parindex("user", "list", "--db", loaded, tmp_path=tmp_path)
    assert listed.returncode == 0 and "van.hanh" in listed.stdout and "operator" in listed.stdout
    weak = parindex("user", "passwd", "van.hanh", "--password-stdin", "--db", loaded, tmp_path=tmp_path,
                    stdin="matkhau12345\n")
    assert weak.returncode == 1 and "quá dễ đoán" in weak.stderr and "Traceback" not in weak.stderr
    for args, said in ((("passwd", "van.hanh", "--password-stdin"), "đã đổi mật khẩu"),
                       (("role", "van.hanh", "auditor"), "đã đổi vai trò"), (("disable", "van.hanh"), "đã khóa"),
                       (("enable", "van.hanh"), "đã mở lại"), (("remove", "van.hanh"), "đã xóa")):
        done = parindex("user", *args, "--db", loaded, tmp_path=tmp_path,
                        stdin="một câu mật khẩu mới khác hẳn\n" if "passwd" in args else "")
        assert done.returncode == 0 and said in done.stdout, (args, done.stderr)
    gone = parindex("user", "role", "van.hanh", "operator", "--db", loaded, tmp_path=tmp_path)
    assert gone.returncode == 1 and "không có tài khoản van.hanh" in gone.stderr
