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

.PHONY: demo test test-ts test-py lint typecheck check bench install install-node install-py browser redis generate clean

# --- TypeScript --------------------------------------------------------------------------------
node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $@

src/catalog/generated/.stamp: node_modules/.installed prisma/schema.prisma prisma/postgresql/schema.prisma
	npx prisma generate --schema prisma/schema.prisma
	npx prisma generate --schema prisma/postgresql/schema.prisma
	touch $@

# The admin playground (GraphiQL bundled offline by vite), rebuilt when its sources change.
PLAYGROUND_SRC = src/playground/index.html src/playground/vite.config.ts \
  $(filter-out src/playground/serve.ts,$(wildcard src/playground/*.tsx src/playground/*.ts src/playground/*.css))
src/playground/dist/index.html: node_modules/.installed $(PLAYGROUND_SRC)
	npm run build:playground

install-node: node_modules/.installed src/catalog/generated/.stamp src/playground/dist/index.html

generate: install-node

# --- Python (the trainers) ---------------------------------------------------------------------
$(BIN)/python:
	$(PYTHON) -m venv $(VENV) || python3 -m venv $(VENV)

# The trainers live in jobs/trainers/ (distribution shopmind-trainers). A venv made before the move
# holds the old `shopmind` distribution, whose editable finder points at the old folder: remove it.
$(VENV)/.installed: $(BIN)/python jobs/trainers/pyproject.toml
	$(BIN)/pip uninstall --quiet --yes shopmind 2>/dev/null || true
	$(BIN)/pip install --quiet -e 'jobs/trainers[dev]'
	touch $@

install-py: $(VENV)/.installed

install: install-node install-py

demo: install redis
	./scripts/shopmind.mjs demo $(ARGS)

# Debian's redis-server, which the demo starts privately when no Redis answers at REDIS_URL.
# Skipped when REDIS_URL names a Redis of your own.
redis:
	@[ -n "$$REDIS_URL" ] || command -v redis-server >/dev/null 2>&1 || { \
	  echo "installing Debian's redis-server for the demo"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq redis-server \
	  || echo "could not install redis-server: the demo needs a Redis at REDIS_URL"; }

test: install browser test-ts test-py

test-ts: install-node
	npx vitest run

test-py: install-py
	cd jobs/trainers && $(abspath $(BIN))/python -m pytest

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
	cd jobs/trainers && $(abspath $(BIN))/ruff check src tests bench
	cd jobs/trainers && $(abspath $(BIN))/ruff format --check src tests bench

typecheck: install
	npx tsc --noEmit
	cd jobs/trainers && $(abspath $(BIN))/mypy

check: lint typecheck test

bench: install
	bash jobs/trainers/bench/ingest.sh

clean:
	rm -rf $(VENV) node_modules src/catalog/generated shopmind-workspace shopmind-demo-data shopmind-data test-artifacts .pytest_cache .mypy_cache .ruff_cache
