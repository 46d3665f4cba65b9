#!/usr/bin/env bash
# The whole test suite, as CI runs it. Installs what the tests need that pip cannot (Chromium).
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
$PY -m pytest -p no:cacheprovider "$@"
