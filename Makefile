# The README's commands. Every target makes its own virtual environment in .venv.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml constraints.txt | cksum | cut -d' ' -f1)
PORT ?= 5000

.PHONY: install run test test-fast check lint format lock clean

install: $(STAMP)

$(STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[dev]'
	rm -f $(VENV)/.installed-* && touch $@

run: install  ## Migrate, load the demo data once, serve on http://localhost:$(PORT)
	$(BIN)/travellr db upgrade
	$(BIN)/travellr seed
	PORT=$(PORT) $(BIN)/travellr serve

test: install  ## The whole suite; service-backed tests need TEST_DATABASE_URL / TEST_REDIS_URL
	$(BIN)/python -m pytest

test-fast: install  ## Everything but the tests that start real processes
	$(BIN)/python -m pytest -m "not slow"

check: install  ## Lint, format check, types and the layer contracts
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

lock:  ## Re-pin constraints.txt from a fresh resolve of pyproject.toml
	rm -rf .lock-venv && $(PYTHON) -m venv .lock-venv
	.lock-venv/bin/python -m pip install --quiet '.[dev]'
	.lock-venv/bin/python -m pip freeze --exclude travellr > constraints.txt
	rm -rf .lock-venv

clean:
	rm -rf $(VENV) instance .pytest_cache .mypy_cache .ruff_cache
