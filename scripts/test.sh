#!/usr/bin/env bash
# The whole test suite, as CI runs it. Installs what the tests need that pip cannot (Chromium, PostgreSQL).
#
# First ruff (lint errors fail the run before any test), then
# Pass 1: SQLite (the embedded default), every test including the browser test.
# Pass 2: the same suite on a real PostgreSQL server started here on a private socket in a temp dir
#         (the queue on it too: the ORM broker uses the default database); the browser test is skipped.
#         FOI_TEST_PASSES="sqlite" (or "postgres") runs one pass; a DATABASE_URL set by the caller is used
#         for pass 2 instead of a server started here.
# Extra arguments go to both pytest runs (default: -n 2, when pytest-xdist is installed).
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
ARGS=("$@")
if [ ${#ARGS[@]} -eq 0 ] && $PY -c "import xdist" 2>/dev/null; then
  ARGS=(-n 2)
fi

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

echo "== lint: ruff (pyflakes + bugbear, config in pyproject.toml)"
.venv/bin/ruff check .

PASSES=${FOI_TEST_PASSES:-sqlite postgres}
status=0
if [[ " $PASSES " == *" sqlite "* ]]; then
  started=$(date +%s)
  echo "== pass 1: SQLite"
  env -u DATABASE_URL $PY -m pytest -p no:cacheprovider "${ARGS[@]}" || status=$?
  echo "== pass 1 took $(( $(date +%s) - started )) s"
fi
if [[ " $PASSES " != *" postgres "* ]]; then
  exit $status
fi

pg_bindir() {
  ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1
}

if [ -z "${DATABASE_URL:-}" ]; then
  if [ -z "$(pg_bindir)" ]; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
      echo "installing Debian postgresql for the second pass…"
      export DEBIAN_FRONTEND=noninteractive
      apt-get update -qq && apt-get install -y -qq postgresql >/dev/null
    else
      echo "warning: PostgreSQL is not installed and cannot be installed here; skipping the PostgreSQL pass" >&2
      exit $status
    fi
  fi
  BIN=$(pg_bindir)
  PGTMP=$(mktemp -d /tmp/foi-pg.XXXXXX)
  PGPORT=${FOI_TEST_PG_PORT:-54329}
  as_pg=()
  if [ "$(id -u)" = 0 ]; then  # initdb refuses root: run the server as the postgres user
    chown postgres: "$PGTMP"
    as_pg=(runuser -u postgres --)
  fi
  PGUSER_NAME=$( [ "$(id -u)" = 0 ] && echo postgres || id -un )
  cleanup() {
    "${as_pg[@]}" "$BIN/pg_ctl" -D "$PGTMP/db" -m immediate stop >/dev/null 2>&1 || true
    rm -rf "$PGTMP"
  }
  trap cleanup EXIT
  "${as_pg[@]}" "$BIN/initdb" -D "$PGTMP/db" -A trust -U "$PGUSER_NAME" -E UTF8 --no-sync >/dev/null
  "${as_pg[@]}" "$BIN/pg_ctl" -D "$PGTMP/db" -l "$PGTMP/server.log" -w start \
    -o "-k $PGTMP -p $PGPORT -c listen_addresses='' -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" >/dev/null
  "${as_pg[@]}" "$BIN/createdb" -h "$PGTMP" -p "$PGPORT" -U "$PGUSER_NAME" foi_ledger
  export DATABASE_URL="postgres://$PGUSER_NAME@${PGTMP//\//%2F}:$PGPORT/foi_ledger"
fi

started=$(date +%s)
echo "== pass 2: PostgreSQL ($DATABASE_URL)"
$PY -m pytest -p no:cacheprovider -m "not browser" "${ARGS[@]}" || status=$?
echo "== pass 2 took $(( $(date +%s) - started )) s"
exit $status
