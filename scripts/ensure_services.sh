#!/usr/bin/env bash
# Make Redis and Chromium available for the test suite (PostgreSQL: scripts/test.sh uses the one
# at DATABASE_URL or the embedded server): start Redis when installed but not answering; install
# what is missing from Debian's packages when run as root; otherwise stop with what to install.
# Reads REDIS_URL.
set -euo pipefail
PY=.venv/bin/python
REDIS_URL="${REDIS_URL:-redis://127.0.0.1:6379/0}"
is_root() { [ "$(id -u)" = 0 ]; }
apt_updated=""
apt_install() {
  if ! is_root || ! command -v apt-get >/dev/null; then
    echo "Missing: $*. Install it (Debian: apt-get install $*) or run 'make test' as root." >&2
    exit 1
  fi
  [ -n "$apt_updated" ] || { apt-get update -q; apt_updated=1; }
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$@"
}
wait_for() { # name, probe command...
  local name=$1; shift
  for _ in $(seq 1 30); do "$@" >/dev/null 2>&1 && return 0; sleep 1; done
  echo "$name does not answer after starting it." >&2
  exit 1
}

redis_probe() { "$PY" -c "import redis,sys; redis.Redis.from_url(sys.argv[1], socket_connect_timeout=2).ping()" "$REDIS_URL"; }

if ! redis_probe >/dev/null 2>&1; then
  if ! command -v redis-server >/dev/null; then
    echo "Redis is not installed; installing it from Debian's packages."
    apt_install redis-server
  fi
  echo "Starting Redis."
  mkdir -p /var/lib/redis /var/log/redis 2>/dev/null || true
  redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
    --dir /var/lib/redis --logfile /var/log/redis/cosell-test.log \
    || redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no
  wait_for Redis redis_probe
fi

if [ ! -x /usr/bin/chromium ]; then
  echo "Chromium is not installed; installing it from Debian's packages (browser tests)."
  apt_install chromium
fi

# Chinese glyphs in the browser screenshots (the tests read text, so this one is best effort).
if command -v fc-list >/dev/null && [ -z "$(fc-list :lang=zh 2>/dev/null | head -1)" ] && is_root; then
  apt_install fonts-noto-cjk || echo "Could not install fonts-noto-cjk: Chinese screenshots show boxes."
fi

if ! command -v msgfmt >/dev/null; then
  echo "gettext is not installed; installing it (the translation tests extract strings with it)."
  apt_install gettext
fi
echo "Redis and Chromium are ready."
