"""Running flows from the command line: a quiet Prefect, with its own server when none is configured."""

from __future__ import annotations

import contextlib
import logging
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from models.refusals import Refused

# The Prefect server's SQLite task-run recorder otherwise writes one row per event and locks out the API
# (HTTP 503 and 2 s client back-offs); batching its writes removes that contention.
SERVER_SETTINGS = {
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    "PREFECT_SERVER_SERVICES_TASK_RUN_RECORDER_BATCH_SIZE": "500",
    "PREFECT_SERVER_SERVICES_TASK_RUN_RECORDER_READ_BATCH_SIZE": "500",
    "PREFECT_SERVER_SERVICES_TASK_RUN_RECORDER_FLUSH_INTERVAL": "2",
    "PREFECT_SERVER_SERVICES_EVENT_PERSISTER_BATCH_SIZE": "500",
    "PREFECT_SERVER_SERVICES_EVENT_PERSISTER_FLUSH_INTERVAL": "2",
    "PREFECT_SERVER_SERVICES_SCHEDULER_ENABLED": "false",
    "PREFECT_SERVER_SERVICES_LATE_RUNS_ENABLED": "false",
    "PREFECT_SERVER_SERVICES_FOREMAN_ENABLED": "false",
    "PREFECT_UI_SHOW_PROMOTIONAL_CONTENT": "false",
}


def quiet_prefect() -> None:
    """No telemetry, no per-run console chatter: parindex prints its own progress."""
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("DO_NOT_TRACK", "1")
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
    os.environ.setdefault("PREFECT_LOGGING_TO_API_BATCH_INTERVAL", "1")


class PrefectServer:
    """`prefect server start` under `home`, launched on entry so it boots while parindex prepares, and
    stopped on exit, error or not (unless `keep_running`). With PREFECT_API_URL set, that server is used."""

    def __init__(self, home: Path, *, keep_running: bool = False, port: int | None = None) -> None:
        self.home, self.keep_running, self.port = home, keep_running, port
        self.process: subprocess.Popen | None = None
        self.url = os.environ.get("PREFECT_API_URL", "")

    def __enter__(self) -> PrefectServer:
        quiet_prefect()
        if self.url:
            return self
        self.home.mkdir(parents=True, exist_ok=True)
        port = self.port or _free_port()
        self.url = f"http://127.0.0.1:{port}/api"
        log = (self.home / "server.log").open("ab")
        # The UI's API URL defaults to port 4200 whatever --port says: give it the server's own.
        self.process = subprocess.Popen(
            [sys.executable, "-m", "prefect", "server", "start", "--host", "127.0.0.1", "--port", str(port)],
            env={**os.environ, **SERVER_SETTINGS, "PREFECT_HOME": str(self.home), "PREFECT_UI_API_URL": self.url},
            stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        os.environ["PREFECT_API_URL"] = self.url
        return self

    @property
    def ui_url(self) -> str:
        return self.url.removesuffix("/api")

    def record(self, path: Path) -> None:
        """Leave a note of the running server (its PID and address) for `parindex dashboard status|stop`."""
        import json

        path.write_text(json.dumps({"pid": self.process.pid if self.process else None, "api_url": self.url,
                                    "ui_url": self.ui_url, "home": str(self.home)}))

    @contextmanager
    def in_use(self) -> Iterator[str]:
        """Wait until the server answers, then run flows against it."""
        if self.process is not None:
            _wait_healthy(self.url, self.process, self.home / "server.log")
        try:
            with _heartbeats_off():
                yield self.url
        finally:
            _flush_events()

    def __exit__(self, failure: type[BaseException] | None, *exc: object) -> None:
        """The server stops, unless it is to keep running and it started well: one that failed to answer, or
        whose start was interrupted (Ctrl-C, SIGTERM), is stopped too, since nothing recorded it."""
        if self.process is None or (self.keep_running and failure is None):
            return
        stop_process_group(self.process.pid)
        os.environ.pop("PREFECT_API_URL", None)


def stop_process_group(pid: int, timeout: float = 15) -> bool:
    """SIGTERM the group `pid` leads (the server and the workers it forked), SIGKILL after `timeout` seconds.
    False when it was not running."""
    import signal

    try:
        os.killpg(pid, signal.SIGTERM)
    except ProcessLookupError:
        return False
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            os.killpg(pid, 0)
        except ProcessLookupError:
            return True
        _reap(pid)
        time.sleep(0.2)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pid, signal.SIGKILL)
    _reap(pid)
    return True


def _reap(pid: int) -> None:
    """Collect our own child's exit status, so that it does not linger as a zombie."""
    with contextlib.suppress(ChildProcessError, OSError):
        os.waitpid(pid, os.WNOHANG)


@contextmanager
def prefect_api(home: Path) -> Iterator[str]:
    """Run flows against PREFECT_API_URL, or a server of our own under `home`. Yields the API URL."""
    with PrefectServer(home) as server, server.in_use() as url:
        yield url


@contextmanager
def _heartbeats_off() -> Iterator[None]:
    """In-process runs need no heartbeat thread (it is for workers' crash detection) and it adds ~1 s
    to every flow run's exit while the thread's sleep is joined."""
    from prefect.settings import temporary_settings

    with temporary_settings(updates={"flows.heartbeat_frequency": None}):
        yield


def _flush_events() -> None:
    try:
        from prefect.events.worker import EventsWorker

        EventsWorker.drain_all(timeout=10)
    except Exception:
        logging.getLogger("parindex").debug("events not flushed", exc_info=True)


class PrefectServerFailed(Refused):
    """A Prefect server of parindex's own that exited or did not answer in time (it has been stopped)."""


def _wait_healthy(url: str, server: subprocess.Popen, log: Path) -> None:
    import urllib.request

    from models.words import word

    seconds = float(os.environ.get("PARINDEX_PREFECT_START_SECONDS", "60"))
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise PrefectServerFailed(word("err.prefect_exited", code=server.returncode, log=log))
        try:
            with urllib.request.urlopen(f"{url}/health", timeout=1) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.25)
    raise PrefectServerFailed(word("err.prefect_slow", seconds=f"{seconds:g}", log=log))


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])
