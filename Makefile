# The two commands of README: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
# The suite runs on the real services: PostgreSQL and Redis on loopback.
TEST_ENV := DEBUG=1 DATABASE_URL=$${TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/test} \
	REDIS_URL=$${TEST_REDIS_URL:-redis://127.0.0.1:6379/15} \
	MAILBOX_ALLOW_PRIVATE_HOSTS=1

.PHONY: run test venv messages

$(VENV)/.installed: requirements.txt requirements-test.txt
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install -q --upgrade pip
	$(VENV)/bin/pip install -q -r requirements-test.txt
	touch $@

venv: $(VENV)/.installed

messages: venv
	@command -v msgfmt >/dev/null || scripts/system-packages.sh
	DEBUG=1 $(PY) manage.py compilemessages --ignore=.venv --ignore=var -v 0

# Web + Celery worker + beat on the embedded defaults (SQLite, filesystem broker).
run: messages
	DEBUG=$${DEBUG:-1} $(PY) manage.py migrate --noinput
	@# honcho hands each process a PORT counted from -p: web gets $${PORT:-8000}.
	DEBUG=$${DEBUG:-1} $(VENV)/bin/honcho start -f Procfile -p $${PORT:-8000}

# Linters and layer contracts, then the whole suite, against real PostgreSQL,
# Redis, Dovecot, Postfix and Chromium.
test: messages
	scripts/system-packages.sh
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports
	$(VENV)/bin/mypy
	$(TEST_ENV) $(PY) manage.py makemigrations --check --dry-run
	$(TEST_ENV) $(PY) -m pytest $(PYTEST_ARGS)
