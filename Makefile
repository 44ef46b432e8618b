# channelops — `make run` runs the product, `make test` runs the checks (ruff, the import layers,
# mypy) and the whole test suite.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
STAMP := $(VENV)/.installed-$(shell cat requirements.lock pyproject.toml | cksum | cut -d' ' -f1)
PYTEST_WORKERS ?= auto

.PHONY: run test lint bench install clean test-postgres test-redis test-browser test-clock vendor messages

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip

$(STAMP): $(PY) requirements.lock pyproject.toml
	$(PIP) install --quiet -c requirements.lock -e '.[dev]'
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

install: $(STAMP)

run: install
	CHANNELOPS_DEMO=$${CHANNELOPS_DEMO:-true} $(VENV)/bin/channelops run

test: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports
	$(VENV)/bin/mypy channelops
	$(VENV)/bin/pytest -n $(PYTEST_WORKERS) -q

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports
	$(VENV)/bin/mypy channelops

# Against the real PostgreSQL server (see DESIGN.md §6); used by .ci/run.
test-postgres: install
	DATABASE_URL=$${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/test} $(VENV)/bin/pytest -n $(PYTEST_WORKERS) -q -m "not browser"

# The suite with every test starting at 23:59:30 UTC on 31 December, its clock running on across
# midnight and the new year (docs/architecture.md, Tests); used by .ci/run.
TEST_CLOCK ?= 2026-12-31T23:59:30Z
test-clock: install
	CHANNELOPS_TEST_CLOCK=$(TEST_CLOCK) $(VENV)/bin/pytest -n $(PYTEST_WORKERS) -q -m "not browser"

# The task-backend tests against the real Redis server; used by .ci/run.
test-redis: install
	REDIS_TEST_URL=$${REDIS_TEST_URL:-redis://127.0.0.1:6379/0} $(VENV)/bin/pytest -q -m redis

# Browser tests only, failing (not skipping) when Chromium is missing; used by .ci/run.
test-browser: install
	CHANNELOPS_REQUIRE_BROWSER=1 $(VENV)/bin/pytest -q -m browser

# The UI kit (Tabler, htmx, Chart.js, Tabler icons) from the npm registry into channelops/static/vendor,
# checked against the registry's sha512 and recorded in vendor.lock.json (docs/dependencies.md).
# The files are committed: nothing is fetched when the product runs.
vendor: $(PY)
	$(PY) scripts/vendor.py

# The translation catalogs (docs/i18n.md): collect the marked strings into channelops/locale/*/django.po,
# then, once translated, compile the .mo files. Both are committed: `make run` needs no gettext.
MAKEMESSAGES_FLAGS := --add-location=file --no-obsolete -i tests -i bench -i scripts -i docs -i var -i '*.egg-info'
messages: install
	$(PY) manage.py makemessages -l de $(MAKEMESSAGES_FLAGS)
	$(PY) manage.py compilemessages -l de --ignore .venv

bench: install
	$(PY) bench/run.py
	$(PY) bench/reviews.py
	$(PY) bench/digests.py
	$(PY) bench/licenses.py
	$(PY) bench/practitioners.py
	$(PY) bench/badges.py
	$(PY) bench/webhooks.py
	$(PY) bench/crm.py
	$(PY) bench/inbound.py
	$(PY) bench/faq.py
	$(PY) bench/assets.py
	$(PY) bench/mdf.py
	$(PY) bench/communications_send.py

clean:
	rm -rf var/ $(VENV)
