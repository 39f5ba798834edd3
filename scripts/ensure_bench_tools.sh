#!/usr/bin/env bash
# What `make bench` needs beyond the test suite's services: wrk (the HTTP load generator of the
# concurrency scenarios). Installed from Debian's packages when missing and run as root; otherwise
# the bench says so and falls back to a threaded Python client (its rows name the tool used).
set -euo pipefail
if command -v wrk >/dev/null; then
  exit 0
fi
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "wrk is not installed; installing it from Debian's packages (bench concurrency scenarios)."
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q wrk \
    || { apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q wrk; }
else
  echo "wrk is not installed (Debian: apt-get install wrk); the bench falls back to Python threads." >&2
fi
