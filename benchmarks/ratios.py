"""The bench's two small ratios, repeated on fresh databases: a state change of N units against plain SQL, and
N reminders through the outbox against raw smtplib. One `parindex bench` measures each once, after a whole
season; this shows how much a single figure moves.

    .venv/bin/python benchmarks/ratios.py --units 10000 --db sqlite --repeat 3
    PARINDEX_SMTP_CONNECTIONS=2 .venv/bin/python benchmarks/ratios.py --units 10000 --db postgresql://…/test

The heap is settled first, as the first tick of any process does (tasks.engine.runtime.settle_heap).
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from cli.bench import _time_delivery, _time_transitions, fresh_database, smtp_sink
from tasks.engine.runtime import settle_heap


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--units", type=int, default=10_000)
    parser.add_argument("--db", default="sqlite", help="sqlite (a fresh file) or a PostgreSQL server URL")
    parser.add_argument("--repeat", type=int, default=3)
    arguments = parser.parse_args()
    settle_heap()
    for round_ in range(1, arguments.repeat + 1):
        work = Path(tempfile.mkdtemp(prefix="parindex-ratios-"))
        try:
            url = fresh_database(arguments.db, work)
            transitions = _time_transitions(url, work, arguments.units)  # registers the cycle delivery uses
            with smtp_sink() as (port, _pid):
                delivery = _time_delivery(url, work, arguments.units, port)
            print(f"round {round_}: transition {transitions['transition_s']} s against {transitions['raw_sql_s']} s "
                  f"(ratio {transitions['transition_ratio_vs_sql']}); delivery {delivery['smtp_msgs_per_s']} against "
                  f"{delivery['raw_smtplib_msgs_per_s']} msgs/s (ratio {delivery['smtp_ratio_vs_smtplib']})",
                  flush=True)
        finally:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
