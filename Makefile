# Two commands set up everything on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
PG_DIR ?= /tmp/fairfollow-pg
PG_PORT ?= 55432

.PHONY: demo test test-fast bench lint venv clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

venv: $(STAMP)

demo: $(STAMP)
	$(BIN)/fairfollow --workspace ./fairfollow-data demo

# The suite runs ledger tests on SQLite and on a private PostgreSQL server started here;
# without PostgreSQL it fails rather than pass on half the backends.
test: $(STAMP)
	@bash scripts/pg.sh start $(PG_DIR) $(PG_PORT) || { echo "make test needs PostgreSQL (apt-get install postgresql)"; exit 1; }
	FAIRFOLLOW_TEST_PG_URL=postgresql+psycopg://postgres@127.0.0.1:$(PG_PORT)/postgres \
		$(BIN)/pytest -n 2 -q; rc=$$?; bash scripts/pg.sh stop $(PG_DIR) $(PG_PORT); exit $$rc

# The quick local loop: SQLite only, slow tests left out, no server needed.
test-fast: $(STAMP)
	FAIRFOLLOW_TEST_BACKENDS=sqlite $(BIN)/pytest -n 2 -q -m "not slow"

bench: $(STAMP)
	$(BIN)/python -m bench

lint: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy

clean:
	rm -rf $(VENV) fairfollow-data .pytest_cache .mypy_cache .ruff_cache
