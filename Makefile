# The index of commands. `make run` on a fresh clone installs, migrates, loads demo data and serves.

PORT ?= 8000
PYTEST_ARGS ?=

VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.install-stamp
# npm ci rewrites this hidden lockfile, so its age tells whether node_modules matches package-lock.json.
NODE_STAMP := node_modules/.package-lock.json

.DEFAULT_GOAL := help
.PHONY: help install run demo migrate test schemathesis worker beat bench lint fmt messages

help:
	@echo "make install   create .venv, install Python and npm packages (only what changed)"
	@echo "make run       install, migrate, load demo data, serve on http://127.0.0.1:$(PORT)/"
	@echo "make demo      install, migrate, load demo data"
	@echo "make migrate   apply database migrations"
	@echo "make test      run the test suite (PYTEST_ARGS='-k login' to narrow)"
	@echo "make schemathesis  fuzz the REST API against its OpenAPI schema on a throwaway demo server"
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

# The REST API fuzzed against its own OpenAPI schema: a throwaway SQLite demo database (DEBUG on, no Redis, so
# Celery runs in-process), a district staff token, runserver on a free port, then schemathesis. Fails on any
# server error or response that breaks the schema. The two input-strictness checks are left out: the API
# rejects schema-valid data its rules forbid (an unknown school code, a grade without a year) and, like DRF,
# reads "5" as 5. DELETE is left out: it would revoke the token in use. SCHEMATHESIS_EXAMPLES per operation.
SCHEMATHESIS_EXAMPLES ?= 10
SCHEMATHESIS_SEED ?= 1

schemathesis: install
	@set -e; work=$$(mktemp -d); server=; \
	trap '[ -z "$$server" ] || kill $$server 2>/dev/null; rm -rf "$$work"' EXIT; \
	export DEBUG=true DATABASE_URL="sqlite:///$$work/db.sqlite3" MEDIA_ROOT="$$work/media" REDIS_URL= \
		CELERY_BROKER_URL= CELERY_RESULT_BACKEND= API_THROTTLE_ANON=100000/minute \
		API_THROTTLE_USER=100000/minute API_THROTTLE_AUTH=100000/minute; \
	$(PY) manage.py migrate --noinput -v0; \
	$(PY) manage.py load_demo; \
	$(PY) manage.py recompute -v0; \
	token=$$($(PY) manage.py api_token district --name schemathesis); \
	port=$$($(PY) -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'); \
	$(PY) manage.py runserver "127.0.0.1:$$port" --noreload >"$$work/server.log" 2>&1 & server=$$!; \
	status=0; $(VENV)/bin/schemathesis run "http://127.0.0.1:$$port/api/schema/" --wait-for-schema 60 \
		--header "Authorization: Token $$token" --checks all \
		--exclude-checks positive_data_acceptance,negative_data_rejection --exclude-method DELETE \
		--max-examples $(SCHEMATHESIS_EXAMPLES) --seed $(SCHEMATHESIS_SEED) --generation-database none \
		--no-color || status=$$?; \
	if grep -q "Internal Server Error" "$$work/server.log"; then \
		echo "The server logged errors:"; grep -A 30 "Internal Server Error" "$$work/server.log" | head -120; status=1; \
	fi; \
	exit $$status

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
