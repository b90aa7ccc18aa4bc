# rsikg: `make run` sets up and loads the graph; `make test` sets up and runs every check.
VENV    ?= .venv
PYTHON  ?= python3
BIN     := $(VENV)/bin
STAMP   := $(VENV)/.installed-stamp
SERVE_STAMP := $(VENV)/.serve-stamp
# Where `make run` serves: `make run PORT=8001 HOST=0.0.0.0`
HOST    ?= 127.0.0.1
PORT    ?= 8000
# Line coverage of api/ by the tests' own process (88.48% on 2026-11-30 at 059b2a4, 84.10% at 7b83501, 78% on
# 2026-11-29, 75% when first set; the servers and commands the tests start run in subprocesses, which it does not
# count). Raise it as tests are added.
COVERAGE_FLOOR := 87

# axe-core, the accessibility checker the browser tests run in each page (npm, pinned)
AXE_VERSION := 4.14.1
AXE := $(VENV)/node/node_modules/axe-core/axe.min.js

# The tools the graph exports are opened with in the tests: Graphviz (Debian) and mermaid-cli (npm,
# pinned; it drives Debian's Chromium, so its own browser download is skipped)
MERMAID_CLI_VERSION := 12.2.0
MMDC := $(VENV)/node/node_modules/.bin/mmdc

# Spectral, the OpenAPI linter of `make lint` (npm, pinned), over what `rsikg openapi` prints
SPECTRAL_VERSION := 6.16.3
SPECTRAL := $(VENV)/node/node_modules/.bin/spectral

# The browser libraries the pages serve (YASGUI, Cytoscape.js): npm, pinned by api/web/assets/package-lock.json
# (installed into the venv, beside the other npm tools, not into the api/ package: 66 MB of others' code)
ASSETS := api/web/assets
ASSETS_INSTALLED := $(VENV)/web-assets
ASSETS_STAMP := $(ASSETS_INSTALLED)/node_modules/.installed-stamp

.DEFAULT_GOAL := help
.PHONY: help install port-free assets run test test-engines browser graph-tools lint bench clean

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*## "} {printf "  make %-12s %s\n", $$1, $$2}'

$(SERVE_STAMP): pyproject.toml
	@echo "Installing rsikg and what it needs to serve into $(VENV) (a minute on a fresh machine)"
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e .
	touch $(SERVE_STAMP)

$(STAMP): $(SERVE_STAMP)
	@echo "Installing the test and lint tools into $(VENV) (pytest, ruff, mypy, selenium, ...)"
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP) ## Create .venv and install rsikg with its test tools

port-free: ## Check, before anything is installed, that HOST:PORT is free for make run
	@$(PYTHON) -c 'import socket as S; s = S.socket(); s.setsockopt(S.SOL_SOCKET, S.SO_REUSEADDR, 1); s.bind(("$(HOST)", $(PORT)))' \
		2>/dev/null \
		|| { echo "make run: $(HOST):$(PORT) is taken (another rsikg serve?); stop it, or run: make run PORT=8001" >&2; exit 2; }

$(ASSETS_STAMP): $(ASSETS)/package-lock.json
	@command -v npm >/dev/null || apt-get install -y -q --no-install-recommends npm \
		|| sudo apt-get install -y -q --no-install-recommends npm
	mkdir -p $(ASSETS_INSTALLED) && cp $(ASSETS)/package.json $(ASSETS)/package-lock.json $(ASSETS_INSTALLED)/
	npm ci --ignore-scripts --no-audit --no-fund --loglevel=error --prefix $(ASSETS_INSTALLED)
	touch $(ASSETS_STAMP)

assets: $(ASSETS_STAMP) ## Install the pages' browser libraries (npm ci, from the lock file; no install scripts run)

run: port-free $(SERVE_STAMP) assets ## Set up, load the graph, and serve it at http://127.0.0.1:8000 (PORT=, HOST= to change)
	$(BIN)/rsikg load
	$(BIN)/rsikg stats
	$(BIN)/rsikg serve --host $(HOST) --port $(PORT)

test: install assets lint browser graph-tools ## Set up and run the tests (shapes, data, store, CLI, reasoner, pages in Chromium)
	$(BIN)/python -m pytest -n 2 --dist loadfile --no-loadscope-reorder -m "not engines" --durations=25 \
		--cov=api --cov-report=term:skip-covered --cov-fail-under=$(COVERAGE_FLOOR)

test-engines: install ## The store, service, HTTP and W3C tests over Debian's Virtuoso (apt-get install virtuoso-opensource)
	@command -v virtuoso-t >/dev/null || apt-get install -y -q --no-install-recommends virtuoso-opensource \
		|| sudo apt-get install -y -q --no-install-recommends virtuoso-opensource
	$(BIN)/python -m pytest -m engines -q

browser: install ## Debian's Chromium and chromedriver, and axe-core (npm), for the browser tests
	@command -v chromium >/dev/null && command -v chromedriver >/dev/null || { \
		export DEBIAN_FRONTEND=noninteractive; \
		apt-get install -y -q --no-install-recommends chromium chromium-driver \
		|| { apt-get update -q && apt-get install -y -q --no-install-recommends chromium chromium-driver; } \
		|| sudo apt-get install -y -q --no-install-recommends chromium chromium-driver; }
	@test -f $(AXE) || npm install --silent --no-audit --no-fund --prefix $(VENV)/node axe-core@$(AXE_VERSION)

graph-tools: browser ## Graphviz (Debian) and mermaid-cli (npm), which the tests open the graph exports with
	@command -v dot >/dev/null || apt-get install -y -q --no-install-recommends graphviz \
		|| sudo apt-get install -y -q --no-install-recommends graphviz
	@test -x $(MMDC) || PUPPETEER_SKIP_DOWNLOAD=1 npm install --silent --no-audit --no-fund --ignore-scripts \
		--prefix $(VENV)/node @mermaid-js/mermaid-cli@$(MERMAID_CLI_VERSION)

lint: install ## ruff and mypy over the code, Spectral over the OpenAPI document
	$(BIN)/ruff check api tests benchmarks
	$(BIN)/ruff format --check api tests benchmarks
	$(BIN)/mypy
	@test -x $(SPECTRAL) || npm install --silent --no-audit --no-fund --prefix $(VENV)/node \
		@stoplight/spectral-cli@$(SPECTRAL_VERSION)
	$(BIN)/rsikg openapi > $(VENV)/openapi.json
	$(SPECTRAL) lint --quiet --fail-severity warn --ruleset .spectral.yaml $(VENV)/openapi.json

bench: install ## Benchmark SPARQL against Oxigraph and rdflib-endpoint, the decision dry run, dependencies, as-of answers, writes, rsikg over a remote store, the pages, growth from 25k to 100k systems (about 60 minutes)
	$(BIN)/python -m pip install --quiet -e '.[test,bench]'
	@command -v wrk >/dev/null || apt-get install -y -q wrk || sudo apt-get install -y -q wrk
	$(BIN)/python benchmarks/run.py
	$(BIN)/python benchmarks/decisions.py
	$(BIN)/python benchmarks/dependencies.py
	$(BIN)/python benchmarks/as_of.py
	$(BIN)/python benchmarks/writes.py
	$(BIN)/python benchmarks/remote.py
	$(BIN)/python benchmarks/pages.py
	$(BIN)/python benchmarks/scale.py

clean: ## Remove the virtual environment and the local store
	rm -rf $(VENV) .rsikg
