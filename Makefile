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

INSTALLED := $(VENV)/.installed
DBT_INPUTS := dbt_project.yml profiles.yml $(shell find models python_models seeds macros tests/dbt earmark \
	-type f \( -name '*.sql' -o -name '*.yml' -o -name '*.csv' -o -name '*.py' -o -name '*.md' \) 2>/dev/null)
BUILD_STAMP := target/.build-$(subst /,_,$(RAW_DIR))-$(subst /,_,$(EARMARK_DB))

.PHONY: results build test test-python test-dbt test-datasets lint lint-sql lint-python lint-dbt summary simulate clean lock

$(INSTALLED): requirements.lock pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements.lock
	$(BIN)/pip install --quiet --disable-pip-version-check --no-deps -e .
	@touch $@

$(DEMO_DIR)/manifest.json: | $(INSTALLED)
	$(BIN)/earmark simulate --out $(DEMO_DIR) --seed $(DEMO_SEED)

simulate: $(DEMO_DIR)/manifest.json

# Rebuild only when the input or the project changed; otherwise just print the summary.
$(BUILD_STAMP): $(INSTALLED) $(DEMO_DIR)/manifest.json $(wildcard $(RAW_DIR)/*.parquet) $(DBT_INPUTS)
	$(BIN)/earmark validate $(RAW_DIR)
	$(BIN)/dbt build --vars '{raw_dir: "$(RAW_DIR)"}'
	@mkdir -p target && touch $@

build: $(BUILD_STAMP)
	@$(BIN)/earmark summary --db $(EARMARK_DB)

summary: | $(INSTALLED)
	@$(BIN)/earmark summary --db $(EARMARK_DB)

# Everything: unit and pipeline tests (pytest, including the public data sets when EARMARK_DATASETS
# is set), dbt build with its tests on the demo world, and the linters.
test: test-python test-dbt lint

test-python: $(INSTALLED) $(DEMO_DIR)/manifest.json
	$(BIN)/python -m pytest

test-dbt: $(INSTALLED) $(DEMO_DIR)/manifest.json
	$(BIN)/earmark validate $(DEMO_DIR)
	EARMARK_DB=target/test_demo.duckdb $(BIN)/dbt build --vars '{raw_dir: "$(DEMO_DIR)"}'

lint: lint-python lint-sql lint-dbt

lint-python: $(INSTALLED)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

lint-sql: $(INSTALLED) $(DEMO_DIR)/manifest.json
	$(BIN)/sqlfluff lint models tests/dbt

# Conventions of the dbt project (documented models, tested keys, layer naming, contracts on marts).
lint-dbt: $(INSTALLED) $(DEMO_DIR)/manifest.json
	$(BIN)/dbt parse --quiet
	PYTHONPATH=tests/conventions $(BIN)/dbt-score lint --manifest target/manifest.json --show failing-items

lock:
	$(BIN)/pip freeze --exclude-editable | grep -v '^earmark' \
		| sed '1i # Fully pinned environment, resolved from requirements-dev.txt with pip freeze (Python 3.11).\n# Regenerate: make lock' \
		> requirements.lock

clean:
	rm -rf target logs $(EARMARK_DB) data/demo

# The results table quoted in the README: the demo world, Online Retail, Mall Customers (with the case
# study's segmentation configuration, as vars only), Hillstrom, and Causalyn with its own scores and with
# Earmark's model.
EARMARK_DATASETS ?= ../shared/data
MALL_VARS := segmentation_features: [age, annual_income, spending_score, spend_ratio], \
	segmentation_derived: {spend_ratio: "spending_score / (annual_income + 1e-9)"}, segmentation_log_features: []
# The Causalyn case study's policy parameters: $$50 per activation, $$1 per nudged user, no human channel.
CAUSALYN_VARS := value_per_conversion: 50.0, cost_per_automated_user: 1.0, cost_per_human_account: null, \
	sleeping_dog_threshold: -0.01, toxic_user_share: 0.10, min_account_users: 2, human_capacity: null, holdout_share: 0.0
results: build
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
		"Online Retail=target/online_retail.duckdb" "Mall Customers (case-study config)=target/mall_customers.duckdb" \
		"Hillstrom=target/hillstrom.duckdb" "Causalyn, its own scores=target/causalyn_external.duckdb" \
		"Causalyn, Earmark's model=target/causalyn_model.duckdb" > docs/results.md
	@cat docs/results.md
