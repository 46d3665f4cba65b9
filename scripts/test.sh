#!/usr/bin/env bash
# The whole test suite, as CI runs it. Installs what the tests need that pip cannot (Chromium).
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python

# The browser test drives Debian's Chromium (never `playwright install`: browser downloads are blocked).
if [ ! -x /usr/bin/chromium ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "installing Debian chromium for the browser test…"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq && apt-get install -y -qq chromium >/dev/null
  else
    echo "warning: /usr/bin/chromium is missing and cannot be installed here; the browser test will skip" >&2
  fi
fi

$PY -m pytest -p no:cacheprovider "$@"
