"""Each hostile case of the corpus as a user meets it: `parindex submit` in its own process, timed, with its
peak memory, against a valid form's submission in the same run (`make hostile`).

Exit 1 when a case takes over 10 s or 1 GB, or shows a traceback.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from models.cycle_context import load_context  # noqa: E402
from models.db import session_scope, upgrade_schema  # noqa: E402
from models.stages import Stage  # noqa: E402
from tasks.engine.assignments import reconcile_stage  # noqa: E402
from tasks.engine.runtime import engine_for  # noqa: E402
from tasks.engine.stage_steps import open_self_assessment  # noqa: E402
from tasks.operations.registration import register_cycle  # noqa: E402
from tests.conftest import OPENED  # noqa: E402
from tests.forms.conftest import fill, template  # noqa: E402
from tests.reliability.test_hostile_corpus import ACCEPTED, REFUSED, member, rows_added  # noqa: E402

PARINDEX = str(Path(sys.executable).parent / "parindex")
LIMIT_S, LIMIT_MB = 10.0, 1024.0
AT = "2023-11-20T10:00:00+07:00"


def submit(path: Path, url: str, folder: Path) -> tuple[int, float, float, str]:
    """Exit code, seconds, peak resident MB and the first line said, of one `parindex submit`."""
    return command(["submit", "self-assessment", str(path), "--at", AT, "--db", url], folder)


def command(arguments: list[str], folder: Path) -> tuple[int, float, float, str]:
    out, err = folder / "out.txt", folder / "err.txt"
    folder.mkdir(exist_ok=True)
    with out.open("w") as stdout, err.open("w") as stderr:
        started = time.perf_counter()
        process = subprocess.Popen([PARINDEX, *arguments], stdout=stdout, stderr=stderr, cwd=ROOT)
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - started
    said = (err.read_text() + out.read_text()).strip()
    problems = [line.split(": [", 1)[-1] for line in said.splitlines() if line.startswith("  - ")]
    first = "TRACEBACK" if "Traceback" in said else ("[" + problems[0] if problems else (said.splitlines() or [""])[0])
    return os.waitstatus_to_exitcode(status), seconds, usage.ru_maxrss / 1024, first[:90]


def main() -> int:
    console = Console(highlight=False, markup=False, width=None if sys.stdout.isatty() else 160)
    work = Path(tempfile.mkdtemp(prefix="parindex-hostile-"))
    url = f"sqlite:///{work / 'parindex.db'}"
    upgrade_schema(url)
    register_cycle(database_url=url, folder=ROOT / "calendar" / "hanoi-2023", actor="bench")
    db = engine_for(url)
    with session_scope(db) as session:
        ctx = load_context(session, "hanoi-2023")
        reconcile_stage(session, ctx, stage=Stage.SELF_ASSESSMENT.value, at=OPENED, actor="bench", flow_run_id=None)
        open_self_assessment(session, ctx, at=OPENED, actor="bench", flow_run_id=None)
    valid = fill(template(db, work, "self-assessment", unit="SNV"))
    cases = {"the 11 KB workbook: A1:XFD1048576 and a cell in row 1,048,576": member(
        lambda data: rows_added('<row r="1048576"><c r="A1048576"><v>1</v></c></row>')(
            data.replace(b'<dimension ref="A1:I96"/>', b'<dimension ref="A1:XFD1048576"/>')))}
    cases.update({name: build for name, (build, _, _) in REFUSED.items()})
    cases.update(ACCEPTED)
    baseline = min(submit(valid, url, work)[1] for _ in range(3))
    table = Table(title=f"hostile cases, each `parindex submit` in its own process (a valid form: {baseline:.2f} s)")
    for column in ("case", "exit", "what the user reads", "s", "× valid", "peak MB"):
        table.add_column(column, overflow="fold")
    worst_s = worst_mb = 0.0
    bad = []
    for number, (name, build) in enumerate(cases.items(), start=1):
        folder = work / f"case{number}"
        folder.mkdir()
        code, seconds, peak, said = submit(build(valid, folder), url, folder)
        worst_s, worst_mb = max(worst_s, seconds), max(worst_mb, peak)
        if seconds > LIMIT_S or peak > LIMIT_MB or said.startswith("TRACEBACK"):
            bad.append(name)
        table.add_row(name, str(code), said, f"{seconds:.2f}", f"{seconds / baseline:.2f}", f"{peak:.0f}")
    (work / "folder.db").mkdir()
    (work / "notes.db").write_text("not a database", encoding="utf-8")
    arguments = {
        "--db a folder": ["status", "hanoi-2023", "--db", f"sqlite:///{work / 'folder.db'}"],
        "--db a file that is not a database": ["status", "hanoi-2023", "--db", f"sqlite:///{work / 'notes.db'}"],
        "--db a closed PostgreSQL port": ["status", "hanoi-2023", "--db", "postgresql://x@127.0.0.1:1/x"],
        "--db an unparsable URL": ["status", "hanoi-2023", "--db", "::not a url::"],
        "--db an unsupported scheme": ["status", "hanoi-2023", "--db", "mysql://a@localhost/b"],
        "--db a new path (never created)": ["status", "hanoi-2023", "--db", f"sqlite:///{work / 'new' / 'x.db'}"],
        "--at 0001-01-01T00:00:00+07:00": ["tick", "hanoi-2023", "--at", "0001-01-01T00:00:00+07:00", "--db", url],
        "--until 31/12/9999": ["extend", "5", "--cycle", "hanoi-2023", "--all", "--until", "31/12/9999", "--by", "A",
                               "--reason", "r", "--db", url],
        "--year 0": ["import", "results", str(valid), "--year", "0", "--db", url],
        "--by \"\" on an import": ["import", "survey", str(valid), "--by", "", "--db", url],
    }
    for number, (name, args) in enumerate(arguments.items(), start=1):
        code, seconds, peak, said = command(args, work / f"command{number}")
        worst_s, worst_mb = max(worst_s, seconds), max(worst_mb, peak)
        if seconds > LIMIT_S or peak > LIMIT_MB or said.startswith("TRACEBACK") or code not in (1, 2):
            bad.append(name)
        table.add_row(name, str(code), said, f"{seconds:.2f}", f"{seconds / baseline:.2f}", f"{peak:.0f}")
    cases.update(arguments)
    if (work / "new").exists():
        bad.append("a read created a database")
    console.print(table)
    console.print(f"files and database: {work}")
    console.print(f"hostile: {len(cases)} cases, slowest {worst_s:.2f} s ({worst_s / baseline:.2f}× a valid form), "
                  f"peak {worst_mb:.0f} MB; over {LIMIT_S:.0f} s, over {LIMIT_MB:.0f} MB or a traceback: "
                  f"{len(bad)}{' (' + ', '.join(bad) + ')' if bad else ''}")
    return 1 if bad else 0  # the folder stays for a closer look: printed above


if __name__ == "__main__":
    sys.exit(main())
