# The two commands of the README:
#   make run   - the platform on the embedded default with demo data at http://127.0.0.1:8000
#   make test  - the whole test suite (lint, types, unit, integration on SQLite and PostgreSQL, storage)
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
PY     := $(BIN)/python

.PHONY: run test install lock lock-upgrade frontend lint typecheck pytest bench clean

# Installs come from the lock files only: every release pinned with its hashes, the build backend
# too (hence --no-build-isolation), so a fresh machine gets exactly what CI tested. A newer release
# on PyPI changes nothing until someone runs `make lock` and commits the result.
$(BIN)/uv: requirements-dev.lock
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --require-hashes --no-deps -r requirements-dev.lock
	@touch $@

# pip check fails here when pyproject.toml asks for something the lock lacks: run `make lock`.
$(BIN)/bidding: pyproject.toml $(BIN)/uv
	$(PY) -m pip install -qq --no-deps --no-build-isolation -e .  # -qq: not setuptools' editable-mode banner
	$(PY) -m pip check
	@touch $@

install: $(BIN)/bidding

# The lock files, changed only on purpose and committed with the CI run that tested them.
# requirements.lock: the app and its build backend (the image); requirements-dev.lock: the same
# pins plus the development tools. `make lock` follows pyproject.toml (adds, drops, narrows) and
# keeps every other pin; `make lock-upgrade` moves everything to the newest releases allowed.
BUILD_REQUIRES = $(PY) -c 'import tomllib; print("\n".join(tomllib.load(open("pyproject.toml", "rb"))["build-system"]["requires"]))'
LOCK = $(BIN)/uv pip compile --quiet --generate-hashes --universal --python-version 3.11 --custom-compile-command "make lock"
lock: $(BIN)/uv
	$(BUILD_REQUIRES) | $(LOCK) pyproject.toml - $(UPGRADE) -o requirements.lock
	$(BUILD_REQUIRES) | $(LOCK) pyproject.toml - --extra dev -c requirements.lock $(UPGRADE) -o requirements-dev.lock

lock-upgrade:
	$(MAKE) lock UPGRADE=--upgrade

frontend/node_modules/.package-lock.json: frontend/package-lock.json
	cd frontend && npm ci --no-audit --no-fund
	@touch $@

frontend/dist/index.html: frontend/node_modules/.package-lock.json frontend/vite.config.ts $(shell find frontend/src frontend/public frontend/index.html -type f 2>/dev/null)
	cd frontend && npm run build

frontend: frontend/dist/index.html

run: install frontend
	$(BIN)/bidding serve --demo

lint: install
	$(BIN)/ruff check bidding opening_room crypto storage tests bench
	$(BIN)/ruff format --check bidding opening_room crypto storage
	$(BIN)/lint-imports --no-logo

typecheck: install
	$(BIN)/mypy

pytest: install frontend
	cd frontend && npm test --silent
	# One worker per core (pytest-xdist): every test has its own database, Redis prefix, ports and
	# data directory, so they run side by side; the browser and process tests wait on I/O.
	$(BIN)/pytest -q -n auto --durations=15

test: lint typecheck pytest

bench: install
	$(PY) bench/storage_bench.py

clean:
	rm -rf var frontend/dist
