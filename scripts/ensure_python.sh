#!/usr/bin/env bash
# Make sure Python 3.11 can create a virtualenv (Debian ships venv separately).
set -euo pipefail
python="${1:-python3}"
if [ -z "$python" ] || ! command -v "$python" >/dev/null; then
  echo "Python 3.11 is needed: install it (Debian: apt-get install python3 python3-venv)." >&2
  exit 1
fi
version=$("$python" -c 'import sys; print("%d.%d" % sys.version_info[:2])')
if [ "$version" != "3.11" ]; then
  echo "Cosell needs Python 3.11; $python is $version. Set PYTHON=/path/to/python3.11." >&2
  exit 1
fi
if ! "$python" -c 'import ensurepip, venv' >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    apt-get update -q && apt-get install -y -q python3-venv
  else
    echo "Python's venv module is missing: apt-get install python3-venv (as root)." >&2
    exit 1
  fi
fi
