# parindex — one venv, three entry points: install, demo, test.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
export PREFECT_SERVER_ANALYTICS_ENABLED := false
export DO_NOT_TRACK := 1

.PHONY: install demo test test-sqlite test-postgres lint clean

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

demo: install
	$(BIN)/parindex demo

lint: install
	$(BIN)/ruff check .

# The whole suite on SQLite, then again on PostgreSQL when a server answers
# (PARINDEX_TEST_DATABASE_URL, or 127.0.0.1:5432 with the database `test`).
test: install lint
	env -u PARINDEX_TEST_DATABASE_URL $(BIN)/python -m pytest -q -p no:cacheprovider
	@url=$$($(BIN)/python tests/postgres_url.py); \
	if [ -n "$$url" ]; then \
		echo "== again on PostgreSQL ($$url)"; \
		PARINDEX_TEST_DATABASE_URL=$$url $(BIN)/python -m pytest -q -p no:cacheprovider; \
	else \
		echo "== PostgreSQL not reachable: suite ran on SQLite only"; \
	fi

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache
