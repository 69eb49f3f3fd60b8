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
CHART_JS_VERSION ?= 4.5.1
CHART_JS_DIR := src/travellr/console/static/vendor/chart.js
AXE_CORE_VERSION ?= 4.11.0
AXE_CORE_DIR := tests/e2e/vendor/axe-core

.PHONY: install node-tools run test test-fast check lint lint-openapi format lock clean \
	vendor-swagger-ui vendor-chart-js vendor-axe-core

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

vendor-chart-js:  ## Refresh the console's vendored Chart.js: make vendor-chart-js CHART_JS_VERSION=x.y.z
	rm -rf build/chart.js && mkdir -p build/chart.js
	cd build/chart.js && npm pack --silent chart.js@$(CHART_JS_VERSION) \
		&& tar xzf chart.js-$(CHART_JS_VERSION).tgz
	rm -rf $(CHART_JS_DIR) && mkdir -p $(CHART_JS_DIR)
	cp build/chart.js/package/LICENSE.md build/chart.js/package/dist/chart.umd.min.js $(CHART_JS_DIR)/
	cd $(CHART_JS_DIR) && sha256sum LICENSE.md chart.umd.min.js > SHA256SUMS
	printf 'chart.js@%s\n%s\n' $(CHART_JS_VERSION) \
		"$$(npm view chart.js@$(CHART_JS_VERSION) dist.integrity)" > $(CHART_JS_DIR)/VERSION

vendor-axe-core:  ## Refresh the browser tests' vendored axe-core: make vendor-axe-core AXE_CORE_VERSION=x.y.z
	rm -rf build/axe-core && mkdir -p build/axe-core
	cd build/axe-core && npm pack --silent axe-core@$(AXE_CORE_VERSION) \
		&& tar xzf axe-core-$(AXE_CORE_VERSION).tgz
	rm -rf $(AXE_CORE_DIR) && mkdir -p $(AXE_CORE_DIR)
	cp build/axe-core/package/LICENSE build/axe-core/package/axe.min.js $(AXE_CORE_DIR)/
	cd $(AXE_CORE_DIR) && sha256sum LICENSE axe.min.js > SHA256SUMS
	printf 'axe-core@%s\n%s\n' $(AXE_CORE_VERSION) \
		"$$(npm view axe-core@$(AXE_CORE_VERSION) dist.integrity)" > $(AXE_CORE_DIR)/VERSION

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
