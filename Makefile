# The two commands of the README: `make run` and `make test`.
PYTHON ?= python3.11
VENV   ?= .venv
PY     := $(VENV)/bin/python
FLASK  := $(VENV)/bin/flask --app wsgi
STAMP  := $(VENV)/.installed

.PHONY: run test test-sqlite test-postgres lint format clean-venv web scheduler

$(STAMP): requirements.txt requirements-dev.txt
	@command -v $(PYTHON) >/dev/null || { echo "需要 Python 3.11（找不到 $(PYTHON)）"; exit 1; }
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $(STAMP)

## make run: create the environment, migrate, load demo data into an empty database, start web + scheduler.
run: $(STAMP)
	$(FLASK) db upgrade
	$(FLASK) setup
	$(FLASK) demo load-if-empty
	@scripts/run-dev.sh "$(VENV)"

## make test: lint, the whole suite on SQLite (with browser tests), then on PostgreSQL.
test: $(STAMP) lint test-sqlite test-postgres

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

# Whole files per worker (--dist loadfile) so that module fixtures (the demo town) are built once. The browser
# tests run after, in one process: one live server, one Chromium (xdist 3.8's loadgroup cannot group them under
# pytest 9.2, whose nodeids it can no longer rename).
test-sqlite: $(STAMP)
	@echo "== test suite on SQLite =="
	$(PY) -m pytest -n 2 --dist loadfile -q -m "not browser"
	@echo "== browser tests (Chromium) on SQLite =="
	$(PY) -m pytest -q -m browser

test-postgres: $(STAMP)
	@echo "== test suite on PostgreSQL =="
	@if ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then \
	  scripts/with-postgres.sh $(PY) -m pytest -n 2 --dist loadfile -q -m "not browser"; \
	elif [ "$$CI" = "true" ]; then \
	  echo "CI: PostgreSQL is required (apt-get install postgresql)"; exit 1; \
	else \
	  echo "PostgreSQL server not installed: PostgreSQL run left out (CI always runs it)."; \
	fi

format: $(STAMP)
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

clean-venv:
	rm -rf $(VENV)
