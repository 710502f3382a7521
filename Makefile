# The index of commands. `make run` on a fresh clone installs, migrates, loads demo data and serves.

PORT ?= 8000
PYTEST_ARGS ?=

VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.install-stamp
# npm ci rewrites this hidden lockfile, so its age tells whether node_modules matches package-lock.json.
NODE_STAMP := node_modules/.package-lock.json

.DEFAULT_GOAL := help
.PHONY: help install run demo migrate test worker beat bench lint fmt messages

help:
	@echo "make install   create .venv, install Python and npm packages (only what changed)"
	@echo "make run       install, migrate, load demo data, serve on http://127.0.0.1:$(PORT)/"
	@echo "make demo      install, migrate, load demo data"
	@echo "make migrate   apply database migrations"
	@echo "make test      run the test suite (PYTEST_ARGS='-k login' to narrow)"
	@echo "make worker    run a Celery worker (needs REDIS_URL)"
	@echo "make beat      run Celery beat (needs REDIS_URL)"
	@echo "make bench     run every bench/*.py"
	@echo "make lint      ruff check, ruff format --check, makemigrations --check"
	@echo "make fmt       ruff check --fix, ruff format"
	@echo "make messages  update and compile the English catalogue (locale/en) after changing UI text"

install: $(STAMP) $(NODE_STAMP)

$(PY):
	python3 -m venv $(VENV)

$(STAMP): $(wildcard requirements*.txt) | $(PY)
	$(PY) -m pip install --disable-pip-version-check -r requirements-dev.txt
	touch $@

$(NODE_STAMP): package-lock.json
	npm ci --no-audit --no-fund
	sh scripts/vendor_assets.sh
	touch $@

migrate: install
	$(PY) manage.py migrate --noinput

demo: migrate
	$(PY) manage.py load_demo
	$(PY) manage.py recompute

run: demo
	$(PY) manage.py runserver 127.0.0.1:$(PORT)

test: install
	$(VENV)/bin/pytest $(PYTEST_ARGS)

worker: install
	$(VENV)/bin/celery -A config worker -l info

beat: install
	$(VENV)/bin/celery -A config beat -l info

bench: install
	@scripts="$$(ls bench/*.py 2>/dev/null | grep -v '/_' || true)"; \
	if [ -z "$$scripts" ]; then echo "No benchmarks yet: add bench/<name>.py scripts that print figures."; exit 0; fi; \
	for script in $$scripts; do \
		echo "== $$script"; \
		PYTHONPATH="$(CURDIR)" DJANGO_SETTINGS_MODULE=config.settings $(PY) $$script || exit $$?; \
	done

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(PY) manage.py makemigrations --check --dry-run

fmt: install
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

# Needs GNU gettext (xgettext, msgmerge, msgfmt). The compiled .mo is committed, so running the app does not.
I18N_IGNORE := --ignore=.venv --ignore=node_modules --ignore=test-artifacts --ignore=bench --ignore=tests

messages: install
	$(PY) manage.py makemessages -l en $(I18N_IGNORE)
	$(PY) manage.py compilemessages $(I18N_IGNORE)
