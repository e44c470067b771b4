"""`parindex serve` as systemd runs it: stopped by SIGTERM it exits 0 and stops the Prefect server it started;
two of them on one database schedule one at a time, and the second takes over when the first is killed."""

from __future__ import annotations

import os
import queue
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import pytest

from cli.orchestration import PrefectServer
from tests.production.conftest import SECRET, with_password

pytestmark = [pytest.mark.slow, pytest.mark.filterwarnings("error::pytest.PytestUnhandledThreadExceptionWarning")]
PARINDEX = [sys.executable, "-c", "from cli.main import main; main()"]


STARTED: list[subprocess.Popen] = []


@pytest.fixture(autouse=True)
def _no_serve_left_behind():  # type: ignore[no-untyped-def]
    """A serve a failed test left running would hold the scheduler lock for the next test: killed after each."""
    yield
    while STARTED:
        process = STARTED.pop()
        if process.poll() is None:
            process.kill()
            process.wait(timeout=30)


class Serve:
    """A `parindex serve` process whose output is read line by line."""

    def __init__(self, database_url: str, cwd: Path, **env: str) -> None:
        environment = {k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"}
        environment.update(env, PYTHONPATH=str(Path(__file__).resolve().parents[2]), PYTHONUNBUFFERED="1",
                           COLUMNS="200")
        self.process = subprocess.Popen([*PARINDEX, "serve", "hanoi-2023", "--db", database_url], cwd=cwd,
                                        env=environment, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        STARTED.append(self.process)
        self.lines: queue.Queue[str] = queue.Queue()
        self.seen: list[str] = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        for line in self.process.stdout:  # type: ignore[union-attr]
            self.lines.put(line)

    def stopped(self, timeout: float) -> int:
        """Its exit code; what it printed, when it does not stop in time."""
        try:
            return self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.process.send_signal(signal.SIGUSR1)  # serve prints every thread's stack: where it is held
            time.sleep(3)
            while not self.lines.empty():
                self.seen.append(self.lines.get())
            raise AssertionError(f"not stopped {timeout} s after SIGTERM; it printed:\n{''.join(self.seen)}") from None

    def wait_for(self, text: str, timeout: float = 120) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                line = self.lines.get(timeout=1)
            except queue.Empty:
                assert self.process.poll() is None, "".join(self.seen)
                continue
            self.seen.append(line)
            if text in line:
                return line
        raise AssertionError(f"{text!r} not printed within {timeout} s:\n{''.join(self.seen)}")


def answers(api_url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{api_url}/health", timeout=2):
            return True
    except OSError:
        return False


def test_sigterm_stops_serve_and_the_server_it_started(loaded_hanoi, database_url, tmp_path):
    serve = Serve(with_password(database_url), tmp_path)
    api_url = serve.wait_for("Prefect API").split()[-1]
    serve.wait_for("mốc, lượt chạy thực hiện ở")
    assert answers(api_url)
    serve.process.send_signal(signal.SIGTERM)
    assert serve.stopped(timeout=180) == 0  # a generous bound: a loaded machine stops slowly
    serve.wait_for("đã dừng", timeout=5)
    assert not answers(api_url)  # no orphan server left behind
    assert SECRET not in "".join(serve.seen)  # the database URL is shown with its password masked


def test_a_second_serve_waits_and_takes_over_when_the_first_is_killed(loaded_hanoi, database_url, tmp_path):
    with PrefectServer(tmp_path / "prefect") as server, server.in_use() as api_url:
        first = Serve(database_url, tmp_path, PREFECT_API_URL=api_url)
        first.wait_for("mốc, lượt chạy thực hiện ở")
        second = Serve(database_url, tmp_path, PREFECT_API_URL=api_url)
        second.wait_for("chờ để tiếp quản")
        first.process.kill()
        first.process.wait(timeout=10)
        second.wait_for("parindex serve: lịch trong", timeout=60)  # the lock went with the killed process
        second.process.send_signal(signal.SIGTERM)
        assert second.stopped(timeout=180) == 0
