# FOI Ledger: two commands for users (see README.md).
#   make run   set up everything, import the bundled fixture reports, serve the review admin
#   make test  set up everything and run the whole test suite
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)

.PHONY: setup run extract-fixtures test test-fast bench bench-import clean

$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	@rm -f $(VENV)/.installed-*
	@touch $(STAMP)

setup: $(STAMP)

# Serves the review admin on 127.0.0.1:$FOI_PORT (8000); bootstrap prints the login (FOI_ADMIN_USER /
# FOI_ADMIN_PASSWORD, else a generated password kept in $FOI_DATA_DIR/admin-login.txt).
run: setup
	@mkdir -p "$${FOI_DATA_DIR:-data}"
	$(PY) manage.py migrate --noinput
	$(PY) manage.py bootstrap
	$(PY) manage.py runserver 127.0.0.1:$${FOI_PORT:-8000} --noreload --insecure

extract-fixtures: setup
	$(PY) manage.py extract --json fixtures/seeds/*.txt fixtures/real/*.pdf fixtures/real/*.txt

test: setup
	bash scripts/test.sh

bench: setup
	$(PY) benchmarks/run.py

bench-import: setup
	$(PY) benchmarks/import_bench.py

clean:
	rm -rf $(VENV) data .pytest_cache
