# The two commands of the README:
#   make run   - the platform on the embedded default with demo data at http://127.0.0.1:8000
#   make test  - the whole test suite (lint, types, unit, integration on SQLite and PostgreSQL, storage)
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
PY     := $(BIN)/python

.PHONY: run test install frontend lint typecheck pytest bench clean

$(BIN)/bidding: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev]"
	@touch $@

install: $(BIN)/bidding

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

typecheck: install
	$(BIN)/mypy

pytest: install frontend
	cd frontend && npm test --silent
	$(BIN)/pytest -q --durations=15

test: lint typecheck pytest

bench: install
	$(PY) bench/storage_bench.py

clean:
	rm -rf var frontend/dist
