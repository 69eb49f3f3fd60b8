# The README's commands. Every target makes its own virtual environment in .venv.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml constraints.txt | cksum | cut -d' ' -f1)
PORT ?= 5000
NODE_STAMP := node_modules/.installed-$(shell cat package.json package-lock.json | cksum | cut -d' ' -f1)
SWAGGER_UI_VERSION ?= 5.35.0
SWAGGER_UI_DIR := src/travellr/api/docs/static/swagger-ui
SWAGGER_UI_FILES := LICENSE NOTICE swagger-ui-bundle.js swagger-ui-bundle.js.LICENSE.txt \
	swagger-ui.css favicon-16x16.png favicon-32x32.png

.PHONY: install node-tools run test test-fast check lint lint-openapi format lock clean \
	vendor-swagger-ui

install: $(STAMP)

node-tools: $(NODE_STAMP)  ## The pinned Node tools (package-lock.json): redocly, openapi-typescript, tsc

$(NODE_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	rm -f node_modules/.installed-* && touch $@

$(STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[dev]'
	rm -f $(VENV)/.installed-* && touch $@

run: install  ## Migrate, load the demo data once, serve on http://127.0.0.1:$(PORT) (HOST to change)
	$(BIN)/travellr db upgrade
	$(BIN)/travellr seed
	PORT=$(PORT) $(BIN)/travellr serve

test: install  ## The whole suite; service-backed tests need TEST_DATABASE_URL / TEST_REDIS_URL
	$(BIN)/python -m pytest

test-fast: install  ## Everything but the tests that start real processes
	$(BIN)/python -m pytest -m "not slow"

check: install lint-openapi  ## Lint, format check, types, the layer contracts, the API document
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports

lint-openapi: install node-tools  ## Redocly's recommended rules over the served OpenAPI document
	mkdir -p build
	TRAVELLR_ENV=testing DATABASE_URL=sqlite:// $(BIN)/flask --app travellr.app:create_app \
		openapi write --format json build/openapi.json
	node_modules/.bin/redocly lint --extends=recommended build/openapi.json

vendor-swagger-ui:  ## Refresh the vendored Swagger UI: make vendor-swagger-ui SWAGGER_UI_VERSION=x.y.z
	rm -rf build/swagger-ui-dist && mkdir -p build/swagger-ui-dist
	cd build/swagger-ui-dist && npm pack --silent swagger-ui-dist@$(SWAGGER_UI_VERSION) \
		&& tar xzf swagger-ui-dist-$(SWAGGER_UI_VERSION).tgz
	rm -rf $(SWAGGER_UI_DIR) && mkdir -p $(SWAGGER_UI_DIR)
	cd build/swagger-ui-dist/package && cp $(SWAGGER_UI_FILES) $(CURDIR)/$(SWAGGER_UI_DIR)/
	cd $(SWAGGER_UI_DIR) && sha256sum $(SWAGGER_UI_FILES) > SHA256SUMS
	printf 'swagger-ui-dist@%s\n%s\n' $(SWAGGER_UI_VERSION) \
		"$$(npm view swagger-ui-dist@$(SWAGGER_UI_VERSION) dist.integrity)" > $(SWAGGER_UI_DIR)/VERSION

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

lock:  ## Re-pin constraints.txt from a fresh resolve of pyproject.toml
	rm -rf .lock-venv && $(PYTHON) -m venv .lock-venv
	.lock-venv/bin/python -m pip install --quiet '.[dev]'
	.lock-venv/bin/python -m pip freeze --exclude travellr > constraints.txt
	rm -rf .lock-venv

clean:
	rm -rf $(VENV) node_modules build instance .pytest_cache .mypy_cache .ruff_cache
