# Earmark: `make build` builds the warehouse from the demo world, `make test` runs every check.
SHELL := /bin/bash
.DEFAULT_GOAL := build

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
DEMO_DIR ?= data/demo
DEMO_SEED ?= 42
RAW_DIR ?= $(DEMO_DIR)
EARMARK_DB ?= earmark.duckdb
export EARMARK_DB
export DBT_PROFILES_DIR := $(CURDIR)
export DBT_SEND_ANONYMOUS_USAGE_STATS := False

# Python packages come in three locked groups (pyproject.toml, requirements/<group>.lock; README
# "Dependencies"): runtime for build, dev for the tests and linters, spark for test-spark. One venv; each
# stamp installs its group's lock, so a target installs only what it runs.
LOCK_DIR := requirements
INSTALLED := $(VENV)/.installed-runtime
DEV_INSTALLED := $(VENV)/.installed-dev
SPARK_INSTALLED := $(VENV)/.installed-spark
DBT_INPUTS := dbt_project.yml profiles.yml $(shell find models seeds macros tests/dbt earmark \
	-type f \( -name '*.sql' -o -name '*.yml' -o -name '*.csv' -o -name '*.py' -o -name '*.md' \) 2>/dev/null)
BUILD_STAMP := target/.build-$(subst /,_,$(RAW_DIR))-$(subst /,_,$(EARMARK_DB))

# The report site (Evidence, in reports/): node_modules, then the static site in reports/build.
NODE_STAMP := reports/node_modules/.installed
# Brackets in page names ([segment].md) are make wildcards: escape them.
REPORT_INPUTS := reports/evidence.config.yaml reports/evidence.settings.json \
	$(shell find reports/pages reports/sources -type f 2>/dev/null | sed 's/[][]/\\&/g')
# The stamp lives inside the build, so a build from another warehouse (test-report) removes it.
REPORT_STAMP := reports/build/.built-from-$(subst /,_,$(EARMARK_DB))
REPORT_PORT ?= 4173
TEST_DB := target/test_demo.duckdb
EARMARK_SCREENSHOTS ?= target/report_screenshots

.PHONY: results build test test-python test-dbt test-spark test-report test-datasets lint lint-sql lint-python lint-dbt \
	summary simulate clean lock report serve-report report-screenshot

$(INSTALLED): $(LOCK_DIR)/runtime.lock pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -r $(LOCK_DIR)/runtime.lock
	$(BIN)/pip install --quiet --disable-pip-version-check --no-deps -e .
	@touch $@

# dev.lock and spark.lock each hold the runtime closure too, at the same versions: on top of it they
# only add their group.
$(DEV_INSTALLED): $(LOCK_DIR)/dev.lock $(INSTALLED)
	$(BIN)/pip install --quiet --disable-pip-version-check -r $(LOCK_DIR)/dev.lock
	@touch $@

$(SPARK_INSTALLED): $(LOCK_DIR)/spark.lock $(INSTALLED)
	$(BIN)/pip install --quiet --disable-pip-version-check -r $(LOCK_DIR)/spark.lock
	@touch $@

# Re-simulated when the simulator changes, so its truth files never lag behind the rules they recount.
$(DEMO_DIR)/manifest.json: $(wildcard earmark/simulate/*.py) | $(INSTALLED)
	$(BIN)/earmark simulate --out $(DEMO_DIR) --seed $(DEMO_SEED)

simulate: $(DEMO_DIR)/manifest.json

# Rebuild only when the input or the project changed; otherwise just print the summary.
$(BUILD_STAMP): $(INSTALLED) $(DEMO_DIR)/manifest.json $(wildcard $(RAW_DIR)/*.parquet) $(DBT_INPUTS)
	$(BIN)/earmark validate $(RAW_DIR)
	$(BIN)/dbt build --vars '{raw_dir: "$(RAW_DIR)"}'
	@mkdir -p target && touch $@

build: $(BUILD_STAMP) $(REPORT_STAMP)
	@$(BIN)/earmark summary --db $(EARMARK_DB)

summary: | $(INSTALLED)
	@$(BIN)/earmark summary --db $(EARMARK_DB)

$(NODE_STAMP): reports/package.json reports/package-lock.json $(wildcard reports/patches/*)
	cd reports && npm install --no-audit --no-fund
	@touch $@

# $(call build_report,DB): extract the sources from DB, then build the static site into reports/build,
# its money formatted in the currency DB was built with (earmark report-formats).
# check-warehouse first: while a build writes DB it says so (and how to read anyway) instead of failing,
# and it stops when the last build recorded in DB failed, so the site never shows what a failed build left.
# The DuckDB connector joins its sources folder and the file name, so the name is relative to it.
define build_report
	$(BIN)/earmark check-warehouse --db $(1)
	$(BIN)/earmark report-formats --db $(1) --out reports/.evidence/customization/custom-formatting.json
	cd reports && EVIDENCE_SOURCE__earmark__filename="$$(realpath --relative-to=sources/earmark $(abspath $(1)))" \
		npm run --silent sources:strict
	rm -rf reports/build
	cd reports && npm run --silent build:strict
endef

$(REPORT_STAMP): $(BUILD_STAMP) $(NODE_STAMP) $(REPORT_INPUTS)
	$(call build_report,$(EARMARK_DB))
	@touch $@

report: $(REPORT_STAMP)

serve-report: | $(INSTALLED)
	$(BIN)/earmark serve-report --dir reports/build --port $(REPORT_PORT)

# The README's screenshot of the decision summary, from the demo world's site.
report-screenshot: $(REPORT_STAMP) $(DEV_INSTALLED)
	$(BIN)/earmark screenshot-report --dir reports/build --route / --out docs/img/decision_summary.png

# Everything: unit and pipeline tests (pytest, including the public data sets when EARMARK_DATASETS
# is set), dbt build with its tests on the demo world, the SQL layers on Spark compared with DuckDB,
# the report site built from that warehouse and checked in a browser, and the linters.
test: test-python test-dbt test-spark test-report lint

test-python: $(DEV_INSTALLED) $(DEMO_DIR)/manifest.json
	$(BIN)/python -m pytest

test-dbt: $(DEV_INSTALLED) $(DEMO_DIR)/manifest.json
	$(BIN)/earmark validate $(DEMO_DIR)
	EARMARK_DB=$(TEST_DB) $(BIN)/dbt build --vars '{raw_dir: "$(DEMO_DIR)"}'

# The SQL layers built on a local Apache Spark (dbt-spark, session method; needs Java 17, skips visibly
# without it) and compared table by table with DuckDB's, the policy reading the scores of the warehouse
# test-dbt wrote as external scores (tests/spark, about 3-4 minutes).
test-spark: test-dbt $(SPARK_INSTALLED)
	EARMARK_SOURCE_DB=$(TEST_DB) $(BIN)/python -m pytest tests/spark -p no:cacheprovider

# The report site built from the warehouse test-dbt wrote, opened page by page in Chromium; with
# EARMARK_DATASETS set, also the site on samples of Online Retail and Hillstrom, each built once under
# target/site_inputs/ (tests/report/test_site_inputs.py, about 10 minutes more).
test-report: test-dbt $(DEV_INSTALLED) $(NODE_STAMP)
	$(call build_report,$(TEST_DB))
	rm -rf $(EARMARK_SCREENSHOTS)
	EARMARK_REPORT_BUILD=reports/build EARMARK_DB=$(TEST_DB) EARMARK_SCREENSHOTS=$(EARMARK_SCREENSHOTS) \
		$(BIN)/python -m pytest tests/report

# sqlfluff and dbt parse run against an in-memory warehouse, never the built one: against a built warehouse
# is_incremental() renders the incremental models' other branch, so the answer would depend on whether
# `make build` ran (tests/python/test_lint_incremental.py keeps both branches clean). Their own target path
# keeps the partial parse they share from being thrown away by every build's different profile.
LINT_ENV := EARMARK_DB=:memory: DBT_TARGET_PATH=target/lint
# The models' SQL in two halves, one sqlfluff process each, run side by side (sqlfluff's --processes is
# slower here: the dbt templater renders every file in the main process).
LINT_SQL_1 := $(shell find models tests/dbt -name '*.sql' 2>/dev/null | sort | awk 'NR % 2 == 1')
LINT_SQL_2 := $(shell find models tests/dbt -name '*.sql' 2>/dev/null | sort | awk 'NR % 2 == 0')
# More jobs than two cores: the system shares the cores out, so neither idles while the last long job
# finishes (test-fast on two cores: 53 s median over seven runs with 4 jobs, 59-65 s with 2).
LINT_JOBS ?= 4
.PHONY: lint-parse lint-sql-1 lint-sql-2 lint-sql-reports test-unit test-fast

lint:
	@$(MAKE) --no-print-directory -j$(LINT_JOBS) --output-sync=target lint-python lint-sql lint-dbt

lint-python: $(DEV_INSTALLED)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# First, so that both sqlfluff halves and dbt-score start from its manifest instead of parsing again.
lint-parse: $(DEV_INSTALLED) $(DEMO_DIR)/manifest.json
	$(LINT_ENV) $(BIN)/dbt parse --quiet

lint-sql: lint-sql-1 lint-sql-2 lint-sql-reports

lint-sql-1 lint-sql-2: lint-sql-%: lint-parse
	@echo "$(LINT_ENV) $(BIN)/sqlfluff lint <half $* of models tests/dbt: $(words $(LINT_SQL_$*)) files>"
	@$(LINT_ENV) $(BIN)/sqlfluff lint $(LINT_SQL_$*)

# The report's source queries are plain DuckDB SQL, linted from their own folder, whose .sqlfluff turns
# templating off (sqlfluff reads the templater only from the working directory's config).
lint-sql-reports: $(DEV_INSTALLED)
	cd reports/sources && $(abspath $(BIN))/sqlfluff lint .

# Conventions of the dbt project (documented models, tested keys, layer naming, contracts on marts).
lint-dbt: lint-parse
	PYTHONPATH=tests/conventions $(BIN)/dbt-score lint --manifest target/lint/manifest.json --show failing-items

# The unit tests: pure Python on small data, no dbt, network or public data sets (tiers: tests/conftest.py).
test-unit: $(DEV_INSTALLED)
	$(BIN)/python -m pytest -m unit

# What a change can be checked with before any build: the linters of `make lint` and the unit tests, side
# by side (under a minute on two cores once the demo world is simulated; `make test` runs everything).
test-fast:
	@$(MAKE) --no-print-directory -j$(LINT_JOBS) --output-sync=target lint-python lint-sql lint-dbt test-unit

# The bench venv: `make bench` (scikit-uplift's T-learner) and `make bench-uplift` (Earmark's uplift learners
# against EconML, causalml and scikit-uplift, earmark/bench/uplift_libraries.py) run in it, a separate
# venv so the libraries never become project dependencies: the runtime lock, then requirements-bench.txt,
# then causalml without its dependencies (requirements-bench.txt says why).
# About 1.9 GB (an estimate: 2.6 GB measured on the former all-groups lock, less the dev and spark
# packages) and 2-4 minutes to install; the run at 20,000 and 84,534 rows takes about 4 minutes.
BENCH_VENV ?= .venv-bench
BENCH_UPLIFT_ROWS ?= 20000 84534
BENCH_INSTALLED := $(BENCH_VENV)/.installed
$(BENCH_INSTALLED): $(LOCK_DIR)/runtime.lock requirements-bench.txt requirements-bench-nodeps.txt \
		pyproject.toml
	@test -x $(BENCH_VENV)/bin/python || $(PYTHON) -m venv $(BENCH_VENV)
	$(BENCH_VENV)/bin/pip install --quiet --disable-pip-version-check -r $(LOCK_DIR)/runtime.lock \
		-r requirements-bench.txt
	$(BENCH_VENV)/bin/pip install --quiet --disable-pip-version-check --no-deps -r requirements-bench-nodeps.txt
	$(BENCH_VENV)/bin/pip install --quiet --disable-pip-version-check --no-deps -e .
	@touch $@

# The scale benchmark of the whole pipeline (earmark/bench/pipeline.py): for each of BENCH_SCALES simulate a world
# under BENCH_WORK, build it one stage per dbt process (wall time, peak RSS, rows per second, dbt's fixed
# cost), extract the report sources and build the site, time the RFM table as one DuckDB query and in
# pandas against dbt's, time the uplift fit against scikit-uplift's plain T-learner (so it runs in the bench
# venv above), and rewrite the section between the bench markers of docs/benchmarks.md. Scale 10 takes about
# 15 minutes and 3 GB under BENCH_WORK; scale 100 (about 2.5 million users) runs its stages only (the
# baselines' repeated runs and the incremental build stop at BENCH_BASELINES_UP_TO), about 85 minutes and
# 20 GB in one process.
BENCH_SCALES ?= 1 10 100
BENCH_BASELINES_UP_TO ?= 10
# DuckDB's cap, below its default 80% of RAM: at scale 100 the Python models' frames need the rest
BENCH_DUCKDB_MEMORY ?= 50%
BENCH_WORK ?= /tmp/earmark-bench
.PHONY: bench
bench: $(BENCH_INSTALLED)
	EARMARK_DUCKDB_MEMORY=$(BENCH_DUCKDB_MEMORY) $(BENCH_VENV)/bin/earmark bench --scales $(BENCH_SCALES) --work $(BENCH_WORK) --out $(BENCH_WORK)/bench.md \
		--baselines-up-to $(BENCH_BASELINES_UP_TO) --update-doc docs/benchmarks.md

.PHONY: bench-uplift
bench-uplift: $(BENCH_INSTALLED)
	$(BENCH_VENV)/bin/earmark bench-uplift --rows $(BENCH_UPLIFT_ROWS) --update-doc docs/benchmarks.md

# make lock: resolve pyproject.toml's pins afresh with pip's resolver (a dry run: nothing is installed, the
# package registry is read) for this Python (3.11, Linux). All groups are resolved together first, so the
# three locks agree on every package they share; each lock is then its group's closure within that
# resolution, runtime's included in dev's and spark's. Direct pins stay as pinned; every other package
# moves to the newest release that fits, so review the diff. LOCK_CONSTRAINTS=FILE also holds each
# package FILE names at its version (the locks were first cut so from the former single lock: no version
# moved). About 3 minutes.
LOCK_CONSTRAINTS ?=
LOCK_RESOLVE = $(PYTHON) -m pip install --quiet --disable-pip-version-check --dry-run --ignore-installed \
	--report -
LOCK_FORMAT = $(PYTHON) -c 'import json, sys; \
	pins = {p["metadata"]["name"]: p["metadata"]["version"] for p in json.load(sys.stdin)["install"]}; \
	pins.pop("earmark"); print(*(f"{name}=={pins[name]}" for name in sorted(pins, key=str.lower)), sep="\n")'
lock:
	@mkdir -p target/lock
	set -eo pipefail; \
	$(LOCK_RESOLVE) $(if $(LOCK_CONSTRAINTS),-c $(LOCK_CONSTRAINTS)) '.[dev,spark]' \
		| $(LOCK_FORMAT) > target/lock/all.txt; \
	for group in runtime dev spark; do \
		if [ $$group = runtime ]; then spec=.; else spec=".[$$group]"; fi; \
		{ echo "# The $$group group's full closure (dev and spark include runtime's), for Python 3.11 on Linux."; \
		  echo "# Generated by make lock: change the pins in pyproject.toml, not here."; \
		  $(LOCK_RESOLVE) -c target/lock/all.txt "$$spec" | $(LOCK_FORMAT); } > target/lock/$$group.lock; \
	done
	cp target/lock/runtime.lock target/lock/dev.lock target/lock/spark.lock $(LOCK_DIR)/

clean:
	rm -rf target logs $(EARMARK_DB) data/demo reports/build

# The results table quoted in the README: the demo world (DEMO_SEED, and SECOND_SEED so that no figure
# rests on one seed), Online Retail, Mall Customers (with the case study's segmentation configuration, as
# vars only), Hillstrom, and Causalyn with its own scores and with Earmark's model.
SECOND_SEED ?= 7
EARMARK_DATASETS ?= ../shared/data
# Each case study's vars live in case_studies/<name>.vars (the tests read the same files): comments dropped.
case_study_vars = $(shell grep -v '^\#' case_studies/$(1).vars)
MALL_VARS := $(call case_study_vars,mall_customers)
CAUSALYN_VARS := $(call case_study_vars,causalyn)
results: build
	$(BIN)/earmark simulate --out data/demo_seed$(SECOND_SEED) --seed $(SECOND_SEED)
	EARMARK_DB=target/demo_seed$(SECOND_SEED).duckdb $(BIN)/dbt build --quiet \
		--vars '{raw_dir: "data/demo_seed$(SECOND_SEED)"}'
	$(BIN)/earmark ingest online-retail $(EARMARK_DATASETS)/online_retail/online_retail.parquet --out data/online_retail
	EARMARK_DB=target/online_retail.duckdb $(BIN)/dbt build --quiet --vars '{raw_dir: "data/online_retail"}'
	$(BIN)/earmark ingest mall-customers $(EARMARK_DATASETS)/mall_customers/Mall_Customers.csv --out data/mall_customers
	EARMARK_DB=target/mall_customers.duckdb $(BIN)/dbt build --quiet --vars '{raw_dir: "data/mall_customers", $(MALL_VARS)}'
	$(BIN)/earmark ingest hillstrom $(EARMARK_DATASETS)/hillstrom/hillstrom.csv --out data/hillstrom
	EARMARK_DB=target/hillstrom.duckdb $(BIN)/dbt build --quiet --vars '{raw_dir: "data/hillstrom"}'
	$(BIN)/earmark ingest causalyn $(EARMARK_DATASETS)/causalyn --out data/causalyn
	EARMARK_DB=target/causalyn_external.duckdb $(BIN)/dbt build --quiet \
		--vars '{raw_dir: "data/causalyn", uplift_score_source: external, $(CAUSALYN_VARS)}'
	EARMARK_DB=target/causalyn_model.duckdb $(BIN)/dbt build --quiet \
		--vars '{raw_dir: "data/causalyn", uplift_score_source: model, $(CAUSALYN_VARS)}'
	$(BIN)/earmark results "demo world (seed $(DEMO_SEED), scale 1)=$(EARMARK_DB)" \
		"demo world (seed $(SECOND_SEED), scale 1)=target/demo_seed$(SECOND_SEED).duckdb" \
		"Online Retail=target/online_retail.duckdb" "Mall Customers (case-study config)=target/mall_customers.duckdb" \
		"Hillstrom=target/hillstrom.duckdb" "Causalyn, its own scores=target/causalyn_external.duckdb" \
		"Causalyn, Earmark's model=target/causalyn_model.duckdb" > docs/results.md
	@cat docs/results.md
