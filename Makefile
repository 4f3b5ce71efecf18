# Identity Pools: `make run` serves the console, `make test` runs every check.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.12 >/dev/null 2>&1 && echo python3.12 || echo python3)
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
# Links in messages are built from PUBLIC_URL; by default, the address make run
# serves, with a host name (browsers refuse IP addresses for passkeys).
PUBLIC_URL ?= http://localhost:$(PORT)
CHROMIUM_PATH ?= /usr/bin/chromium
export CHROMIUM_PATH

.PHONY: run test install install-dev browser lint fmt migrate bench clean

# requirements.lock: what production runs; requirements-dev.lock: that plus the
# test and lint tools (both pinned with hashes, compiled from pyproject.toml).
install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

$(VENV)/bin/python:
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 12))' || \
		{ echo "Python 3.12 or newer is needed (found: $$($(PYTHON) --version))."; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip

$(VENV)/.installed: requirements.lock | $(VENV)/bin/python
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --require-hashes -r requirements.lock
	touch $@

$(VENV)/.installed-dev: requirements.lock requirements-dev.lock | $(VENV)/bin/python
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --require-hashes -r requirements-dev.lock
	touch $(VENV)/.installed $@

migrate: install
	$(BIN)/python manage.py migrate --noinput

# bootstrap_demo prints the console's address (on PUBLIC_URL), the demo
# operator's credentials and where mail and SMS to users go.
run: migrate
	PUBLIC_URL=$(PUBLIC_URL) $(BIN)/python manage.py bootstrap_demo
	PUBLIC_URL=$(PUBLIC_URL) $(BIN)/python manage.py runserver $(HOST):$(PORT)

# Installs Debian's Chromium for the browser tests when it is missing and we can
# (root with apt-get). Without it the browser tests skip with a notice, except
# under CI=true, where they fail.
browser:
	@if [ ! -x "$(CHROMIUM_PATH)" ] && [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		echo "Installing Debian's chromium for the browser tests..."; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	fi
	@[ -x "$(CHROMIUM_PATH)" ] || echo "NOTICE: no Chromium at $(CHROMIUM_PATH): browser tests will be skipped."

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports --no-logo --no-cache

fmt: install-dev
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

test: install-dev browser lint
	$(BIN)/python manage.py makemigrations --check --dry-run
	$(BIN)/python -m pytest -n 2 $(PYTEST_ARGS)

bench: install-dev
	$(BIN)/python bench/run.py $(BENCH_ARGS)

clean:
	rm -rf $(VENV) .pytest_cache
