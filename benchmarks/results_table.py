"""Turn the JSON lines `make bench` collects into benchmarks/RESULTS.md, with the goals of issue 7."""

from __future__ import annotations

import json
import platform
import sys
from pathlib import Path

GOALS = {  # key: (goal text, test on the 10,000-unit figure)
    "season_s": ("≤ 180", lambda v: v <= 180),
    "peak_rss_mb": ("≤ 1,500", lambda v: v <= 1500),
    "idle_tick_s": ("≤ 0.5", lambda v: v <= 0.5),
    "transition_ratio_vs_sql": ("≤ 4", lambda v: v <= 4),
    "smtp_ratio_vs_smtplib": ("≥ 0.5", lambda v: v >= 0.5),
    "scoring_s": ("≤ 2", lambda v: v <= 2),
}
COLUMNS = ("season_s", "peak_rss_mb", "ticks", "season_mails", "idle_tick_s", "transition_s", "raw_sql_s",
           "transition_ratio_vs_sql", "smtp_msgs_per_s", "raw_smtplib_msgs_per_s", "smtp_ratio_vs_smtplib",
           "scoring_s", "import_s")


def main(source: Path, target: Path) -> None:
    runs = [json.loads(line) for line in source.read_text(encoding="utf-8").splitlines() if line.strip()]
    lines = ["# Benchmark results", "",
             f"`make bench` on {runs[0]['machine'] if runs else platform.machine()}, {runs[0]['at'] if runs else ''}.",
             "Each row is one `parindex bench --units N --db … --json` run (one process); the raw figures are "
             "measured in the same run on the same database and SMTP server.", ""]
    lines.append("| database | units | " + " | ".join(COLUMNS) + " |")
    lines.append("|---|---:|" + "---:|" * len(COLUMNS))
    for run in runs:
        lines.append(f"| {run['database']} | {run['units']:,} | "
                     + " | ".join(str(run.get(key, "")) for key in COLUMNS) + " |")
    lines += ["", "## Goals at 10,000 units", "", "| figure | goal | " + " | ".join(
        run["database"] for run in runs if run["units"] == 10_000) + " |",
        "|---|---|" + "---|" * sum(1 for run in runs if run["units"] == 10_000)]
    for key, (goal, check) in GOALS.items():
        cells = [f"{run[key]} {'✓' if check(run[key]) else '✗'}" for run in runs if run["units"] == 10_000]
        lines.append(f"| {key} | {goal} | " + " | ".join(cells) + " |")
    growth = []
    for database in sorted({run["database"] for run in runs}):
        by_units = {run["units"]: run for run in runs if run["database"] == database}
        if 3321 in by_units and 10_000 in by_units:
            ratio = by_units[10_000]["season_s"] / by_units[3321]["season_s"]
            growth.append(f"- {database}: season_s grows ×{ratio:.2f} for ×{10_000 / 3321:.2f} units "
                          f"({'no faster than linear ✓' if ratio <= 10_000 / 3321 else 'faster than linear ✗'})")
    lines += ["", "## Growth from 3,321 to 10,000 units", "", *growth, ""]
    lines += cpu_section(runs)
    target.write_text("\n".join(lines), encoding="utf-8")
    print(f"wrote {target} ({len(runs)} runs)")


def cpu_section(runs: list[dict]) -> list[str]:
    """CPU seconds each process spent during the season replay. On a machine of `cores` cores, no schedule
    can finish the season in less than their sum / cores."""
    measured = [run for run in runs if run.get("season_cpu_s")]
    if not measured:
        return []
    cores = int(measured[0]["machine"].split(", ")[1].split()[0])
    lines = ["## CPU during the season", "",
             f"CPU seconds per process while the season ran; with {cores} cores the season cannot take less than "
             f"their sum / {cores}.", "",
             "| database | units | parindex | Prefect server | SMTP sink | sum | sum / cores | season_s |",
             "|---|---:|---:|---:|---:|---:|---:|---:|"]
    for run in measured:
        cpu = run["season_cpu_s"]
        total = sum(cpu.values())
        lines.append(f"| {run['database']} | {run['units']:,} | {cpu['parindex']} | {cpu['prefect_server']} | "
                     f"{cpu['smtp_sink']} | {total:.1f} | {total / cores:.1f} | {run['season_s']} |")
    return [*lines, ""]


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]))
