# Todo Chat API. `make help` lists the targets.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# The stamp is newer than pyproject.toml once the venv holds what it lists.
STAMP := $(VENV)/.installed

.DEFAULT_GOAL := help
.PHONY: help install run migrate token test test-unit check format bench loadtest lock clean pgbouncer

help: ## List the targets
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F ':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

# The real Better Auth for the interop tests, exactly as the lock file pins it.
INTEROP := tests/interop/better_auth
INTEROP_STAMP := $(INTEROP)/node_modules/.installed

$(INTEROP_STAMP): $(INTEROP)/package-lock.json
	@command -v node >/dev/null && command -v npm >/dev/null || { \
	  echo "make test needs Node.js 20+ and npm (the Better Auth interop tests run the real"; \
	  echo "better-auth package): apt-get install nodejs npm, or see https://nodejs.org"; exit 1; }
	npm ci --prefix $(INTEROP) --no-audit --no-fund --loglevel=error
	touch $@

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP) ## Create .venv and install the service with its dev tools

run: $(STAMP) ## Serve on 127.0.0.1:8000 (embedded PostgreSQL unless DATABASE_URL is set)
	$(BIN)/python -m service serve

migrate: $(STAMP) ## Apply pending migrations and exit
	$(BIN)/python -m service migrate

token: $(STAMP) ## Print a token: make token USER_ID=alice (default demo-user)
	@$(BIN)/python -m service token --user $(or $(USER_ID),demo-user)

# A real PgBouncer for the tests through a transaction-mode pooler: Debian's
# package, installed when missing (as root, or with sudo).
SUDO := $(if $(filter 0,$(shell id -u)),,sudo)
pgbouncer:
	@command -v pgbouncer >/dev/null || test -x /usr/sbin/pgbouncer || { \
	  echo "installing pgbouncer (apt) for the tests through a real pooler"; \
	  $(SUDO) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends \
	    pgbouncer >/dev/null; }

test: $(STAMP) $(INTEROP_STAMP) pgbouncer ## Run every test against a real PostgreSQL, Better Auth and PgBouncer
	$(BIN)/pytest

test-unit: $(STAMP) ## Run the tests that need no database
	$(BIN)/pytest tests/unit

check: $(STAMP) ## Lint, format check and strict type check
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

format: $(STAMP) ## Format and auto-fix the code
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: $(STAMP) ## Benchmark the hot endpoints (WORKERS=1 CONCURRENCY=32 DURATION=10 SCALE=0; see docs/bench.md)
	$(BIN)/python -m bench.run

# locust (and gevent) only for the load test: the `load` extra, not `dev`.
$(VENV)/.installed-load: $(STAMP)
	$(BIN)/pip install --quiet -e '.[dev,load]'
	touch $@

loadtest: $(VENV)/.installed-load ## Run locustfile.py headless (LOADTEST_USERS=20 LOADTEST_TIME=30s); fails on any failure
	$(BIN)/python -m bench.loadtest

lock: ## Refresh requirements.lock: the exact runtime versions the image installs
	rm -rf .lock-venv
	$(PYTHON) -m venv .lock-venv
	.lock-venv/bin/pip install --quiet --upgrade pip
	.lock-venv/bin/pip install --quiet .
	{ echo "# make lock: the runtime dependencies of pyproject.toml, exactly. Do not edit."; \
	  .lock-venv/bin/pip freeze --exclude todo-chat-api; } > requirements.lock
	rm -rf .lock-venv

clean: ## Remove the venv, caches and local data (.data holds the dev database!)
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .bench .data $(INTEROP)/node_modules
