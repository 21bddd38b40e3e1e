# The two commands of the README: `make demo` and `make test`.
# Both create .venv with plain `python3 -m venv` + pip when it is missing.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
DEMO   := demo
STAMP  := $(VENV)/.installed

.PHONY: demo test lint graph venv bench clean serve chromium postgresql

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $(STAMP)

venv: $(STAMP)

demo: $(STAMP)
	$(BIN)/leadconv demo --out $(DEMO)

test: $(STAMP) chromium postgresql lint
	$(BIN)/python -m pytest -q --durations=15

# Lint and types: part of `make test` (and so of CI); fails on any finding.
lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy

# The import graph between packages, and any circle between files.
graph: $(STAMP)
	$(BIN)/python -m tests.import_graph

# The report's browser test needs Chromium: install it (Debian package) when it is missing, and
# stop loudly when that is not possible (the test would fail anyway, with less to go on).
chromium:
	@if [ ! -x /usr/bin/chromium ] && ! command -v chromium >/dev/null 2>&1; then \
	  echo "chromium missing: installing it for the report's browser test (apt-get)"; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	  $$SUDO apt-get install -y --no-install-recommends chromium \
	  || { $$SUDO apt-get update && $$SUDO apt-get install -y --no-install-recommends chromium; } \
	  || { echo "ERROR: could not install chromium (apt-get install -y --no-install-recommends" \
	            "chromium failed); the report's browser test needs it. Install it and rerun" \
	            "make test." >&2; exit 1; }; \
	fi

# The prediction-log tests start a throwaway PostgreSQL server (tests/postgres.py) and need its
# initdb and pg_ctl: install Debian's package when they are missing, and stop loudly when that is
# not possible (the tests would fail anyway, with less to go on).
postgresql:
	@if ! command -v initdb >/dev/null 2>&1 \
	  && ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then \
	  echo "postgresql missing: installing it for the prediction-log tests (apt-get)"; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	  $$SUDO apt-get install -y --no-install-recommends postgresql \
	  || { $$SUDO apt-get update && $$SUDO apt-get install -y --no-install-recommends postgresql; } \
	  || { echo "ERROR: could not install postgresql (apt-get install -y --no-install-recommends" \
	            "postgresql failed); the prediction-log tests need a real server. Install it and" \
	            "rerun make test." >&2; exit 1; }; \
	fi

bench: $(STAMP)
	$(BIN)/python benchmarks/bench_demo.py
	$(BIN)/python benchmarks/bench_features.py

clean:
	rm -rf $(VENV) $(DEMO) mlflow.db mlruns

serve: $(STAMP)
	$(BIN)/leadconv serve
