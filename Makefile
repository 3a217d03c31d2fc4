# The README's two commands are `make run` and `make test`; everything else is a step of them.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
PYTHON ?= python3
VENV := .venv
BIN := $(CURDIR)/$(VENV)/bin

# The interface (README, "Interface"). Each may be overridden from the environment.
export RAW_DATA_DIR ?= $(CURDIR)/data/raw
export DUCKDB_PATH ?= $(CURDIR)/warehouse/warehouse.duckdb
export PUBLISH_DIR ?= $(CURDIR)/publish
export EVIDENCE_DIR ?= $(CURDIR)/evidence
# Development fallback for the key: a random key in a git-ignored file (see `make key`).
# PSEUDONYMISATION_KEY in the environment wins; the prod target accepts only that.
export PSEUDONYMISATION_KEY_FILE ?= $(CURDIR)/.secrets/pseudonymisation.key
export DBT_PROFILES_DIR := $(CURDIR)
SCALE ?= 1
SEED ?= 42
# An AS_OF given on the command line or in the environment is passed to dbt as --vars. Unset,
# dbt gets no vars and as_of defaults to the day the run starts (UTC, macros/policy/as_of_date.sql):
# the same vars every night, so dbt reuses target/'s partial parse instead of parsing the whole
# project again (dbt re-parses everything when --vars change; docs/performance.md).
DBT_VARS ?= $(if $(filter command line environment,$(origin AS_OF)),{"as_of": "$(AS_OF)"},{})
AS_OF ?= $(shell date -u +%Y-%m-%d)

.PHONY: setup key data build docs publish report run test lint bench clean
setup: $(VENV)/.installed

$(VENV)/.installed: requirements.lock pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements.lock
	$(BIN)/pip install --quiet --disable-pip-version-check --no-deps -e .
	touch $@

key: $(PSEUDONYMISATION_KEY_FILE)

$(PSEUDONYMISATION_KEY_FILE):
	@mkdir -p $(dir $@) && chmod 700 $(dir $@)
	@umask 077 && $(PYTHON) -c "import secrets; print(secrets.token_hex(32))" > $@
	@echo "Wrote a new random pseudonymisation key to $@ (git-ignored; keep it to keep pseudonyms stable)."

data: setup
	@if [ -f "$(RAW_DATA_DIR)/_generator.json" ] || [ -n "$$(ls -A "$(RAW_DATA_DIR)" 2>/dev/null)" ]; then \
		echo "Landing zone found at $(RAW_DATA_DIR): using it."; \
	else \
		$(BIN)/privacy-warehouse generate --out "$(RAW_DATA_DIR)" --scale $(SCALE) --seed $(SEED) --as-of $(AS_OF); \
	fi

build: setup key data
	@mkdir -p $(dir $(DUCKDB_PATH))
	$(BIN)/dbt build --vars '$(DBT_VARS)'
	@echo "Warehouse: $(DUCKDB_PATH)"
	@echo "dbt results: $(CURDIR)/target/run_results.json"

# dbt's docs site, in a target folder of its own: every dbt command rewrites target/'s
# run_results.json and manifest.json, and the publish audits the build's. Works on a warehouse
# never built (the catalog then lists no tables) and needs no key. `make report` links it
# (privacy_warehouse.report reads DBT_DOCS_TARGET, target/docs).
docs: setup
	$(BIN)/dbt docs generate --static --vars '$(DBT_VARS)' --target-path $(CURDIR)/target/docs
	@echo "dbt docs: $(CURDIR)/target/docs/static_index.html (one file, opens from disk)"

publish: setup key
	$(BIN)/privacy-warehouse publish --vars '$(DBT_VARS)'

report: setup
	$(BIN)/privacy-warehouse report

run: build publish docs report

lint: setup key
	$(BIN)/ruff check src tests/python
	@# The dbt templater compiles the project, which opens a DuckDB connection: lint in memory.
	DUCKDB_PATH=:memory: $(BIN)/sqlfluff lint models macros analyses tests --processes 2

test: setup key lint
	$(BIN)/python -m pytest tests/python -n 2 --dist loadfile --durations=15

bench: setup key
	$(BIN)/privacy-warehouse bench

clean:
	rm -rf target logs warehouse publish evidence
