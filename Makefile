# One developer loop. `make check` is what CI runs (.ci/run calls it).
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: install demo show check format lint types contracts test clean

$(BIN)/radtrial: pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

install: $(BIN)/radtrial

## The main job: a fresh demo database (embedded SQLite) with both trials, a user for every
## role and simulated participants at every stage, served at http://127.0.0.1:8000/.
demo: install
	$(BIN)/radtrial serve --demo

## Without the web app: load PALLSOFT into the embedded SQLite database and show it.
show: install
	$(BIN)/radtrial db upgrade
	$(BIN)/radtrial protocol load pallsoft
	$(BIN)/radtrial trials show pallsoft

format: install
	$(BIN)/ruff format src tests benchmarks

lint: install
	$(BIN)/ruff format --check src tests benchmarks
	$(BIN)/ruff check src tests benchmarks

types: install
	$(BIN)/mypy

contracts: install
	$(BIN)/lint-imports

test: install
	$(BIN)/pytest

## Everything CI runs: format check, lint, types, import contracts, tests.
check: lint types contracts test

clean:
	rm -rf $(VENV) .mypy_cache .pytest_cache .ruff_cache
