# parindex — one venv, three entry points: install, demo, test.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
export PREFECT_SERVER_ANALYTICS_ENABLED := false
export DO_NOT_TRACK := 1



.PHONY: install compile types check demo test test-sqlite test-postgres lint clean bench bench-deadline bench-survey bench-startup reliability browser printing hostile

install: $(VENV)/.installed

# uv installs the same packages as pip in seconds instead of minutes; pip remains the fallback. Both write the
# packages' bytecode at install: with PYTHONDONTWRITEBYTECODE set (as on these machines) nothing else would, and
# every command would compile Prefect, SQLAlchemy and pydantic from source at each start (measured: `import
# sqlmodel` 1.1 s from source, 0.3 s from bytecode).
$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet uv && $(BIN)/uv pip install --quiet --compile-bytecode \
		--python $(BIN)/python -e '.[test]' || $(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

# parindex's own bytecode, brought up to date before a run (a source newer than its bytecode is compiled again
# in memory at every start, and PYTHONDONTWRITEBYTECODE keeps Python from saving it).
compile: install
	@$(BIN)/python -m compileall -q -j 0 cli flows tasks models notifications web >/dev/null

demo: compile
	$(BIN)/parindex demo

# Browser tests drive Debian's chromium through Playwright; the printed workbook is read from LibreOffice's PDF,
# and `parindex report --pdf` (WeasyPrint) draws with Debian's pango and fonts. Nothing downloads a browser or an
# office suite of its own: what is missing comes from apt. The workbook's one font, Times New Roman, prints as
# Liberation Serif 2 (the same widths, and every Vietnamese letter).
browser:
	@command -v chromium >/dev/null 2>&1 || { \
		echo "== installing Debian's chromium for the browser tests"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }

printing:
	@missing=""; command -v soffice >/dev/null 2>&1 || missing="$$missing libreoffice-calc-nogui"; \
	ldconfig -p | grep -q libpangoft2 || missing="$$missing libpango-1.0-0 libpangoft2-1.0-0"; \
	fc-list 2>/dev/null | grep -qi dejavu || missing="$$missing fonts-dejavu-core"; \
	test -d /usr/share/fonts/truetype/liberation2 || missing="$$missing fonts-liberation2"; \
	if [ -n "$$missing" ]; then echo "== installing Debian's$$missing for the printed workbook and report"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
		$$missing >/dev/null; fi

lint: install
	$(BIN)/ruff check .

# mypy: strict on models/, the query codes SQLModel cannot type off where queries are built ([tool.mypy])
types: install
	@$(BIN)/mypy

# The inner loop, in under 3 minutes: lint, types, and the tests that need no Prefect server, no season replay,
# no browser and no subprocess-heavy suite, on SQLite.
FAST := not crash and not slow and not flow and not browser and not production and not reliability
check: compile lint types
	env -u PARINDEX_TEST_DATABASE_URL PREFECT_HOME=$(CURDIR)/var/prefect-check $(BIN)/python -m pytest -q \
		-p no:cacheprovider -m "$(FAST)" --durations=5

# The whole suite on SQLite and, side by side in a second process, on PostgreSQL when a server answers
# (PARINDEX_TEST_DATABASE_URL, or 127.0.0.1:5432 with the database `test`); each pass has its own Prefect home.
# The crash suites (SIGKILL, PostgreSQL restarts) take minutes: they run in `make reliability`.
# Tests marked one_pass do not use the test database: they run once, in the PostgreSQL pass; tests marked once
# (printed files, plan shapes, cycle folders) do not depend on its kind: they run once, in the SQLite pass. The
# split keeps the two passes about as long (measured: SQLite 1,203 s, PostgreSQL 2,035 s before this split).
# Tests marked production (a real Prefect server, worker and browser) run against PostgreSQL, production's
# database, when it answers. The PostgreSQL pass takes the folders in reverse order, so the two passes do not
# start their heaviest tests (subprocesses, Prefect servers) at the same moment. Each ends with its slowest tests.
PYTEST := $(BIN)/python -m pytest -q -p no:cacheprovider --durations=12
test: compile lint types browser printing
	@mkdir -p var; url=$$($(BIN)/python tests/postgres_url.py); \
	if [ -z "$$url" ]; then \
		echo "== PostgreSQL not reachable: the suite on SQLite only"; \
		env -u PARINDEX_TEST_DATABASE_URL PREFECT_HOME=$(CURDIR)/var/prefect-test-sqlite $(PYTEST) -m "not crash"; \
		exit $$?; fi; \
	echo "== on SQLite here, and on PostgreSQL ($$url) beside it (its output follows at the end)"; \
	PARINDEX_TEST_DATABASE_URL=$$url PREFECT_HOME=$(CURDIR)/var/prefect-test-postgresql \
		$(PYTEST) -m "not crash and not once" $$(find tests -mindepth 1 -maxdepth 1 -type d ! -name __pycache__ | sort -r) \
		> var/test-postgresql.log 2>&1 & pg=$$!; \
	trap 'kill $$pg 2>/dev/null' INT TERM; \
	env -u PARINDEX_TEST_DATABASE_URL PREFECT_HOME=$(CURDIR)/var/prefect-test-sqlite \
		$(PYTEST) -m "not crash and not production and not one_pass"; sqlite=$$?; \
	echo "== SQLite pass: exit $$sqlite; waiting for the PostgreSQL pass"; \
	wait $$pg; postgresql=$$?; \
	echo "== on PostgreSQL ($$url): exit $$postgresql"; cat var/test-postgresql.log; \
	[ $$sqlite -eq 0 ] && [ $$postgresql -eq 0 ]

# Crash (SIGKILL), SMTP outage, concurrent ticks, PostgreSQL restart, hostile files, secrets, tampering:
# on SQLite and PostgreSQL, ending with one line of figures.
reliability: install
	@rm -f var/reliability.jsonl; mkdir -p var
	env -u PARINDEX_TEST_DATABASE_URL PARINDEX_RELIABILITY_FIGURES=var/reliability.jsonl \
		$(BIN)/python -m pytest -q -p no:cacheprovider -m reliability tests/reliability tests/cli/test_audit_cli.py
	@url=$$($(BIN)/python tests/postgres_url.py); \
	if [ -n "$$url" ]; then \
		PARINDEX_TEST_DATABASE_URL=$$url PARINDEX_RELIABILITY_FIGURES=var/reliability.jsonl \
		$(BIN)/python -m pytest -q -p no:cacheprovider -m reliability tests/reliability tests/cli/test_audit_cli.py \
		|| exit 1; fi
	@$(BIN)/python -c "import json,collections; c=collections.Counter(); \
	[c.update(json.loads(l)) for l in open('var/reliability.jsonl')]; \
	print('reliability (all runs):', ' '.join(f'{k}={v}' for k, v in c.items()))"

# Every hostile case of the corpus as `parindex submit` in its own process: seconds and peak memory each.
hostile: install
	$(BIN)/python benchmarks/hostile.py

# Seasons of 52, 3,321, 10,000 and 30,000 synthetic units on SQLite and PostgreSQL: benchmarks/RESULTS.md.
BENCH_SIZES ?= 52 3321 10000 30000
bench: install
	@rm -f benchmarks/runs.jsonl
	@pg=$$($(BIN)/python tests/postgres_url.py); \
	for n in $(BENCH_SIZES); do \
		$(BIN)/parindex bench --units $$n --db sqlite --json >> benchmarks/runs.jsonl || exit 1; \
		if [ -n "$$pg" ]; then $(BIN)/parindex bench --units $$n --db $$pg --json >> benchmarks/runs.jsonl || exit 1; fi; \
	done
	$(BIN)/python benchmarks/results_table.py benchmarks/runs.jsonl benchmarks/RESULTS.md
	$(MAKE) --no-print-directory bench-deadline bench-startup

# Deadline day on the portal: 3,321 units, Locust with 1 and with 4 portal processes, on PostgreSQL when it
# answers (SQLite otherwise); the "Deadline day" section of benchmarks/RESULTS.md and benchmarks/deadline_day.jsonl
bench-deadline: install
	@pg=$$($(BIN)/python tests/postgres_url.py); \
	$(BIN)/python benchmarks/deadline_day.py --units 3321 --workers 1 4 --users 100 --seconds 60 --db $${pg:-sqlite}

# The survey online under load: respondents at haiphong-2025's links, Locust for 5 minutes with 2 portal
# processes, on PostgreSQL when it answers; the "Survey day" section of benchmarks/RESULTS.md
bench-survey: install
	@pg=$$($(BIN)/python tests/postgres_url.py); \
	$(BIN)/python benchmarks/survey_day.py --respondents 20000 --workers 2 --users 60 --seconds 300 --rates 5.6,11.1,0 --db $${pg:-sqlite}

# `parindex --help`, `parindex status` and the portal's start, each beside `python -c "import typer, rich"` in the
# same run (benchmarks/startup.jsonl keeps every run)
bench-startup: compile
	$(BIN)/python benchmarks/startup.py

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache
