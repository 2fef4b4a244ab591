# Heitje. `make run` and `make test` do all set-up themselves on a fresh clone:
# a Python venv from requirements.lock, `npm ci`, the solc command and Anvil.
SHELL := /bin/bash
.DEFAULT_GOAL := help
PYTHON ?= python3.11
VENV := .venv
PY := $(CURDIR)/$(VENV)/bin/python
SOLC_VERSION := 0.8.28

export SOLCX_BINARY_PATH := $(CURDIR)/.solcx
export PATH := $(CURDIR)/.tools/bin:$(CURDIR)/$(VENV)/bin:$(PATH)
export PYTHONDONTWRITEBYTECODE := 1

SETUP := .env $(VENV)/.installed node_modules/.installed .solcx/solc-v$(SOLC_VERSION) .tools/bin/anvil \
	build/contracts/LocalCoin.json web/vendor/.installed

.PHONY: help setup run test test-unit test-tools test-contracts test-backend test-web lint bench drill fuzz lock clean
help:
	@echo "make run    - start Anvil (unless RPC_URL is set), deploy the coin, serve the API"
	@echo "make test   - install what is missing, then run every test (make test-unit: the fast tier alone)"
	@echo "make lint   - ruff, mypy (backend/), slither (contracts/)"
	@echo "make bench  - benchmarks; writes bench/results.json and bench/results.md"
	@echo "make drill  - failure drills that end by checking every money invariant"
	@echo "make fuzz   - schemathesis against the OpenAPI document, signed in as each role"

setup: $(SETUP)

$(VENV)/.installed: pyproject.toml requirements.lock
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --disable-pip-version-check -r requirements.lock
	$(PY) -m pip install -q --disable-pip-version-check --no-deps --no-build-isolation -e .
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $@

.solcx/solc-v$(SOLC_VERSION): tools/install-solc.sh tools/solc/solc.js node_modules/.installed
	SOLC_VERSION=$(SOLC_VERSION) tools/install-solc.sh

.tools/bin/anvil: tools/link-anvil.sh node_modules/.installed
	tools/link-anvil.sh

.env:
	cp .env.example .env

web/vendor/.installed: tools/vendor-web.sh node_modules/.installed
	tools/vendor-web.sh

build/contracts/LocalCoin.json: $(wildcard contracts/*.sol contracts/*/*.sol) brownie-config.yaml .env $(VENV)/.installed .solcx/solc-v$(SOLC_VERSION)
	brownie compile
	touch $@

run: setup
	heitje up

test: setup test-unit test-tools test-contracts test-backend test-web

# Seconds, no chain: services and rules on a FakeChain and in-memory SQLite, and the architecture.
test-unit: setup
	pytest -q tests/unit tests/architecture

test-tools: setup
	pytest -q tests/tools

test-contracts: setup
	brownie test tests/contracts

test-backend: setup
	pytest -q -n 2 tests/backend
ifdef CI
	DATABASE_URL=$${TEST_POSTGRES_URL:-postgresql+psycopg://postgres@127.0.0.1:5432/test} pytest -q tests/backend
endif

test-web: setup
	pytest -q tests/web

lint: setup
	ruff check backend scripts tests bench tools drills fuzz
	mypy backend
	lint-imports
	$(PY) tools/slither_check.py

bench: setup
	$(PY) -m bench

drill: setup
	$(PY) -m drills

fuzz: setup
	tools/fuzz-setup.sh
	$(PY) -m fuzz

lock:
	rm -rf /tmp/heitje-lock && $(PYTHON) -m venv /tmp/heitje-lock
	/tmp/heitje-lock/bin/pip install -q -e ".[dev]"
	(echo "# Exact Python dependency set for Heitje (pip freeze of 'pip install -e .[dev]' with eth-brownie's pins)."; \
	 echo "# Regenerate: make lock"; /tmp/heitje-lock/bin/pip freeze --exclude-editable | grep -v '^-e') > requirements.lock

clean:
	rm -rf $(VENV) .venv-fuzz node_modules .solcx .tools build .heitje web/vendor
