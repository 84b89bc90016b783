# Meeting of the Minds: the two commands a newcomer needs.
#   make run   — install into .venv, migrate, seed the demo company, start web + worker + beat
#                (PORT=8080 to serve on another port)
#   make test  — install the test extra and run the whole test suite
PYTHON ?= python3
PORT ?= 8000
VENV := .venv
BIN := $(VENV)/bin
export DJANGO_SETTINGS_MODULE := alignment.conf.settings

.PHONY: run test bench load lint clean

$(BIN)/python:
	$(PYTHON) -c 'import sys; sys.exit("Python 3.11 or newer is required.") if sys.version_info < (3, 11) else None'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $@ $(VENV)/.installed

# honcho gives the first process (web) the port given by -p; links in emails (rendered
# by the seed too) follow it unless SITE_URL says otherwise.
run: $(VENV)/.installed
	export DJANGO_DEBUG=$${DJANGO_DEBUG:-1} SITE_URL=$${SITE_URL:-http://127.0.0.1:$(PORT)}; \
	$(BIN)/python manage.py migrate --noinput && \
	$(BIN)/python manage.py seed_demo --if-empty && \
	echo "Open http://127.0.0.1:$(PORT) — Ctrl-C stops web, worker and beat." && \
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/honcho start -p $(PORT)

# ical.js (tests/js), the second reader of our invites; its test skips without npm.
tests/js/node_modules/.installed: tests/js/package.json tests/js/package-lock.json
	npm install --prefix tests/js --no-audit --no-fund --silent
	touch $@

# oidc-provider (tests/oidc), the real OpenID provider the single sign-on tests log in at.
tests/oidc/node_modules/.installed: tests/oidc/package.json tests/oidc/package-lock.json
	npm install --prefix tests/oidc --no-audit --no-fund --silent
	touch $@

test: $(VENV)/.installed-test
	if command -v npm >/dev/null; then $(MAKE) --no-print-directory tests/js/node_modules/.installed tests/oidc/node_modules/.installed; fi
	$(BIN)/python -m pytest $(PYTEST_ARGS)

bench: $(VENV)/.installed-test
	DJANGO_DEBUG=1 $(BIN)/python manage.py bench $(BENCH_ARGS)

# 30 simulated people for 60 s against gunicorn + PostgreSQL + Redis + two Celery workers on
# loopback at 10x the demo (LOAD_ARGS="--users 30 --seconds 60 --scale 10").
$(VENV)/.installed-load: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[test,load]"
	touch $@ $(VENV)/.installed-test $(VENV)/.installed

load: $(VENV)/.installed-load
	DJANGO_DEBUG=1 $(BIN)/python manage.py load $(LOAD_ARGS)

lint: $(VENV)/.installed-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

clean:
	rm -rf $(VENV) var
