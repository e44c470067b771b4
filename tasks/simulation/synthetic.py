"""A synthetic cycle for benchmarks: the hanoi-2023 plan and calendar, N units across both blocks, and a
criteria set of 100 leaves (hanoi's 76, with 24 appraised leaves split in two)."""

from __future__ import annotations

import csv
import re
import shutil
from decimal import Decimal
from pathlib import Path

HANOI = Path(__file__).resolve().parents[2] / "calendar" / "hanoi-2023"
SPLIT_LEAVES = 24
DISTRICT_GROUPS = ("quan", "huyen", "thi_xa")


def write_synthetic_cycle(parent: Path, units: int, cycle_id: str | None = None) -> Path:
    """Write a cycle folder (`bench-<units>` unless named) under `parent`; returns it."""
    cycle_id = cycle_id or f"bench-{units}"
    folder = parent / cycle_id
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    for name in ("plan.toml", "criteria.toml", "overrides.toml"):
        shutil.copy(HANOI / name, folder / name)
    cycle = (HANOI / "cycle.toml").read_text(encoding="utf-8")
    cycle = re.sub(r'^id = "hanoi-2023"$', f'id = "{cycle_id}"', cycle, count=1, flags=re.MULTILINE)
    (folder / "cycle.toml").write_text(cycle, encoding="utf-8")
    _write_units(folder / "units.csv", units)
    _write_criteria(folder / "criteria.csv")
    return folder


def _write_units(path: Path, count: int) -> None:
    departments = max(1, round(count * 0.3))
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["code", "name", "block", "group", "email", "head_email"])
        for index in range(count):
            if index < departments:
                code, name, block, group = f"S{index + 1:05d}", f"Sở thử nghiệm số {index + 1}", "so", "so"
            else:
                number = index - departments + 1
                group = DISTRICT_GROUPS[number % len(DISTRICT_GROUPS)]
                code, name, block = f"H{number:05d}", f"UBND thử nghiệm số {number}", "huyen"
            writer.writerow([code, name, block, group, f"{code.lower()}@bench.example",
                             f"head.{code.lower()}@bench.example"])


def _write_criteria(path: Path) -> None:
    lines = (HANOI / "criteria.csv").read_text(encoding="utf-8").splitlines()
    comments = [line for line in lines if line.startswith("#")]
    rows = list(csv.DictReader(line for line in lines if not line.startswith("#")))
    out, split = [], 0
    for row in rows:
        half = Decimal(row["max_points"]) / 2
        if (row["method"] == "appraisal" and split < SPLIT_LEAVES
                and -half.normalize().as_tuple().exponent <= 2):
            split += 1
            out.append({**row, "method": "", "evidence_required": "", "respondents": ""})
            for part in (1, 2):
                out.append({**row, "code": f"{row['code']}.{part}", "title": f"{row['title']} (phần {part})",
                            "max_points": str(half.normalize())})
        else:
            out.append(row)
    with path.open("w", newline="", encoding="utf-8") as handle:
        handle.write("\n".join(["# Synthetic benchmark set derived from hanoi-2023's.", *comments[1:]]) + "\n")
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(out)
