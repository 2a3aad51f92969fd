# Two commands for a fresh machine: `make demo` and `make test`.
PYTHON ?= python3.11
VENV   ?= .venv
BIN     = $(VENV)/bin
ARGS   ?=

# onnxruntime-node would download CUDA libraries at install; Prisma 6's CLI would look for native
# engines. Neither is needed: the CPU provider ships in the package, the engines are JavaScript.
export ONNXRUNTIME_NODE_INSTALL_CUDA = skip
export PRISMA_SCHEMA_ENGINE_BINARY = /bin/false
export PRISMA_QUERY_ENGINE_LIBRARY = /bin/false
export PRISMA_HIDE_UPDATE_MESSAGE = 1

.PHONY: demo test test-ts test-py lint typecheck check bench install install-node install-py browser generate clean

# --- TypeScript --------------------------------------------------------------------------------
node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $@

src/catalog/generated/.stamp: node_modules/.installed prisma/schema.prisma prisma/postgresql/schema.prisma
	npx prisma generate --schema prisma/schema.prisma
	npx prisma generate --schema prisma/postgresql/schema.prisma
	touch $@

install-node: node_modules/.installed src/catalog/generated/.stamp

generate: install-node

# --- Python (the trainers) ---------------------------------------------------------------------
$(BIN)/python:
	$(PYTHON) -m venv $(VENV) || python3 -m venv $(VENV)

$(VENV)/.installed: $(BIN)/python pyproject.toml
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

install-py: $(VENV)/.installed

install: install-node install-py

demo: install
	./scripts/shopmind.mjs demo $(ARGS)

test: install browser test-ts test-py

test-ts: install-node
	npx vitest run

test-py: install-py
	$(BIN)/python -m pytest

# Debian's Chromium for the browser tests (Playwright drives it; it never downloads a browser).
# Without it those tests are skipped, and say so.
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "installing Debian's chromium and chromium-driver for the browser tests"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium chromium-driver \
	  || echo "could not install chromium: the browser tests will be skipped"; }

lint: install
	npx biome check .
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench

typecheck: install
	npx tsc --noEmit
	$(BIN)/mypy

check: lint typecheck test

bench: install
	bash bench/ingest.sh

clean:
	rm -rf $(VENV) node_modules src/catalog/generated shopmind-workspace shopmind-demo-data shopmind-data test-artifacts .pytest_cache .mypy_cache .ruff_cache
