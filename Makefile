# Two commands for a fresh machine: `make demo` and `make test`.
PYTHON ?= python3.11
VENV   ?= .venv
BIN     = $(VENV)/bin
ARGS   ?=

.PHONY: demo test lint typecheck check bench install browser clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV) || python3 -m venv $(VENV)

$(VENV)/.installed: $(BIN)/python pyproject.toml
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

install: $(VENV)/.installed

demo: install
	$(BIN)/shopmind demo $(ARGS)

test: install browser
	$(BIN)/python -m pytest

# Debian's Chromium for the dashboard's browser tests (Playwright drives it; it never
# downloads a browser). Without it those tests are skipped, and say so.
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "installing Debian's chromium and chromium-driver for the browser tests"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium chromium-driver \
	  || echo "could not install chromium: the browser tests will be skipped"; }

lint: install
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench

typecheck: install
	$(BIN)/mypy

check: lint typecheck test

bench: install
	bash bench/ingest.sh

clean:
	rm -rf $(VENV) shopmind-workspace shopmind-demo-data test-artifacts .pytest_cache .mypy_cache .ruff_cache
