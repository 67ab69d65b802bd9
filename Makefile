# Servewell — `make run` to try it, `make test` to check it, `make bench` to measure it.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell sha1sum pyproject.toml | cut -c1-12)
HOST   ?= 127.0.0.1
PORT   ?= 8000
SUDO   := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
# Two test processes: the suite is long and CI has two cores (override: PYTEST_ARGS=).
PYTEST_ARGS ?= -n 2

.PHONY: setup run test test-pg lint format bench browser migrate demo clean

$(STAMP): pyproject.toml
	@echo "==> Creating the virtual environment and installing Servewell"
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	@rm -f $(VENV)/.installed-*
	@touch $(STAMP)

setup: $(STAMP)

migrate: setup
	$(BIN)/servewell migrate --noinput

demo: migrate
	EMAIL_BACKEND=$${EMAIL_BACKEND:-django.core.mail.backends.filebased.EmailBackend} \
	  $(BIN)/servewell demo

## run: set everything up, load the demo organisation and serve on http://$(HOST):$(PORT)/
# Without EMAIL_HOST configured, outgoing mail is written to var/sent-mail/ to read.
run: demo
	DEBUG=1 EMAIL_BACKEND=$${EMAIL_BACKEND:-django.core.mail.backends.filebased.EmailBackend} \
	  $(BIN)/servewell run --host $(HOST) --port $(PORT)

## browser: Debian's Chromium (driven by Playwright) and Dovecot (a real IMAP server) for tests
# Pango: WeasyPrint's text layout, for the academy's course book PDF.
browser:
	@missing=""; \
	command -v chromium >/dev/null 2>&1 || missing="$$missing chromium"; \
	[ -x /usr/sbin/dovecot ] && [ -e /usr/lib/dovecot/imap ] || missing="$$missing dovecot-imapd"; \
	for pkg in libpango-1.0-0 libpangoft2-1.0-0; do dpkg -s $$pkg >/dev/null 2>&1 || missing="$$missing $$pkg"; done; \
	if [ -n "$$missing" ]; then \
	  echo "==> Installing Debian packages for the tests:$$missing"; \
	  $(SUDO) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing >/dev/null; \
	fi

lint: setup
	$(BIN)/ruff check src tests
	$(BIN)/ruff format --check src tests
	$(BIN)/lint-imports

format: setup
	$(BIN)/ruff format src tests
	$(BIN)/ruff check --fix src tests

## test: lint, then the whole suite on SQLite (PostgreSQL/Redis tests skip when absent)
test: setup browser lint
	$(BIN)/servewell makemigrations --check --dry-run >/dev/null
	$(BIN)/pytest $(PYTEST_ARGS)

## test-pg: the same suite against PostgreSQL (DATABASE_URL, default: local `test` database)
test-pg: setup browser
	DATABASE_URL=$${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/test} $(BIN)/pytest $(PYTEST_ARGS)

## bench: print the benchmark figures as JSON lines (SCALE=tiny|small|large, ONLY=group)
bench: setup
	$(BIN)/servewell bench --scale $${SCALE:-small} $${ONLY:+--only $$ONLY}

clean:
	rm -rf $(VENV) var build *.egg-info
