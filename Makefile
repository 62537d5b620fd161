# Kỷ Cương. `make run` serves the demo city; `make test` runs every check CI runs.
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV := .venv
PY := $(VENV)/bin/python
MANAGE := $(PY) manage.py
# Tests run with production settings over plain HTTP and a throw-away key.
TEST_ENV := env DEBUG=false HTTPS=false ALLOWED_HOSTS=testserver,localhost,127.0.0.1 SECRET_KEY=test-$$(head -c 48 /dev/urandom | base64 | tr -d '\n/+=')
PYTEST_ARGS ?=
SCALE ?= city

.PHONY: help run test fuzz lint format messages clean bench screenshots

help:
	@echo "make run    set up, load the demo city and serve it on http://127.0.0.1:8000"
	@echo "make test   set up and run the linters, the migration check and the test suite"
	@echo "make fuzz   the property-based tests with new random examples, ten times as many (not in make test)"
	@echo "make format format the code with ruff"
	@echo "make messages  refresh and compile the Vietnamese and English catalogues"
	@echo "make bench [SCALE=city|province|national]  the benchmark suite on a scratch PostgreSQL database"
	@echo "make screenshots  the main screens, phone and desktop, into docs/screenshots/ (needs chromium)"

# The virtual environment with the production packages, from a Python 3.12 or newer: on PATH
# first, then pyenv's. `make run` needs nothing more.
$(VENV)/.installed: requirements.txt
	@if [ -x $(PY) ] && ! $(PY) -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null; then \
		echo "Removing $(VENV): it was made with a Python older than 3.12."; rm -rf $(VENV); fi
	@if [ ! -x $(PY) ]; then \
		python=""; \
		for candidate in python3.14 python3.13 python3.12 python3 \
			$$(ls -d $$HOME/.pyenv/versions/3.1[2-9]*/bin/python3 2>/dev/null | sort -rV); do \
			if "$$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 12))' >/dev/null 2>&1; then \
				python=$$(command -v "$$candidate"); break; fi; \
		done; \
		if [ -z "$$python" ]; then \
			echo "Kỷ Cương needs Python 3.12 or newer (Django 6 does not run on older ones)." >&2; \
			echo "Install python3.12 or python3.13 (e.g. 'pyenv install 3.13', or your system's package) and run make again." >&2; \
			exit 1; \
		fi; \
		echo "Creating $(VENV) with $$python ($$("$$python" --version))"; \
		"$$python" -m venv $(VENV); \
	fi
	$(PY) -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	@touch $@

# The test and lint packages on top, for every target but `make run` and `make messages`.
$(VENV)/.installed-dev: requirements-dev.txt $(VENV)/.installed
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	@touch $@

# A local .env for the demo: a fresh secret key, plain HTTP on this machine only.
.env: | $(VENV)/.installed
	@sed -e "s|^SECRET_KEY=.*|SECRET_KEY=$$($(PY) -c 'import secrets; print(secrets.token_urlsafe(50))')|" \
		-e "s|^ALLOWED_HOSTS=.*|ALLOWED_HOSTS=127.0.0.1,localhost|" \
		-e "s|^HTTPS=.*|HTTPS=false|" .env.example > .env
	@chmod 600 .env
	@echo "Wrote .env with a new secret key."

run: $(VENV)/.installed .env node_modules/.installed
	$(MANAGE) migrate --noinput
	$(MANAGE) collectstatic --noinput --verbosity 0
	$(MANAGE) seed_demo --if-empty
	@echo "Serving Kỷ Cương on http://127.0.0.1:8000 (Ctrl+C to stop)."
	$(VENV)/bin/gunicorn portal.wsgi --bind 127.0.0.1:8000 --workers 2 --access-logfile -

lint: $(VENV)/.installed-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: $(VENV)/.installed-dev
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

# htmx for the pages and jsqr for the e-card's QR (static files collected from
# node_modules), and axe-core for the browser tests' accessibility check, from
# package-lock.json (node_modules/ is never committed).
node_modules/.installed: package.json package-lock.json
	@if command -v npm >/dev/null; then \
		npm ci --no-audit --no-fund --loglevel=error && touch $@; \
	else \
		echo "npm is missing: the roll call works without htmx, a page load per tap; the" \
			"QR decoder (jsqr) is not collected; the browser tests that need axe-core will" \
			"say so and be skipped."; \
	fi

test: $(VENV)/.installed-dev lint node_modules/.installed
	$(TEST_ENV) $(MANAGE) makemigrations --check --dry-run
	$(TEST_ENV) $(PY) -m pytest $(PYTEST_ARGS)

# Not in `make test`: the property-based tests with new random examples, ten times as many.
fuzz: $(VENV)/.installed-dev
	HYPOTHESIS_PROFILE=fuzz $(TEST_ENV) $(PY) -m pytest tests/test_import_fuzz.py \
		tests/test_emulation_property.py $(PYTEST_ARGS)

messages: $(VENV)/.installed
	$(TEST_ENV) $(MANAGE) makemessages --locale vi --locale en --no-obsolete --no-location \
		--ignore '$(VENV)/*' --ignore 'var/*' --ignore 'tests/*'
	$(TEST_ENV) $(MANAGE) compilemessages --ignore '$(VENV)/*'

# Not a test: a scratch database next to DATABASE_URL's, filled, measured and dropped.
bench: $(VENV)/.installed-dev
	$(TEST_ENV) $(PY) bench/run.py --scale $(SCALE)

# Not a test: a scratch SQLite database with the demo city, served on a free port, photographed.
screenshots: $(VENV)/.installed-dev node_modules/.installed
	$(PY) docs/screenshots.py

clean:
	rm -rf $(VENV) node_modules var/static .pytest_cache .ruff_cache
