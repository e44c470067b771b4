"""Reliability suites: each records its figures; the run ends with one summary line of them."""

from __future__ import annotations

import json
import os
from collections import Counter

import pytest

FIGURES: Counter[str] = Counter()
NAMES = ("kills", "losses", "duplicates", "refused_files", "leaks", "retries", "hostile_refused", "hostile_accepted")


@pytest.fixture
def figures() -> Counter[str]:
    return FIGURES


def pytest_terminal_summary(terminalreporter, exitstatus, config) -> None:  # type: ignore[no-untyped-def]
    if FIGURES or "reliability" in (config.getoption("-m") or ""):
        line = " ".join(f"{name}={FIGURES.get(name, 0)}" for name in NAMES)
        terminalreporter.write_line(f"reliability: {line}")
        record = os.environ.get("PARINDEX_RELIABILITY_FIGURES")
        if record:  # `make reliability` adds the runs up on both databases
            with open(record, "a", encoding="utf-8") as handle:
                handle.write(json.dumps({name: FIGURES.get(name, 0) for name in NAMES}) + "\n")
