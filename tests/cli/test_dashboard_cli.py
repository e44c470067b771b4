"""`parindex dashboard start|status|stop`: a UI that reaches its own API, stopped by the PID it recorded."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

from cli.orchestration import _free_port

pytestmark = [pytest.mark.slow, pytest.mark.one_pass]
ROOT = Path(__file__).resolve().parents[2]


def parindex(*args: str, cwd: Path, **extra: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"}
    return subprocess.run([sys.executable, "-c", "from cli.main import main; main()", *args], cwd=cwd,
                          env={**env, "PYTHONPATH": str(ROOT), "COLUMNS": "200", **extra}, capture_output=True,
                          text=True, timeout=120)


def prefect_servers_on(port: int) -> list[int]:
    """The processes of a Prefect server started on this port."""
    found = []
    for folder in Path("/proc").glob("[0-9]*"):
        try:
            command = folder.joinpath("cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if b"prefect" in command and b"start" in command and str(port).encode() in command:
            found.append(int(folder.name))
    return found


def test_the_dashboard_reaches_its_api_and_stops_by_its_pid(tmp_path):
    port = _free_port()
    started = parindex("dashboard", "start", "--port", str(port), cwd=tmp_path)
    assert started.returncode == 0, started.stderr
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/ui-settings", timeout=10) as response:
            assert json.load(response)["api_url"] == f"http://127.0.0.1:{port}/api"  # not port 4200
        assert prefect_servers_on(port)  # the finder the failed start's test relies on sees a running one
        status = parindex("dashboard", "status", cwd=tmp_path)
        assert status.returncode == 0 and f"http://127.0.0.1:{port}" in status.stdout
    finally:
        stopped = parindex("dashboard", "stop", cwd=tmp_path)
    assert stopped.returncode == 0 and "đã dừng bảng điều khiển" in stopped.stdout
    with pytest.raises(OSError):
        urllib.request.urlopen(f"http://127.0.0.1:{port}/api/health", timeout=2)
    assert parindex("dashboard", "status", cwd=tmp_path).returncode == 1


def test_a_start_that_fails_stops_the_server_it_started(tmp_path):
    """A server that does not answer in time (here: within a third of a second) is stopped, not left running
    with no record that `dashboard stop` could use."""
    port = _free_port()
    started = parindex("dashboard", "start", "--port", str(port), cwd=tmp_path, PARINDEX_PREFECT_START_SECONDS="0.3")
    assert started.returncode == 1
    assert "máy chủ Prefect không trả lời sau 0.3 giây nên đã được dừng lại" in started.stderr, started.stderr
    assert "Traceback" not in started.stderr + started.stdout
    assert prefect_servers_on(port) == []
    assert parindex("dashboard", "status", cwd=tmp_path).returncode == 1
