"""How fast the CLI and the portal answer, beside the floor of the same run: `python -c "import typer, rich"`.

Each command runs ROUNDS times, in turn with the floor (the machine's load falls on both alike); the median of
each is kept, and each figure is said as a ratio to the floor's median. `parindex status` reads the demo
database (var/parindex.db, after `make demo`) or, when there is none, a fresh one with hanoi-2023 loaded. The
portal's start is the time from `parindex web` to its first page.

    python benchmarks/startup.py [--rounds 7] [--json benchmarks/startup.jsonl]
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
PARINDEX = str(BIN / "parindex")
DEMO_DB = ROOT / "var" / "parindex.db"
SAID = {"floor": "nền: python -c 'import typer, rich'", "help": "parindex --help",
        "status": "parindex status hanoi-2023", "portal": "cổng thông tin: từ parindex web tới trang đầu"}


def timed(command: list[str], env: dict[str, str]) -> float:
    started = time.perf_counter()
    subprocess.run(command, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    return time.perf_counter() - started


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def portal_start(url: str, env: dict[str, str]) -> float:
    """From `parindex web` to the home page answering 200."""
    port = free_port()
    started = time.perf_counter()
    process = subprocess.Popen([PARINDEX, "web", "--port", str(port), "--db", url], env=env, cwd=ROOT,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        while True:
            if process.poll() is not None:
                raise SystemExit(f"parindex web exited with {process.returncode}")
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2) as answer:
                    if answer.status == 200:
                        return time.perf_counter() - started
            except OSError:
                time.sleep(0.01)
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--json", type=Path, default=ROOT / "benchmarks" / "startup.jsonl")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="parindex-startup-") as folder:
        env = {**os.environ, "PARINDEX_WEB_SECRET_FILE": str(Path(folder) / "web-secret")}
        if DEMO_DB.exists():
            url, database = f"sqlite:///{DEMO_DB}", "var/parindex.db của make demo"
        else:
            url, database = f"sqlite:///{folder}/parindex.db", "cơ sở dữ liệu mới, đã nạp hanoi-2023"
            subprocess.run([PARINDEX, "cycle", "load", str(ROOT / "calendar" / "hanoi-2023"), "--db", url], env=env,
                           cwd=ROOT, stdout=subprocess.DEVNULL, check=True)
        commands = {  # stable keys for the JSON lines, and what the console says of each
            "floor": lambda: timed([sys.executable, "-c", "import typer, rich"], env),
            "help": lambda: timed([PARINDEX, "--help"], env),
            "status": lambda: timed([PARINDEX, "status", "hanoi-2023", "--db", url], env),
            "portal": lambda: portal_start(url, env),
        }
        samples: dict[str, list[float]] = {name: [] for name in commands}
        for _ in range(args.rounds):
            for name, run in commands.items():
                samples[name].append(run())
    medians = {name: statistics.median(values) for name, values in samples.items()}
    floor = next(iter(medians.values()))
    record = {"at": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "rounds": args.rounds, "database": database,
              "medians_s": {name: round(value, 3) for name, value in medians.items()},
              "ratio_to_floor": {name: round(value / floor, 1) for name, value in medians.items()}}
    with args.json.open("a", encoding="utf-8") as out:
        out.write(json.dumps(record, ensure_ascii=False) + "\n")
    print(f"Khởi động (trung vị của {args.rounds} lần; cơ sở dữ liệu: {database})")
    for name, value in medians.items():
        print(f"  {SAID[name]:<48} {value:7.3f} s  {value / floor:5.1f} × nền")


if __name__ == "__main__":
    main()
