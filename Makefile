# The two commands of the README: `make demo` and `make test`.
# Both create .venv with plain `python3 -m venv` + pip when it is missing.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
DEMO   := demo
STAMP  := $(VENV)/.installed

.PHONY: demo test lint graph venv bench clean serve chromium postgresql java

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $(STAMP)

# The Spark engine's tests need the `spark` extra (pyspark builds from source: minutes, once);
# `make demo` stays free of it.
SPARK_STAMP := $(VENV)/.installed-spark
$(SPARK_STAMP): $(STAMP)
	$(BIN)/pip install --quiet -e ".[dev,spark]"
	touch $(SPARK_STAMP)

venv: $(STAMP)

demo: $(STAMP)
	$(BIN)/leadconv demo --out $(DEMO)

test: $(SPARK_STAMP) chromium postgresql java lint
	$(BIN)/python -m pytest -q -n auto --dist loadfile --durations=15

# Lint and types: part of `make test` (and so of CI); fails on any finding.
lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy

# The import graph between packages, and any circle between files.
graph: $(STAMP)
	$(BIN)/python -m tests.import_graph

# Tests that need a system package install it (Debian's apt-get) when it is missing, and stop
# loudly when that is not possible (the tests would fail anyway, with less to go on).
# $(call apt_install,PACKAGE,SHELL TEST THAT IT IS MISSING,WHAT NEEDS IT)
define apt_install
	@if $(2); then \
	  echo "$(1) missing: installing it for $(3) (apt-get)"; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	  $$SUDO apt-get install -y --no-install-recommends $(1) \
	  || { $$SUDO apt-get update && $$SUDO apt-get install -y --no-install-recommends $(1); } \
	  || { echo "ERROR: could not install $(1) (apt-get install -y --no-install-recommends" \
	            "$(1) failed); it is needed by $(3). Install it and rerun make test." >&2; exit 1; }; \
	fi
endef

# The report's browser test renders the page in Chromium.
chromium:
	$(call apt_install,chromium,[ ! -x /usr/bin/chromium ] && ! command -v chromium >/dev/null 2>&1,the report's browser test)

# The prediction-log tests start a throwaway PostgreSQL server (tests/postgres.py) with its
# initdb and pg_ctl.
postgresql:
	$(call apt_install,postgresql,! command -v initdb >/dev/null 2>&1 && ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1,the prediction-log tests)

# The Spark engine's tests (tests/spark/) run Spark in local mode, on Java 17.
java:
	$(call apt_install,openjdk-17-jre-headless,! command -v java >/dev/null 2>&1,the Spark engine's tests)

bench: $(STAMP)
	$(BIN)/python benchmarks/bench_demo.py
	$(BIN)/python benchmarks/bench_features.py

clean:
	rm -rf $(VENV) $(DEMO) mlflow.db mlruns

serve: $(STAMP)
	$(BIN)/leadconv serve
