"""Turn the JSON lines `make bench` collects into benchmarks/RESULTS.md, with the goals of issue 20: every goal
a ratio measured in the same run (or a bound that holds on any machine of this kind), at 10,000 and 30,000
units, on each database."""

from __future__ import annotations

import json
import platform
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

GOAL_SIZES = (10_000, 30_000)
# key: (goal text, the test, the sizes it applies to, why it matters)
GOALS: dict[str, tuple[str, Callable[[float], bool], tuple[int, ...], str]] = {
    "season_ratio_vs_floor": ("≤ 3", lambda v: v <= 3, GOAL_SIZES,
                              "the season against its essential work done plainly (raw smtplib, the driver's "
                              "executemany/COPY, one transaction per tick)"),
    "speedup_vs_naive_prefect": ("≥ 10", lambda v: v >= 10, GOAL_SIZES,
                                 "against a task run per unit per step on the same server"),
    "transition_ratio_vs_sql": ("≤ 2", lambda v: v <= 2, GOAL_SIZES,
                                "a state change of every unit against one UPDATE and the history rows in plain SQL"),
    "smtp_ratio_vs_smtplib": ("≥ 0.7", lambda v: v >= 0.7, GOAL_SIZES,
                              "delivery through the outbox and yagmail against raw smtplib, same messages"),
    "scoring_share_of_season": ("≤ 0.10", lambda v: v <= 0.10, GOAL_SIZES, "scoring's share of the season"),
    "peak_rss_mb": ("≤ 2,048", lambda v: v <= 2048, (30_000,), "the parindex process's peak memory"),
    "idle_tick_s": ("≤ 0.5", lambda v: v <= 0.5, GOAL_SIZES, "a tick with nothing to do"),
}
COLUMNS = ("season_s", "floor_s", "season_ratio_vs_floor", "naive_prefect_s", "speedup_vs_naive_prefect",
           "peak_rss_mb", "ticks", "season_mails", "idle_tick_s", "transition_ratio_vs_sql",
           "smtp_ratio_vs_smtplib", "scoring_s", "scoring_share_of_season", "import_s")


def main(source: Path, target: Path) -> None:
    runs = [json.loads(line) for line in source.read_text(encoding="utf-8").splitlines() if line.strip()]
    lines = ["# Benchmark results", "",
             f"On {runs[0]['machine'] if runs else platform.machine()}, commit {_commit()}, "
             f"{runs[0]['at'] if runs else ''} to {runs[-1]['at'] if runs else ''}; sizes run: "
             f"{', '.join(_sizes(runs))} (`make bench` runs 52, "
             "3,321, 10,000 and 30,000 units on both databases).",
             "Each row is one `parindex bench --units N --db … --json` run (one process). Machines of this kind "
             "differ up to 3× in speed, so every goal is a ratio measured in the same run, on the same database, "
             "Prefect server and SMTP sink: the floor (the season's rows and mails written plainly), the plain "
             "Prefect design (a task run per unit per step), raw SQL and raw smtplib.", ""]
    lines.append("| database | units | " + " | ".join(COLUMNS) + " |")
    lines.append("|---|---:|" + "---:|" * len(COLUMNS))
    for run in runs:
        lines.append(f"| {run['database']} | {run['units']:,} | "
                     + " | ".join(str(run.get(key, "")) for key in COLUMNS) + " |")
    lines += ["", *goals_section(runs), *growth_section(runs), *cpu_section(runs)]
    target.write_text("\n".join(lines), encoding="utf-8")
    print(f"wrote {target} ({len(runs)} runs)")


def goals_section(runs: list[dict]) -> list[str]:
    """A table of the goals per size and database, and a sentence per goal: met or not."""
    measured = [run for run in runs if run["units"] in GOAL_SIZES]
    if not measured:
        return ["## Goals", "", "No run at 10,000 or 30,000 units yet.", ""]
    heads = [f"{run['database']} {run['units']:,}" for run in measured]
    lines = ["## Goals", "", "| figure | goal | " + " | ".join(heads) + " |", "|---|---|" + "---|" * len(heads)]
    sentences = []
    for key, (goal, check, sizes, why) in GOALS.items():
        cells, missed, seen = [], [], 0
        for run in measured:
            value = run.get(key)
            if run["units"] not in sizes or value is None:
                cells.append("")
                continue
            seen += 1
            met = check(value)
            cells.append(f"{value} {'✓' if met else '✗'}")
            if not met:
                reason = _why_not(key, run)
                missed.append(f"{run['database']} at {run['units']:,} ({value}{'; ' + reason if reason else ''})")
        lines.append(f"| {key} | {goal} | " + " | ".join(cells) + " |")
        if not seen:
            sentences.append(f"- **{key}** {goal} ({why}): not measured.")
        elif missed:
            sentences.append(f"- **{key}** {goal} ({why}): **not met** on {', '.join(missed)}.")
        else:
            sentences.append(f"- **{key}** {goal} ({why}): met on every run measured.")
    return [*lines, "", *sentences, ""]


def _why_not(key: str, run: dict) -> str:
    """What the run's own figures say stands in the way of the goal `key`."""
    floor, cpu = run.get("floor_s"), run.get("season_cpu_s")
    if key == "season_ratio_vs_floor" and floor and cpu:
        cores = _cores(run)
        return (f"the parindex process alone used {cpu['parindex']} CPU-s, {cpu['parindex'] / floor:.1f}× the floor, "
                f"and one Python process cannot finish before its own CPU time; the three processes together "
                f"need {sum(cpu.values()) / cores / floor:.1f}× the floor on {cores} cores"
                + (" (the PostgreSQL server's included)" if "postgresql" in cpu else ""))
    if key == "speedup_vs_naive_prefect" and floor and run.get("naive_task_runs"):
        per_run = run["naive_measured_s"] / run["naive_task_runs"] * 1000
        return (f"a Prefect task run costs only {per_run:.1f} ms, so the plain design is "
                f"{run['naive_prefect_s'] / floor:.1f}× the floor and ×10 would need a season of "
                f"{run['naive_prefect_s'] / 10 / floor:.2f}× the floor, mails and rows included")
    if key == "transition_ratio_vs_sql" and run.get("raw_sql_s"):
        return (f"{run['transition_s']} s against {run['raw_sql_s']} s of plain SQL: the lifecycle check per state and "
                "each history row hashed over all its fields into the chain are the difference")
    if key == "smtp_ratio_vs_smtplib" and run.get("raw_smtplib_msgs_per_s"):
        return (f"{run['smtp_msgs_per_s']:.0f} against {run['raw_smtplib_msgs_per_s']:.0f} msgs/s: each of ours "
                "is rendered, built by yagmail and marked sent in a commit of its own, so that a crash resends "
                "at most one per session; raw smtplib sends bytes built beforehand")
    return ""


def growth_section(runs: list[dict]) -> list[str]:
    lines = ["## Growth", ""]
    for database in sorted({run["database"] for run in runs}):
        by_units = {run["units"]: run for run in runs if run["database"] == database}
        for small, large in ((3321, 10_000), (10_000, 30_000)):
            if small in by_units and large in by_units:
                ratio = by_units[large]["season_s"] / by_units[small]["season_s"]
                linear = large / small
                verdict = "no faster than linear ✓" if ratio <= linear else "faster than linear ✗"
                lines.append(f"- {database}: season_s grows ×{ratio:.2f} from {small:,} to {large:,} units "
                             f"(×{linear:.2f}): {verdict}{_cpu_growth(by_units[small], by_units[large])}")
    if len(lines) == 2:
        lines.append("Not measured: it needs 3,321 and 10,000 units, or 10,000 and 30,000, on the same database.")
    return [*lines, ""]


def _cpu_growth(small: dict, large: dict) -> str:
    """How each process's CPU seconds grew between two sizes: which one grew faster than the units."""
    before, after = small.get("season_cpu_s"), large.get("season_cpu_s")
    if not before or not after:
        return ""
    grown = ", ".join(f"{name} ×{after[name] / before[name]:.2f}" for name in after if before.get(name))
    return f"; CPU per process: {grown}" if grown else ""


def cpu_section(runs: list[dict]) -> list[str]:
    """CPU seconds each process spent during the season replay. On a machine of `cores` cores, no schedule
    can finish the season in less than their sum / cores."""
    measured = [run for run in runs if run.get("season_cpu_s")]
    if not measured:
        return []
    cores = _cores(measured[0])
    lines = ["## CPU during the season", "",
             "CPU seconds per process while the season ran (PostgreSQL's: its server's processes on this machine, "
             f"where the bench measured them); with {cores} cores the season cannot take less than "
             f"their sum / {cores}.", "",
             "| database | units | parindex | Prefect server | SMTP sink | PostgreSQL server | sum | sum / cores | "
             "season_s |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for run in measured:
        cpu = run["season_cpu_s"]
        total = sum(cpu.values())
        lines.append(f"| {run['database']} | {run['units']:,} | {cpu['parindex']} | {cpu['prefect_server']} | "
                     f"{cpu['smtp_sink']} | {cpu.get('postgresql', '')} | {total:.1f} | {total / cores:.1f} | "
                     f"{run['season_s']} |")
    return [*lines, ""]


def _cores(run: dict) -> int:
    """The cores of the run's machine ("x86_64, 2 cores, Python 3.11.7")."""
    return int(run["machine"].split(", ")[1].split()[0])


def _sizes(runs: list[dict]) -> list[str]:
    return [f"{database} {units:,}" for database, units in sorted({(r["database"], r["units"]) for r in runs})]


def _commit() -> str:
    try:
        return subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                              check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]))
