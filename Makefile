# The two commands of the README: `make run` and `make test`. Everything else is a helper.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app wsgi
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: run test install install-test lint format translations bench clean check-migrations

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed-app: setup.cfg pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: setup.cfg pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@ $(VENV)/.installed-app

install: $(VENV)/.installed-app
install-test: $(VENV)/.installed-test

## make run: set up, migrate the SQLite database in instance/, load demo data once, serve
## with the worker beside the web server (mail lands in instance/mail/). Ctrl-C stops both.
# QR codes and mail link to the address served (unless REGISTRY_PUBLIC_URL says otherwise).
run: export REGISTRY_PUBLIC_URL ?= http://$(HOST):$(PORT)
run: install
	$(FLASK) db upgrade
	$(FLASK) registry seed-demo --if-empty
	@echo "Serving on http://$(HOST):$(PORT), with the worker"
	@$(FLASK) registry worker & worker=$$!; \
	trap 'kill -INT $$worker 2>/dev/null; wait $$worker' EXIT INT TERM; \
	$(FLASK) run --host $(HOST) --port $(PORT)

## make check-migrations: do the models and the migrations agree? `flask db check` compares
## the models with a database at the newest revision, so a fresh clone (no database yet)
## gets one, migrated in a temporary folder, instead of "Target database is not up to date".
check-migrations: install
	@tmp=$$(mktemp -d); trap 'rm -rf $$tmp' EXIT; \
	export REGISTRY_DATABASE_URL=sqlite:///$$tmp/check.sqlite3; \
	$(FLASK) db upgrade >$$tmp/upgrade.log 2>&1 || { cat $$tmp/upgrade.log; exit 1; }; \
	$(FLASK) db check

## make test: set up with the test extra, lint, run the whole suite.
## Set REGISTRY_TEST_DATABASE_URL to run it on PostgreSQL as well as SQLite.
## The browser tests (tests/browser) mostly wait on Chromium and gunicorn, so they run in a
## second pytest beside the rest; their report is printed after the rest's.
test: install-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	@tmp=$$(mktemp -d); \
	$(BIN)/pytest tests/browser --basetemp=$$tmp/basetemp >$$tmp/browser.log 2>&1 & browser=$$!; \
	$(BIN)/pytest -n 2 --ignore=tests/browser; rest=$$?; \
	wait $$browser; status=$$?; \
	echo; echo "=== browser tests (tests/browser) ==="; cat $$tmp/browser.log; rm -rf $$tmp; \
	[ $$rest -eq 0 ] && [ $$status -eq 0 ]

lint: install-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install-test
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

## Re-extract messages, merge them into the catalogues, compile.
translations: install
	$(BIN)/pybabel extract -F babel.cfg -k _l -o registry/translations/messages.pot .
	$(BIN)/pybabel update -i registry/translations/messages.pot -d registry/translations --no-fuzzy-matching
	$(BIN)/pybabel compile -d registry/translations

bench: install-test
	@if [ -d benchmarks ] && ls benchmarks/*.py >/dev/null 2>&1; then \
		for b in benchmarks/bench_*.py; do $(BIN)/python $$b || exit 1; done; \
	else echo "no benchmarks yet"; fi

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .ruff_cache
