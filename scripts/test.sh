#!/usr/bin/env bash
# `make test`: lint, then the whole suite on PostgreSQL and Redis. The PostgreSQL at DATABASE_URL
# (default 127.0.0.1:5432) when it answers; when none does, the embedded server under
# var/postgres (started here, stopped at the end). Redis and Chromium: scripts/ensure_services.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
export DATABASE_URL="${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/cosell}"
export REDIS_URL="${REDIS_URL:-redis://127.0.0.1:6379/0}"

pg_answers() {
  "$PY" - "$DATABASE_URL" <<'PYEOF' >/dev/null 2>&1
import sys, dj_database_url, psycopg
db = dj_database_url.parse(sys.argv[1])
psycopg.connect(host=db["HOST"] or None, port=db["PORT"] or None, user=db["USER"] or None,
                password=db["PASSWORD"] or None, dbname="postgres", connect_timeout=3).close()
PYEOF
}

if [ -z "${COSELL_TEST_EMBEDDED:-}" ] && ! pg_answers; then
  echo "No PostgreSQL answers at $DATABASE_URL: running the suite on the embedded server (var/postgres)."
  export COSELL_TEST_EMBEDDED=1
  unset DATABASE_URL
  exec "$PY" -m cosell.embedded_db run -- "$0" "$@"
fi
scripts/ensure_services.sh
"$PY" scripts/partner_center_connector.py
"$PY" -m ruff check .
"$PY" -m ruff format --check .
# Types of every app's services, selectors and rules ([tool.mypy] in pyproject.toml).
"$PY" -m mypy
# The import layering ([tool.importlinter] in pyproject.toml): pages and CSV never import the
# API layer, selectors never import services.
"$(dirname "$PY")/lint-imports"
# Three workers by default, tests handed out one by one (worksteal). On the quiet 2-core machine
# the whole suite (996 tests) took 7 min 50 s; with other work on the machine, 13-14 min. Each
# worker has its own test database.
exec "$PY" -m pytest --numprocesses "${COSELL_TEST_WORKERS:-3}" --dist "${COSELL_TEST_DIST:-worksteal}" "$@"
