"""`parindex` as a script, for a profiler that runs a file (benchmarks/deadline_day.py, DEADLINE_DAY_PROFILE)."""

from cli.main import main

main()
