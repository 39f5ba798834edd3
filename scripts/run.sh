#!/usr/bin/env bash
# `make run`: the portal with demo data. Without DATABASE_URL it runs on the embedded PostgreSQL
# server under var/postgres (started or reused here, stopped when this ends); with DATABASE_URL
# it uses that database and starts no server. Then: migrate, seed, and web + worker + beat under
# honcho. One Ctrl-C stops all of it.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
if [ -z "${DATABASE_URL:-}" ]; then
  echo "Starting the embedded PostgreSQL server (data in ${COSELL_VAR_DIR:-var}/postgres)."
  exec "$PY" -m cosell.embedded_db run -- "$0"
fi
export BIND="${BIND:-127.0.0.1:8000}"
"$PY" manage.py migrate --noinput
"$PY" manage.py seed_demo
address=$("$PY" -c 'import sys; from cosell.settings import _address_of; print(_address_of(sys.argv[1]))' "$BIND")
echo
echo "Cosell on ${address}/ (bound to ${BIND}): web, worker and beat. Ctrl-C stops everything."
echo
exec .venv/bin/honcho --procfile Procfile start
