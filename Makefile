# Headway — the two commands: `make run` and `make test`.
SHELL := /bin/bash
UV ?= uv
HEADWAY_DATA_DIR ?= $(CURDIR)/var
export HEADWAY_DATA_DIR
HOST ?= 127.0.0.1
PORT ?= 8000
PG_URL ?= postgres://postgres@127.0.0.1:5432/test

.PHONY: browser run test lint typecheck migrations-check test-sqlite test-postgres coverage bench install uv

uv:
	@command -v $(UV) >/dev/null 2>&1 || python3 -m pip install --quiet uv

install: uv
	$(UV) sync --locked

run: install
	$(UV) run headway migrate
	$(UV) run headway demo --if-empty
	$(UV) run headway serve --host $(HOST) --port $(PORT) --with-worker

lint: install
	$(UV) run ruff check src tests bench
	$(UV) run ruff format --check src tests bench

typecheck: install
	$(UV) run mypy

migrations-check: install
	HEADWAY_DATA_DIR=$$(mktemp -d) $(UV) run python manage.py makemigrations --check --dry-run

# Browser tests drive Debian's Chromium (Playwright cannot download its own browser here); the
# report tests turn PDF pages into images with poppler's pdftoppm and count them with pdfinfo;
# WeasyPrint subsets fonts with HarfBuzz when libharfbuzz-subset0 is there (fontTools, 3x slower,
# when it is not).
browser:
	@{ test -x /usr/bin/chromium -a -x /usr/bin/pdftoppm && /sbin/ldconfig -p | grep -q libharfbuzz-subset; } || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium poppler-utils libharfbuzz-subset0; }

# Each run keeps its own data folder, so the two can run side by side (see `test`).
test-sqlite: install browser
	env -u DATABASE_URL HEADWAY_DATA_DIR=$(CURDIR)/var/test-sqlite $(UV) run pytest -p no:cacheprovider $(PYTEST_ARGS)

# Runs only when DATABASE_URL names a PostgreSQL database (see README).
test-postgres: install
	@if [[ "$${DATABASE_URL:-}" == postgres* ]]; then \
		HEADWAY_DATA_DIR=$(CURDIR)/var/test-postgres $(UV) run pytest -p no:cacheprovider -m "not browser" $(PYTEST_ARGS); \
	else \
		echo "DATABASE_URL is not a PostgreSQL URL: skipping the PostgreSQL run (try DATABASE_URL=$(PG_URL) make test)"; \
	fi

# The SQLite and PostgreSQL runs go side by side (one per core); each one's output is printed
# whole when it ends, and either failing fails the target.
test: lint typecheck migrations-check install browser
	@$(MAKE) --no-print-directory -j2 --output-sync=target test-sqlite test-postgres

# Coverage of the pure core by its own tests (the figure quoted in closing notes).
coverage: install
	$(UV) run pytest tests/core -q --cov=headway.core --cov-report=term

bench: install
	$(UV) run python -m bench
